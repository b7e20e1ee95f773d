#include "common/leftover_files.h"

#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <regex>

#include "common/log.h"
#include "common/process_stat.h"

namespace sluice {

namespace fs = std::filesystem;

namespace {

// When the machine booted, in Unix seconds (/proc/stat's btime).
int64_t BootTime() {
  static const int64_t boot = [] {
    std::ifstream in("/proc/stat");
    std::string key;
    int64_t value = 0;
    while (in >> key) {
      if (key == "btime" && in >> value) return value;
      in.ignore(1 << 16, '\n');
    }
    return int64_t{0};
  }();
  return boot;
}

// Whether the process that wrote a file last modified at `modified` (Unix
// seconds) may still be running as `pid`.
bool OwnerAlive(long pid, int64_t modified) {
  if (pid == ::getpid()) return true;
  if (::kill(static_cast<pid_t>(pid), 0) != 0 && errno == ESRCH) return false;
  auto stat = ReadProcessStat(static_cast<pid_t>(pid));
  if (!stat || BootTime() == 0) return true;
  static const int64_t ticks = ::sysconf(_SC_CLK_TCK);
  const int64_t started = BootTime() + stat->start_ticks / ticks;
  // A process that started after the file was last written did not write it.
  return started <= modified + 1;
}

}  // namespace

long LeftoverOwner(const std::string& path_name, const std::string& name) {
  static const std::regex kPattern(R"(^(?:(?:rejects|predictions)(?:-[a-z0-9_]+)?-\d+\.|rejects\.csv\.)?(?:staging|old|tmp|rejects(?:-[a-z0-9_]+)?|predictions)-(\d{1,9})$)");
  if (name.size() <= path_name.size() + 1 || name.compare(0, path_name.size(), path_name) != 0 ||
      name[path_name.size()] != '.') {
    return 0;
  }
  std::smatch match;
  const std::string rest = name.substr(path_name.size() + 1);
  if (!std::regex_match(rest, match, kPattern)) return 0;
  return std::stol(match[1].str());
}

std::vector<std::string> CollectLeftovers(const std::string& path) {
  std::vector<std::string> removed;
  fs::path absolute = fs::absolute(path).lexically_normal();
  if (absolute.has_relative_path() && absolute.filename().empty()) absolute = absolute.parent_path();
  const std::string stem = absolute.filename().string();
  if (stem.empty()) return removed;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(absolute.parent_path(), ec)) {
    const std::string name = entry.path().filename().string();
    const long pid = LeftoverOwner(stem, name);
    if (pid <= 0) continue;
    struct stat info;
    if (::lstat(entry.path().c_str(), &info) != 0) continue;
    if (OwnerAlive(pid, static_cast<int64_t>(info.st_mtim.tv_sec))) continue;
    std::error_code remove_error;
    const auto count = fs::remove_all(entry.path(), remove_error);
    if (remove_error) {
      Log(LogLevel::kWarning, "sluice: warning: cannot remove " + entry.path().string() + ", left by process " +
                                  std::to_string(pid) + " (no longer running): " + remove_error.message());
      continue;
    }
    LogInfo("removed " + entry.path().string() + " (" + std::to_string(count) + " file(s)), left by process " +
            std::to_string(pid) + ", which is no longer running");
    removed.push_back(entry.path().string());
  }
  return removed;
}

}  // namespace sluice
