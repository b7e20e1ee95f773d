#include "common/file_system.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>

#include "common/error.h"

namespace sluice {

namespace fs = std::filesystem;

void ThrowFileError(int error_number, const std::string& what, const std::string& path) {
  if (error_number == ENOSPC) ThrowIo("no space left on device: " + path);
  if (error_number == EDQUOT) ThrowIo("disk quota exceeded: " + path);
  ThrowIo("cannot " + what + " " + path + ": " + std::strerror(error_number));
}

namespace {

// Buffered in user space: Parquet pages and CSV rows arrive in small pieces.
class PosixWritableFile : public WritableFile {
 public:
  PosixWritableFile(std::string path, int fd) : path_(std::move(path)), fd_(fd) { buffer_.reserve(kBufferBytes); }
  ~PosixWritableFile() override {
    if (fd_ >= 0) ::close(fd_);
  }

  void Append(std::string_view bytes) override {
    if (buffer_.size() + bytes.size() > kBufferBytes) {
      Flush();
      if (bytes.size() >= kBufferBytes) {
        WriteAll(bytes);
        return;
      }
    }
    buffer_.append(bytes);
  }

  void Sync() override {
    Flush();
    if (::fsync(fd_) != 0) ThrowFileError(errno, "sync", path_);
  }

  void Close() override {
    Flush();
    const int fd = fd_;
    fd_ = -1;
    if (::close(fd) != 0) ThrowFileError(errno, "close", path_);
  }

 private:
  static constexpr size_t kBufferBytes = 1 << 20;

  void Flush() {
    WriteAll(buffer_);
    buffer_.clear();
  }

  void WriteAll(std::string_view bytes) {
    while (!bytes.empty()) {
      const ssize_t written = ::write(fd_, bytes.data(), bytes.size());
      if (written < 0) {
        if (errno == EINTR) continue;
        ThrowFileError(errno, "write", path_);
      }
      bytes.remove_prefix(static_cast<size_t>(written));
    }
  }

  std::string path_;
  int fd_;
  std::string buffer_;
};

class PosixFileSystem : public FileSystem {
 public:
  std::unique_ptr<WritableFile> NewWritableFile(const std::string& path) override {
    const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) ThrowFileError(errno, "create", path);
    return std::make_unique<PosixWritableFile>(path, fd);
  }

  std::unique_ptr<WritableFile> NewAppendableFile(const std::string& path) override {
    const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (fd < 0) ThrowFileError(errno, "open", path);
    return std::make_unique<PosixWritableFile>(path, fd);
  }

  void Rename(const std::string& from, const std::string& to) override {
    if (std::rename(from.c_str(), to.c_str()) != 0) ThrowFileError(errno, "rename " + from + " to", to);
  }

  void CreateDirectories(const std::string& path) override {
    std::error_code ec;
    fs::create_directories(path, ec);
    if (ec) ThrowFileError(ec.value(), "create", path);
  }

  void LinkOrCopyFile(const std::string& from, const std::string& to) override {
    std::error_code ec;
    fs::remove(to, ec);
    fs::create_hard_link(from, to, ec);
    if (!ec) return;
    fs::copy_file(from, to, fs::copy_options::overwrite_existing, ec);
    if (ec) {
      RemoveAll(to);
      ThrowFileError(ec.value(), "copy " + from + " to", to);
    }
  }

  void RemoveAll(const std::string& path) noexcept override {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
};

PosixFileSystem& Posix() {
  static PosixFileSystem posix;
  return posix;
}

FileSystem* installed = nullptr;

}  // namespace

FileSystem& FileSystem::Default() { return installed ? *installed : Posix(); }

void FileSystem::SetDefaultForTesting(FileSystem* file_system) { installed = file_system; }

}  // namespace sluice
