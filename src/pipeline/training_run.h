#pragma once
// The taxi-style job end to end: ingest -> prep (fit pass, apply pass) ->
// train -> evaluate on the test split -> artifact. Every input row ends up
// kept (in a split), filtered (by reason) or rejected (in the rejects file),
// and the summary says how many of each.

#include <atomic>
#include <functional>
#include <string>

#include "nlohmann/json.hpp"
#include "pipeline/pipeline_spec.h"

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

// Runs the pipeline and returns its summary: counts, timings, metrics and
// where the artifact is.
nlohmann::json RunTraining(const PipelineSpec& spec, const RunOptions& options);

}  // namespace sluice
