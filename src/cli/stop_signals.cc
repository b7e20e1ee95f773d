#include "cli/stop_signals.h"

#include <signal.h>
#include <unistd.h>

namespace sluice {

namespace {

std::atomic<bool> stop_requested{false};

void RequestStop(int signal) {
  if (stop_requested.exchange(true)) {
    // Only async-signal-safe calls here. Staged files left by this exit are
    // collected by the next command that writes the same output.
    static const char kMessage[] = "sluice: stopped at once by a second signal (nothing of this run was committed)\n";
    ssize_t ignored = ::write(2, kMessage, sizeof kMessage - 1);
    (void)ignored;
    ::_exit(130);
  }
}

}  // namespace

const std::atomic<bool>* InstallStopSignalHandlers() {
  struct sigaction action = {};
  action.sa_handler = RequestStop;
  sigemptyset(&action.sa_mask);
  action.sa_flags = SA_RESTART;
  sigaction(SIGTERM, &action, nullptr);
  sigaction(SIGINT, &action, nullptr);
  // mpirun forwards SIGUSR1 to every rank (a SIGTERM to mpirun ends the job
  // at once): `kill -USR1 MPIRUN` stops a job across ranks at a checkpoint.
  sigaction(SIGUSR1, &action, nullptr);
  return &stop_requested;
}

}  // namespace sluice
