#pragma once
// Small helpers every training run uses: seconds since a time point, and the
// files a run stages beside its output (rejects, test predictions), removed
// if the run fails before they are moved into the artifact (those of a run
// killed outright are collected by the next: common/leftover_files.h).

#include <chrono>
#include <filesystem>
#include <string>
#include <system_error>
#include <vector>

namespace sluice {

using RunClock = std::chrono::steady_clock;

inline double SecondsSince(RunClock::time_point since) {
  return std::chrono::duration<double>(RunClock::now() - since).count();
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
