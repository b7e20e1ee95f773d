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

namespace sluice {

class ByteStream {
 public:
  static std::unique_ptr<ByteStream> Open(const std::string& path);
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

}  // namespace sluice
