#include "io/random_access_file.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "common/error.h"

namespace sluice {

namespace {

class LocalFile : public RandomAccessFile {
 public:
  LocalFile(std::string path, int fd, uint64_t size) : path_(std::move(path)), fd_(fd), size_(size) {
    if (size_ > 0) {
      void* map = ::mmap(nullptr, size_, PROT_READ, MAP_PRIVATE, fd_, 0);
      if (map != MAP_FAILED) map_ = static_cast<const uint8_t*>(map);  // else pread serves every read
    }
  }
  ~LocalFile() override {
    if (map_) ::munmap(const_cast<uint8_t*>(map_), size_);
    ::close(fd_);
  }
  const std::string& name() const override { return path_; }
  uint64_t size() const override { return size_; }
  std::shared_ptr<const uint8_t> View(uint64_t offset, size_t length) const override {
    CheckRange(offset, length);
    if (!map_) return nullptr;
    // Ask for the range's pages ahead of the decoder touching them.
    uint64_t page = offset & ~uint64_t{4095};
    ::madvise(const_cast<uint8_t*>(map_) + page, static_cast<size_t>(offset + length - page), MADV_WILLNEED);
    return std::shared_ptr<const uint8_t>(std::shared_ptr<const void>(), map_ + offset);  // owns nothing
  }
  void ReadAt(uint64_t offset, size_t length, uint8_t* out) const override {
    CheckRange(offset, length);
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
  void CheckRange(uint64_t offset, size_t length) const {
    if (offset > size_ || length > size_ - offset) ThrowInputData(path_ + ": read past the end of the file");
  }

  std::string path_;
  int fd_;
  uint64_t size_;
  const uint8_t* map_ = nullptr;
};

class InMemoryFile : public RandomAccessFile {
 public:
  InMemoryFile(std::string name, std::string bytes) : name_(std::move(name)), bytes_(std::move(bytes)) {}
  const std::string& name() const override { return name_; }
  uint64_t size() const override { return bytes_.size(); }
  void ReadAt(uint64_t offset, size_t length, uint8_t* out) const override {
    CheckRange(offset, length);
    if (length == 0) return;
    std::memcpy(out, bytes_.data() + offset, length);
  }

 private:
  void CheckRange(uint64_t offset, size_t length) const {
    if (offset > bytes_.size() || length > bytes_.size() - offset) ThrowInputData(name_ + ": read past the end of the file");
  }

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
