#pragma once
// What /proc/PID/stat says about a process that sluice needs: its CPU time
// (the resource sampler) and when it started (the run history tells a live
// run from a killed one whose pid was reused by checking both pid and start).

#include <cstdint>
#include <optional>
#include <sys/types.h>

namespace sluice {

struct ProcessStat {
  double cpu_seconds = 0;   // user + system, all threads
  int64_t start_ticks = 0;  // clock ticks after boot
};

// std::nullopt when there is no such process (or /proc is not there).
std::optional<ProcessStat> ReadProcessStat(pid_t pid);

}  // namespace sluice
