#pragma once
// One step of a pipeline graph running as a child process: its own process
// group (a timeout or a stop reaches whatever it started too), killed if
// sluice dies (PR_SET_PDEATHSIG), stdout to one file and stderr appended to
// the step's log. Polled, never blocked on, so one thread can watch many;
// when it ends, what it used comes from the kernel: CPU and peak RSS from
// wait4's rusage, bytes read and written from /proc/PID/io read while it
// is a zombie (after it exited, before it is reaped).

#include <sys/types.h>

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "monitor/resource_sampler.h"

namespace sluice {

struct ChildOutcome {
  int exit_code = 0;  // 128 + signal when a signal ended it
  int signal = 0;
  double seconds = 0;
  ResourceUse use;
};

class ChildProcess {
 public:
  // Starts `argv` (argv[0] a path) with `env` added to this environment.
  static std::unique_ptr<ChildProcess> Start(const std::vector<std::string>& argv,
                                             const std::map<std::string, std::string>& env,
                                             const std::string& stdout_path, const std::string& log_path);
  ~ChildProcess();
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  pid_t pid() const { return pid_; }
  double SecondsRunning() const;
  // True once it has ended, with what it used in `*outcome` (it is reaped).
  bool Poll(ChildOutcome* outcome);
  // Signals the whole process group.
  void Signal(int signal);

 private:
  ChildProcess(pid_t pid, double started) : pid_(pid), started_(started) {}

  pid_t pid_;
  double started_;  // steady seconds
  bool reaped_ = false;
};

}  // namespace sluice
