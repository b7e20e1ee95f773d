#include "cli/stop_signals.h"

#include <signal.h>

namespace sluice {

namespace {

std::atomic<bool> stop_requested{false};

void RequestStop(int signal) {
  if (stop_requested.exchange(true)) {
    ::signal(signal, SIG_DFL);
    ::raise(signal);
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
  return &stop_requested;
}

}  // namespace sluice
