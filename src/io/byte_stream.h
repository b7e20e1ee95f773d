#pragma once
// Sequential bytes of one input file, decompressed on the fly when the file is
// gzip (detected by its magic bytes, not its name; concatenated members are
// read through). Readers pull blocks from it; nothing else touches the file.
//
// What was read is what the file held: a gzip stream that ends early (a
// truncated download or copy) is bad input data naming the file and the byte
// offset, and at the end of the file its size and modification time are
// checked against those at opening, so a file truncated, rewritten or grown
// by another process while it was read is an error, not a silent subset.

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "common/hash.h"

namespace sluice {

class ByteStream {
 public:
  static std::unique_ptr<ByteStream> Open(const std::string& path);
  // Bytes [begin, end) of an uncompressed file (a rank's share of it); at
  // the end the file must still have the size and time it had at opening.
  static std::unique_ptr<ByteStream> OpenRange(const std::string& path, uint64_t begin, uint64_t end);
  // Whether the file is gzip (read whole, never in ranges).
  static bool IsCompressed(const std::string& path);
  virtual ~ByteStream() = default;

  // Reads up to `size` bytes; returns 0 at the end. Throws an IO error, or
  // an input-data error for a truncated stream or a file that changed.
  virtual size_t Read(char* buffer, size_t size) = 0;
  // Bytes of the underlying file consumed so far, and its size (for progress).
  virtual uint64_t position() const = 0;
  uint64_t file_size() const { return file_size_; }
  int64_t modified_ns() const { return modified_ns_; }
  const std::string& path() const { return path_; }

 protected:
  // At the end of the file: throws if it is not the file that was opened.
  void CheckUnchanged(int fd, uint64_t bytes_read) const;

  std::string path_;
  uint64_t file_size_ = 0;
  int64_t modified_ns_ = 0;  // at opening
};

// Hashes bytes in fixed blocks of kFingerprintBlockBytes, block i covering
// bytes [i * B, (i + 1) * B) of a file: parts of a file hashed apart (the
// shares different ranks read) give the same block hashes as the file hashed
// whole, so a source's fingerprint does not depend on how it was read.
constexpr uint64_t kFingerprintBlockBytes = 1u << 20;

class BlockHasher {
 public:
  // Starts at byte first_block * kFingerprintBlockBytes of the file.
  explicit BlockHasher(uint64_t first_block = 0) : block_(first_block) {}
  BlockHasher(const BlockHasher&) = delete;
  BlockHasher& operator=(const BlockHasher&) = delete;

  void Update(const char* data, size_t size);
  // (block index, hash) of every block begun, the last one possibly partial.
  std::vector<std::pair<uint64_t, uint64_t>> Finish();

 private:
  uint64_t block_;
  uint64_t filled_ = 0;  // bytes of the current block hashed
  std::unique_ptr<StreamingHash> current_;
  std::vector<std::pair<uint64_t, uint64_t>> done_;
};

// A file's digest from its block hashes, in block order.
uint64_t FileDigest(const std::vector<std::pair<uint64_t, uint64_t>>& blocks);

// `inner`, with every byte read also handed to `hasher`.
std::unique_ptr<ByteStream> HashedStream(std::unique_ptr<ByteStream> inner, BlockHasher* hasher);

}  // namespace sluice
