#pragma once
// How a command runs a pipeline (run, prep, tune, transform): quiet or not,
// the stop request a signal sets, and who is told as each step starts. Every
// *_run.h takes it; it lives apart so that none includes another for it.

#include <atomic>
#include <functional>
#include <string>

namespace sluice {

struct RunOptions {
  bool quiet = false;  // no progress or round lines (for --json)
  // Set by the command's SIGTERM / SIGINT handler: training checkpoints and stops.
  const std::atomic<bool>* stop_requested = nullptr;
  // Told as each step starts (so the one before has ended), and whether it
  // is taken from an earlier attempt instead of run: the run history times
  // the steps and measures their resource use by it.
  std::function<void(const std::string& step, bool cached)> on_step;

  void Step(const std::string& step, bool cached = false) const {
    if (on_step) on_step(step, cached);
  }
};

}  // namespace sluice
