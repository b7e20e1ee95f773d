#pragma once
// What /proc/PID/stat says about a process that sluice needs: its CPU time
// (the resource sampler) and when it started (the run history tells a live
// run from a killed one whose pid was reused by checking both pid and start).

#include <cstdint>
#include <optional>
#include <sys/types.h>

#include <vector>

namespace sluice {

struct ProcessStat {
  double cpu_seconds = 0;   // user + system, all threads
  int64_t start_ticks = 0;  // clock ticks after boot
  pid_t parent = 0;
  double reaped_children_cpu_seconds = 0;  // cutime + cstime: children it has waited for
};

// std::nullopt when there is no such process (or /proc is not there).
std::optional<ProcessStat> ReadProcessStat(pid_t pid);

// Every live process below `pid` (children, their children...), found by
// parent pid in /proc: kernels without CONFIG_PROC_CHILDREN have no
// /proc/PID/task/TID/children to ask.
std::vector<pid_t> DescendantsOf(pid_t pid);

// What /proc/PID/io says the process moved through read and write calls
// (rchar, wchar), its waited-for children included; zeros when unreadable.
void ReadProcessIo(pid_t pid, int64_t* read_bytes, int64_t* write_bytes);
// Resident memory of a process (/proc/PID/statm), 0 when it is gone.
int64_t ReadProcessRss(pid_t pid);

}  // namespace sluice
