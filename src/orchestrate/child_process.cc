#include "orchestrate/child_process.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>

#include "common/error.h"
#include "common/process_stat.h"

extern char** environ;

namespace sluice {

namespace {

double SteadySeconds() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

}  // namespace

std::unique_ptr<ChildProcess> ChildProcess::Start(const std::vector<std::string>& argv,
                                                  const std::map<std::string, std::string>& env,
                                                  const std::string& stdout_path, const std::string& log_path) {
  // Everything the child needs is built before fork: between fork and exec
  // only async-signal-safe calls are allowed (other threads may hold locks).
  std::vector<std::string> environment;
  for (char** entry = environ; *entry; ++entry) {
    std::string item = *entry;
    std::string key = item.substr(0, item.find('='));
    if (!env.count(key)) environment.push_back(item);
  }
  for (const auto& [key, value] : env) environment.push_back(key + "=" + value);
  std::vector<char*> args, envp;
  for (const auto& arg : argv) args.push_back(const_cast<char*>(arg.c_str()));
  args.push_back(nullptr);
  for (const auto& item : environment) envp.push_back(const_cast<char*>(item.c_str()));
  envp.push_back(nullptr);

  int out = ::open(stdout_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (out < 0) ThrowErrno("cannot write " + stdout_path);
  int log = ::open(log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (log < 0) {
    ::close(out);
    ThrowErrno("cannot write " + log_path);
  }
  const pid_t parent = ::getpid();
  const double started = SteadySeconds();
  pid_t pid = ::fork();
  if (pid < 0) {
    ::close(out);
    ::close(log);
    ThrowErrno("cannot start " + argv[0]);
  }
  if (pid == 0) {
    ::setpgid(0, 0);
    ::prctl(PR_SET_PDEATHSIG, SIGTERM);
    if (::getppid() != parent) ::_exit(127);  // the parent died before prctl
    sigset_t none;
    sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
    int devnull = ::open("/dev/null", O_RDONLY);
    if (devnull >= 0) ::dup2(devnull, 0);
    ::dup2(out, 1);
    ::dup2(log, 2);
    ::execve(args[0], args.data(), envp.data());
    const char* message = "sluice: cannot start the step: exec failed\n";
    ssize_t ignored = ::write(2, message, std::strlen(message));
    (void)ignored;
    ::_exit(127);
  }
  ::setpgid(pid, pid);  // also here: no race with a Signal() before the child ran
  ::close(out);
  ::close(log);
  return std::unique_ptr<ChildProcess>(new ChildProcess(pid, started));
}

ChildProcess::~ChildProcess() {
  if (reaped_) return;
  Signal(SIGKILL);
  int status = 0;
  ::waitpid(pid_, &status, 0);
}

double ChildProcess::SecondsRunning() const { return SteadySeconds() - started_; }

bool ChildProcess::Poll(ChildOutcome* outcome) {
  if (reaped_) return true;
  siginfo_t info{};
  if (::waitid(P_PID, static_cast<id_t>(pid_), &info, WEXITED | WNOHANG | WNOWAIT) != 0) {
    if (errno == EINTR) return false;
    ThrowErrno("cannot wait for step process " + std::to_string(pid_));
  }
  if (info.si_pid == 0) return false;
  // Exited but not reaped: its /proc entry still holds its I/O counters.
  ReadProcessIo(pid_, &outcome->use.read_bytes, &outcome->use.write_bytes);
  int status = 0;
  rusage usage{};
  if (::wait4(pid_, &status, 0, &usage) < 0) ThrowErrno("cannot wait for step process " + std::to_string(pid_));
  reaped_ = true;
  outcome->seconds = SecondsRunning();
  outcome->use.seconds = outcome->seconds;
  outcome->use.cpu_seconds = static_cast<double>(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) +
                             static_cast<double>(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6;
  outcome->use.cpu_percent = outcome->seconds > 0 ? 100.0 * outcome->use.cpu_seconds / outcome->seconds : 0;
  outcome->use.peak_rss_bytes = static_cast<int64_t>(usage.ru_maxrss) * 1024;
  if (WIFSIGNALED(status)) {
    outcome->signal = WTERMSIG(status);
    outcome->exit_code = 128 + outcome->signal;
  } else {
    outcome->exit_code = WEXITSTATUS(status);
  }
  return true;
}

void ChildProcess::Signal(int signal) {
  if (!reaped_) ::kill(-pid_, signal);
}

}  // namespace sluice
