#pragma once
// SIGTERM (a Spot instance's two-minute notice), SIGINT and SIGUSR1 (which
// mpirun forwards to every rank) ask a run to stop
// at its next safe point — training at a checkpoint round, tuning after its
// finished trials are recorded — and exit 130; a second signal ends the
// process at once, also with 130, saying so. Install returns the flag the
// handlers set.

#include <atomic>

namespace sluice {

const std::atomic<bool>* InstallStopSignalHandlers();

}  // namespace sluice
