#include "common/atomic_file.h"

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "common/error.h"

namespace sluice {

namespace fs = std::filesystem;

AtomicFileWriter::AtomicFileWriter(std::string path, std::string temp_path, std::unique_ptr<WritableFile> file)
    : path_(std::move(path)), temp_path_(std::move(temp_path)), file_(std::move(file)) {}

AtomicFileWriter::AtomicFileWriter(AtomicFileWriter&& other) noexcept
    : path_(std::move(other.path_)), temp_path_(std::move(other.temp_path_)), file_(std::move(other.file_)) {}

AtomicFileWriter AtomicFileWriter::Open(const std::string& path) {
  std::string temp = path + ".tmp-" + std::to_string(::getpid());
  return AtomicFileWriter(path, temp, FileSystem::Default().NewWritableFile(temp));
}

AtomicFileWriter::~AtomicFileWriter() {
  if (file_) {
    file_.reset();
    FileSystem::Default().RemoveAll(temp_path_);
  }
}

void AtomicFileWriter::Write(std::string_view bytes) {
  if (bytes.empty()) return;
  file_->Append(bytes);
}

void AtomicFileWriter::Commit() {
  file_->Sync();
  file_->Close();
  file_.reset();
  try {
    FileSystem::Default().Rename(temp_path_, path_);
  } catch (...) {
    FileSystem::Default().RemoveAll(temp_path_);
    throw;
  }
}

void WriteFileAtomically(const std::string& path, std::string_view content) {
  auto writer = AtomicFileWriter::Open(path);
  writer.Write(content);
  writer.Commit();
}

void ReplaceDirectory(const std::string& staged_dir, const std::string& final_dir) {
  FileSystem& file_system = FileSystem::Default();
  std::string old_dir;
  if (fs::exists(final_dir)) {
    old_dir = final_dir + ".old-" + std::to_string(::getpid());
    file_system.Rename(final_dir, old_dir);
  }
  try {
    file_system.Rename(staged_dir, final_dir);
  } catch (...) {
    if (!old_dir.empty()) {
      try {
        file_system.Rename(old_dir, final_dir);
      } catch (...) {
        // The old directory stays under its .old- name, which the error's path names.
      }
    }
    throw;
  }
  if (!old_dir.empty()) file_system.RemoveAll(old_dir);
}

std::string ReadFileToString(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) ThrowErrno("cannot open " + path);
  std::ostringstream content;
  content << in.rdbuf();
  return content.str();
}

}  // namespace sluice
