#pragma once
// Sequential bytes of one input file, decompressed on the fly when the file is
// gzip (detected by its magic bytes, not its name; concatenated members are
// read through). Readers pull blocks from it; nothing else touches the file.

#include <cstdint>
#include <memory>
#include <string>

namespace sluice {

class ByteStream {
 public:
  static std::unique_ptr<ByteStream> Open(const std::string& path);
  virtual ~ByteStream() = default;

  // Reads up to `size` bytes; returns 0 at the end. Throws an IO error.
  virtual size_t Read(char* buffer, size_t size) = 0;
  // Bytes of the underlying file consumed so far, and its size (for progress).
  virtual uint64_t position() const = 0;
  uint64_t file_size() const { return file_size_; }
  const std::string& path() const { return path_; }

 protected:
  std::string path_;
  uint64_t file_size_ = 0;
};

}  // namespace sluice
