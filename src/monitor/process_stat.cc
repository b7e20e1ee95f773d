#include "monitor/process_stat.h"

#include <unistd.h>

#include <cstdio>
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
  if (std::sscanf(after_name + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu %*d %*d %*d %*d %*d %*d %llu",
                  &utime, &stime, &start) != 3) {
    return std::nullopt;
  }
  static const double ticks = static_cast<double>(::sysconf(_SC_CLK_TCK));
  return ProcessStat{static_cast<double>(utime + stime) / ticks, static_cast<int64_t>(start)};
}

}  // namespace sluice
