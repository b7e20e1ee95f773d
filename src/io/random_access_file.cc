#include "io/random_access_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "common/error.h"

namespace sluice {

namespace {

class LocalFile : public RandomAccessFile {
 public:
  LocalFile(std::string path, int fd, uint64_t size) : path_(std::move(path)), fd_(fd), size_(size) {}
  ~LocalFile() override { ::close(fd_); }
  const std::string& name() const override { return path_; }
  uint64_t size() const override { return size_; }
  void ReadAt(uint64_t offset, size_t length, uint8_t* out) const override {
    if (offset > size_ || length > size_ - offset) ThrowInputData(path_ + ": read past the end of the file");
    size_t done = 0;
    while (done < length) {
      ssize_t n = ::pread(fd_, out + done, length - done, static_cast<off_t>(offset + done));
      if (n < 0) {
        if (errno == EINTR) continue;
        ThrowErrno("cannot read " + path_);
      }
      if (n == 0) ThrowInputData(path_ + ": unexpected end of file");
      done += static_cast<size_t>(n);
    }
  }

 private:
  std::string path_;
  int fd_;
  uint64_t size_;
};

class InMemoryFile : public RandomAccessFile {
 public:
  InMemoryFile(std::string name, std::string bytes) : name_(std::move(name)), bytes_(std::move(bytes)) {}
  const std::string& name() const override { return name_; }
  uint64_t size() const override { return bytes_.size(); }
  void ReadAt(uint64_t offset, size_t length, uint8_t* out) const override {
    if (offset > bytes_.size() || length > bytes_.size() - offset) ThrowInputData(name_ + ": read past the end of the file");
    if (length == 0) return;
    std::memcpy(out, bytes_.data() + offset, length);
  }

 private:
  std::string name_;
  std::string bytes_;
};

}  // namespace

std::unique_ptr<RandomAccessFile> OpenLocalFile(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) ThrowUsage(path + ": no such file");
    ThrowErrno("cannot open " + path);
  }
  struct stat info;
  if (::fstat(fd, &info) != 0) {
    ::close(fd);
    ThrowErrno("cannot stat " + path);
  }
  return std::make_unique<LocalFile>(path, fd, static_cast<uint64_t>(info.st_size));
}

std::unique_ptr<RandomAccessFile> MemoryFile(std::string name, std::string bytes) {
  return std::make_unique<InMemoryFile>(std::move(name), std::move(bytes));
}

}  // namespace sluice
