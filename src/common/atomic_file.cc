#include "common/atomic_file.h"

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "common/error.h"

namespace sluice {

namespace fs = std::filesystem;

AtomicFileWriter::AtomicFileWriter(std::string path, std::string temp_path, std::FILE* file)
    : path_(std::move(path)), temp_path_(std::move(temp_path)), file_(file) {}

AtomicFileWriter::AtomicFileWriter(AtomicFileWriter&& other) noexcept
    : path_(std::move(other.path_)), temp_path_(std::move(other.temp_path_)), file_(other.file_) {
  other.file_ = nullptr;
}

AtomicFileWriter AtomicFileWriter::Open(const std::string& path) {
  std::string temp = path + ".tmp-" + std::to_string(::getpid());
  std::FILE* file = std::fopen(temp.c_str(), "wb");
  if (!file) ThrowErrno("cannot create " + temp);
  static constexpr size_t kBufferBytes = 1 << 20;
  std::setvbuf(file, nullptr, _IOFBF, kBufferBytes);
  return AtomicFileWriter(path, temp, file);
}

AtomicFileWriter::~AtomicFileWriter() {
  if (file_) {
    std::fclose(file_);
    std::remove(temp_path_.c_str());
  }
}

void AtomicFileWriter::Write(std::string_view bytes) {
  if (bytes.empty()) return;
  if (std::fwrite(bytes.data(), 1, bytes.size(), file_) != bytes.size()) {
    ThrowErrno("cannot write " + temp_path_);
  }
}

void AtomicFileWriter::Commit() {
  if (std::fflush(file_) != 0) ThrowErrno("cannot write " + temp_path_);
  ::fsync(::fileno(file_));
  std::FILE* file = file_;
  file_ = nullptr;
  if (std::fclose(file) != 0) ThrowErrno("cannot close " + temp_path_);
  if (std::rename(temp_path_.c_str(), path_.c_str()) != 0) {
    std::remove(temp_path_.c_str());
    ThrowErrno("cannot rename " + temp_path_ + " to " + path_);
  }
}

void WriteFileAtomically(const std::string& path, std::string_view content) {
  auto writer = AtomicFileWriter::Open(path);
  writer.Write(content);
  writer.Commit();
}

void ReplaceDirectory(const std::string& staged_dir, const std::string& final_dir) {
  std::error_code ec;
  std::string old_dir;
  if (fs::exists(final_dir)) {
    old_dir = final_dir + ".old-" + std::to_string(::getpid());
    fs::rename(final_dir, old_dir, ec);
    if (ec) ThrowIo("cannot move " + final_dir + " aside: " + ec.message());
  }
  fs::rename(staged_dir, final_dir, ec);
  if (ec) ThrowIo("cannot rename " + staged_dir + " to " + final_dir + ": " + ec.message());
  if (!old_dir.empty()) fs::remove_all(old_dir, ec);
}

std::string ReadFileToString(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) ThrowErrno("cannot open " + path);
  std::ostringstream content;
  content << in.rdbuf();
  return content.str();
}

}  // namespace sluice
