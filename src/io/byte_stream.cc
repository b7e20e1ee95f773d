#include "io/byte_stream.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include <cerrno>
#include <cstring>

#include "common/error.h"

namespace sluice {

namespace {

class PlainStream : public ByteStream {
 public:
  PlainStream(std::string path, int fd, uint64_t size) : fd_(fd) {
    path_ = std::move(path);
    file_size_ = size;
  }
  ~PlainStream() override { ::close(fd_); }

  size_t Read(char* buffer, size_t size) override {
    size_t total = 0;
    while (total < size) {
      ssize_t n = ::read(fd_, buffer + total, size - total);
      if (n < 0) {
        if (errno == EINTR) continue;
        ThrowErrno("cannot read " + path_);
      }
      if (n == 0) break;
      total += static_cast<size_t>(n);
    }
    position_ += total;
    return total;
  }
  uint64_t position() const override { return position_; }

 private:
  int fd_;
  uint64_t position_ = 0;
};

class GzipStream : public ByteStream {
 public:
  GzipStream(std::string path, gzFile file, uint64_t size) : file_(file) {
    path_ = std::move(path);
    file_size_ = size;
    gzbuffer(file_, 1 << 20);
  }
  ~GzipStream() override { gzclose(file_); }

  size_t Read(char* buffer, size_t size) override {
    size_t total = 0;
    while (total < size) {
      unsigned chunk = static_cast<unsigned>(std::min<size_t>(size - total, 1u << 30));
      int n = gzread(file_, buffer + total, chunk);
      if (n < 0) {
        int code;
        const char* message = gzerror(file_, &code);
        ThrowInputData(path_ + ": corrupt gzip data: " + message);
      }
      if (n == 0) break;
      total += static_cast<size_t>(n);
    }
    return total;
  }
  uint64_t position() const override { return static_cast<uint64_t>(gzoffset(file_)); }

 private:
  gzFile file_;
};

}  // namespace

std::unique_ptr<ByteStream> ByteStream::Open(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) ThrowUsage(path + ": no such file");
    ThrowErrno("cannot open " + path);
  }
  struct stat info;
  if (::fstat(fd, &info) != 0) ThrowErrno("cannot stat " + path);
  if (S_ISDIR(info.st_mode)) {
    ::close(fd);
    ThrowUsage(path + ": is a directory");
  }
  unsigned char magic[2] = {0, 0};
  ssize_t got = ::pread(fd, magic, 2, 0);
  uint64_t size = static_cast<uint64_t>(info.st_size);
  if (got == 2 && magic[0] == 0x1f && magic[1] == 0x8b) {
    gzFile file = gzdopen(fd, "rb");
    if (!file) ThrowIo("cannot open gzip stream " + path);
    return std::make_unique<GzipStream>(path, file, size);
  }
  ::posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
  return std::make_unique<PlainStream>(path, fd, size);
}

}  // namespace sluice
