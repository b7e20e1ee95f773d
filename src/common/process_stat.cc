#include "common/process_stat.h"

#include <dirent.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

namespace sluice {

std::optional<ProcessStat> ReadProcessStat(pid_t pid) {
  const std::string path = "/proc/" + std::to_string(pid) + "/stat";
  std::FILE* file = std::fopen(path.c_str(), "r");
  if (!file) return std::nullopt;
  char buffer[1024];
  size_t size = std::fread(buffer, 1, sizeof buffer - 1, file);
  std::fclose(file);
  buffer[size] = '\0';
  // The command name (field 2) is in parentheses and may hold spaces and
  // parentheses: the fields resume after the last ')'. From there: state
  // (3), ppid..tpgid (4-8), flags..cmajflt (9-13), utime and stime (14, 15),
  // cutime..itrealvalue (16-21), starttime (22).
  const char* after_name = std::strrchr(buffer, ')');
  if (!after_name) return std::nullopt;
  unsigned long long utime = 0, stime = 0, start = 0;
  long long cutime = 0, cstime = 0;
  int parent = 0;
  if (std::sscanf(after_name + 2, "%*c %d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu %lld %lld %*d %*d %*d %*d %llu",
                  &parent, &utime, &stime, &cutime, &cstime, &start) != 6) {
    return std::nullopt;
  }
  static const double ticks = static_cast<double>(::sysconf(_SC_CLK_TCK));
  ProcessStat stat;
  stat.cpu_seconds = static_cast<double>(utime + stime) / ticks;
  stat.start_ticks = static_cast<int64_t>(start);
  stat.parent = static_cast<pid_t>(parent);
  stat.reaped_children_cpu_seconds = static_cast<double>(cutime + cstime) / ticks;
  return stat;
}

std::vector<pid_t> DescendantsOf(pid_t pid) {
  std::vector<std::pair<pid_t, pid_t>> parents;  // (pid, parent)
  if (DIR* proc = ::opendir("/proc")) {
    while (dirent* entry = ::readdir(proc)) {
      char* end = nullptr;
      long other = std::strtol(entry->d_name, &end, 10);
      if (other <= 0 || *end != '\0') continue;
      if (auto stat = ReadProcessStat(static_cast<pid_t>(other))) parents.emplace_back(static_cast<pid_t>(other), stat->parent);
    }
    ::closedir(proc);
  }
  std::vector<pid_t> found{pid};
  for (size_t i = 0; i < found.size(); ++i) {
    for (const auto& [child, parent] : parents) {
      if (parent == found[i]) found.push_back(child);
    }
  }
  found.erase(found.begin());
  return found;
}

void ReadProcessIo(pid_t pid, int64_t* read_bytes, int64_t* write_bytes) {
  *read_bytes = *write_bytes = 0;
  const std::string path = "/proc/" + std::to_string(pid) + "/io";
  std::FILE* file = std::fopen(path.c_str(), "r");
  if (!file) return;
  char key[64];
  long long value = 0;
  while (std::fscanf(file, "%63s %lld", key, &value) == 2) {
    if (std::strcmp(key, "rchar:") == 0) *read_bytes = value;
    if (std::strcmp(key, "wchar:") == 0) *write_bytes = value;
  }
  std::fclose(file);
}

int64_t ReadProcessRss(pid_t pid) {
  const std::string path = "/proc/" + std::to_string(pid) + "/statm";
  std::FILE* file = std::fopen(path.c_str(), "r");
  if (!file) return 0;
  long long size = 0, resident = 0;
  int read = std::fscanf(file, "%lld %lld", &size, &resident);
  std::fclose(file);
  static const int64_t page = ::sysconf(_SC_PAGESIZE);
  return read == 2 ? resident * page : 0;
}

}  // namespace sluice
