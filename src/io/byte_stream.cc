#include "io/byte_stream.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include <cerrno>
#include <cstring>

#include "common/error.h"
#include "io/s3/s3_file.h"

namespace sluice {

namespace {

int64_t ModifiedNs(const struct stat& info) {
  return static_cast<int64_t>(info.st_mtim.tv_sec) * 1000000000 + info.st_mtim.tv_nsec;
}

// A plain file, whole or bytes [begin, end) of it (a rank's share).
class PlainStream : public ByteStream {
 public:
  PlainStream(std::string path, int fd, const struct stat& info, uint64_t begin = 0, uint64_t end = UINT64_MAX)
      : fd_(fd), next_(begin), end_(end), whole_(begin == 0 && end == UINT64_MAX) {
    path_ = std::move(path);
    file_size_ = static_cast<uint64_t>(info.st_size);
    modified_ns_ = ModifiedNs(info);
  }
  ~PlainStream() override { ::close(fd_); }

  size_t Read(char* buffer, size_t size) override {
    size_t total = 0;
    while (total < size && next_ < end_) {
      const size_t want = static_cast<size_t>(std::min<uint64_t>(size - total, end_ - next_));
      // A whole file is read on (a pipe may be one), a share at its offsets.
      ssize_t n = whole_ ? ::read(fd_, buffer + total, want) : ::pread(fd_, buffer + total, want, static_cast<off_t>(next_));
      if (n < 0) {
        if (errno == EINTR) continue;
        ThrowErrno("cannot read " + path_);
      }
      if (n == 0) break;
      total += static_cast<size_t>(n);
      next_ += static_cast<uint64_t>(n);
    }
    position_ += total;
    if (total < size && !at_end_) {
      at_end_ = true;
      // A whole file must have been read to its size; a share, within it.
      CheckUnchanged(fd_, whole_ ? position_ : file_size_);
    }
    return total;
  }
  uint64_t position() const override { return position_; }

 private:
  int fd_;
  uint64_t next_, end_;
  bool whole_;
  uint64_t position_ = 0;
  bool at_end_ = false;
};

class GzipStream : public ByteStream {
 public:
  GzipStream(std::string path, int fd, gzFile file, const struct stat& info) : fd_(fd), file_(file) {
    path_ = std::move(path);
    file_size_ = static_cast<uint64_t>(info.st_size);
    modified_ns_ = ModifiedNs(info);
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
      if (n == 0) {
        if (!at_end_) AtEnd(decompressed_ + total);
        at_end_ = true;
        break;
      }
      total += static_cast<size_t>(n);
    }
    decompressed_ += total;
    return total;
  }
  uint64_t position() const override { return static_cast<uint64_t>(gzoffset(file_)); }

 private:
  // zlib ends a stream cut short with what it could inflate and Z_BUF_ERROR.
  void AtEnd(uint64_t decompressed) {
    int code = Z_OK;
    gzerror(file_, &code);
    CheckUnchanged(fd_, file_size_);
    if (code == Z_BUF_ERROR) {
      ThrowInputData(path_ + ": the gzip stream ends early, at byte " + std::to_string(file_size_) + " of the file (" +
                     std::to_string(decompressed) + " bytes decompressed): the file is truncated");
    }
  }

  int fd_;  // owned by file_
  gzFile file_;
  uint64_t decompressed_ = 0;
  bool at_end_ = false;
};

// Reads through `inner`, hashing what it hands out.
class HashingStream : public ByteStream {
 public:
  HashingStream(std::unique_ptr<ByteStream> inner, BlockHasher* hasher) : inner_(std::move(inner)), hasher_(hasher) {
    path_ = inner_->path();
    file_size_ = inner_->file_size();
    modified_ns_ = inner_->modified_ns();
  }
  size_t Read(char* buffer, size_t size) override {
    const size_t got = inner_->Read(buffer, size);
    hasher_->Update(buffer, got);
    return got;
  }
  uint64_t position() const override { return inner_->position(); }

 private:
  std::unique_ptr<ByteStream> inner_;
  BlockHasher* hasher_;
};

int OpenRegularFile(const std::string& path, struct stat& info) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) ThrowUsage(path + ": no such file");
    ThrowErrno("cannot open " + path);
  }
  if (::fstat(fd, &info) != 0) {
    ::close(fd);
    ThrowErrno("cannot stat " + path);
  }
  if (S_ISDIR(info.st_mode)) {
    ::close(fd);
    ThrowUsage(path + ": is a directory");
  }
  return fd;
}

bool GzipMagic(int fd) {
  unsigned char magic[2] = {0, 0};
  return ::pread(fd, magic, 2, 0) == 2 && magic[0] == 0x1f && magic[1] == 0x8b;
}

}  // namespace

void BlockHasher::Update(const char* data, size_t size) {
  while (size > 0) {
    if (!current_) current_ = std::make_unique<StreamingHash>();
    const size_t take = static_cast<size_t>(std::min<uint64_t>(size, kFingerprintBlockBytes - filled_));
    current_->Update(data, take);
    filled_ += take;
    data += take;
    size -= take;
    if (filled_ == kFingerprintBlockBytes) {
      done_.push_back({block_++, current_->Digest()});
      current_.reset();
      filled_ = 0;
    }
  }
}

std::vector<std::pair<uint64_t, uint64_t>> BlockHasher::Finish() {
  if (current_) {
    done_.push_back({block_++, current_->Digest()});
    current_.reset();
    filled_ = 0;
  }
  return std::move(done_);
}

uint64_t FileDigest(const std::vector<std::pair<uint64_t, uint64_t>>& blocks) {
  FingerprintBuilder digest;
  for (const auto& [index, hash] : blocks) digest.Add(hash);
  return digest.value();
}

std::unique_ptr<ByteStream> HashedStream(std::unique_ptr<ByteStream> inner, BlockHasher* hasher) {
  return std::make_unique<HashingStream>(std::move(inner), hasher);
}

std::unique_ptr<ByteStream> ByteStream::OpenRange(const std::string& path, uint64_t begin, uint64_t end) {
  if (IsS3Uri(path)) return OpenS3Stream(path, begin, end, false);
  struct stat info;
  int fd = OpenRegularFile(path, info);
  if (GzipMagic(fd)) {
    ::close(fd);
    ThrowInternal(path + " is gzip: it is read whole, not in ranges");
  }
  return std::make_unique<PlainStream>(path, fd, info, begin, end);
}

bool ByteStream::IsCompressed(const std::string& path) {
  if (IsS3Uri(path)) return IsS3ObjectGzip(path);
  struct stat info;
  int fd = OpenRegularFile(path, info);
  const bool gzip = GzipMagic(fd);
  ::close(fd);
  return gzip;
}

void ByteStream::CheckUnchanged(int fd, uint64_t bytes_read) const {
  struct stat info;
  if (::fstat(fd, &info) != 0) ThrowErrno("cannot stat " + path_);
  const uint64_t size_now = static_cast<uint64_t>(info.st_size);
  if (size_now != file_size_ || bytes_read != file_size_ || ModifiedNs(info) != modified_ns_) {
    ThrowInputData(path_ + ": changed while it was read (" + std::to_string(file_size_) + " bytes when opened, " +
                   std::to_string(size_now) + " now, " + std::to_string(bytes_read) +
                   " read): another process wrote to it; run again once the file is complete");
  }
}

std::unique_ptr<ByteStream> ByteStream::Open(const std::string& path) {
  if (IsS3Uri(path)) return OpenS3Stream(path, 0, UINT64_MAX, IsS3ObjectGzip(path));
  struct stat info;
  int fd = OpenRegularFile(path, info);
  if (GzipMagic(fd)) {
    gzFile file = gzdopen(fd, "rb");
    if (!file) ThrowIo("cannot open gzip stream " + path);
    return std::make_unique<GzipStream>(path, fd, file, info);
  }
  ::posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
  return std::make_unique<PlainStream>(path, fd, info);
}

}  // namespace sluice
