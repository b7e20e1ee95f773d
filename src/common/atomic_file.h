#pragma once
// Writes are atomic: data goes to a temporary name beside the final one and is
// renamed into place on Commit(), so a killed run never leaves a half-written
// file under a final name. A writer destroyed without Commit() removes its
// temporary file. Every byte goes through FileSystem::Default(), the seam
// tests inject faults at.

#include <memory>
#include <string>
#include <string_view>

#include "common/file_system.h"

namespace sluice {

class AtomicFileWriter {
 public:
  static AtomicFileWriter Open(const std::string& path);
  AtomicFileWriter(AtomicFileWriter&& other) noexcept;
  AtomicFileWriter& operator=(AtomicFileWriter&&) = delete;
  ~AtomicFileWriter();

  void Write(std::string_view bytes);
  // Flushes, fsyncs and renames the temporary file to the final path.
  void Commit();
  const std::string& path() const { return path_; }

 private:
  AtomicFileWriter(std::string path, std::string temp_path, std::unique_ptr<WritableFile> file);

  std::string path_;
  std::string temp_path_;
  std::unique_ptr<WritableFile> file_;
};

void WriteFileAtomically(const std::string& path, std::string_view content);

// Replaces directory `final_dir` by the fully written `staged_dir` (a sibling):
// the old directory, if any, is moved aside first and removed after; if the
// new one cannot be moved in, the old one is moved back.
void ReplaceDirectory(const std::string& staged_dir, const std::string& final_dir);

std::string ReadFileToString(const std::string& path);

}  // namespace sluice
