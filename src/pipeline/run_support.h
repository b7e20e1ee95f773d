#pragma once
// Small helpers every training run uses: seconds since a time point, and the
// files a run stages beside its output (rejects, test predictions), removed
// if the run fails before they are moved into the artifact.

#include <signal.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <system_error>
#include <vector>

namespace sluice {

using RunClock = std::chrono::steady_clock;

inline double SecondsSince(RunClock::time_point since) {
  return std::chrono::duration<double>(RunClock::now() - since).count();
}

// Removes what runs killed before they could clean up left beside `output`
// (OUTPUT.rejects-PID, OUTPUT.predictions-PID of processes no longer alive).
inline void RemoveStaleStagedFiles(const std::string& output) {
  namespace fs = std::filesystem;
  const fs::path absolute = fs::absolute(output);
  const std::string stem = absolute.filename().string();
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(absolute.parent_path(), ec)) {
    const std::string name = entry.path().filename().string();
    for (const char* suffix : {".rejects-", ".predictions-"}) {
      const std::string prefix = stem + suffix;
      if (name.rfind(prefix, 0) != 0) continue;
      char* end = nullptr;
      long pid = std::strtol(name.c_str() + prefix.size(), &end, 10);
      if (pid > 0 && *end == '\0' && ::kill(static_cast<pid_t>(pid), 0) != 0 && errno == ESRCH) {
        fs::remove(entry.path(), ec);
      }
    }
  }
}

class StagedFiles {
 public:
  StagedFiles() = default;
  StagedFiles(const StagedFiles&) = delete;
  StagedFiles& operator=(const StagedFiles&) = delete;
  ~StagedFiles() {
    std::error_code ec;
    for (const auto& path : paths_) std::filesystem::remove(path, ec);  // no-op once moved
  }
  const std::string& Add(std::string path) { return paths_.emplace_back(std::move(path)); }

 private:
  std::vector<std::string> paths_;
};

}  // namespace sluice
