#pragma once
// For tests: a fresh, empty directory under the system's temporary folder,
// named after the test's purpose and the process, removed with everything
// in it when the object goes. Unit tests that write files use one each.

#include <unistd.h>

#include <filesystem>
#include <string>

namespace sluice {

class ScratchDirectory {
 public:
  explicit ScratchDirectory(const std::string& purpose)
      : path_((std::filesystem::temp_directory_path() / ("sluice-" + purpose + "-" + std::to_string(::getpid()))).string()) {
    std::filesystem::remove_all(path_);
    std::filesystem::create_directories(path_);
  }
  ~ScratchDirectory() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  ScratchDirectory(const ScratchDirectory&) = delete;
  ScratchDirectory& operator=(const ScratchDirectory&) = delete;

  const std::string& path() const { return path_; }
  // `name` inside the directory.
  std::string Path(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

}  // namespace sluice
