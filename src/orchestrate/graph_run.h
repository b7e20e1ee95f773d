#pragma once
// Runs a pipeline graph (step_graph.h): each step, once every step it
// needs has succeeded, as a child process of this same binary (`sluice
// convert`, `sluice prep`, `sluice run`, `sluice transform`) or of /bin/sh
// for a command; evaluate and deploy in process. Up to `parallel` steps at
// once. A step is taken from the step cache (history/step_cache.h) when its
// key — its definition, its pipeline, its inputs' content, the outputs of
// what it needs — is unchanged and its output still hashes as recorded.
// A failed attempt is retried after an exponential backoff; an attempt past
// its timeout is stopped (SIGTERM to its process group, SIGKILL 10 s later).
// Every attempt is recorded in the run history with the resources its
// process used.

#include <atomic>
#include <string>

#include "history/run_recorder.h"
#include "monitor/run_summary.h"
#include "nlohmann/json.hpp"
#include "orchestrate/step_graph.h"
#include "pipeline/pipeline_spec.h"

namespace sluice {

struct GraphRunOptions {
  std::string from;  // run this step and every step after it; earlier ones from the cache
  std::string only;  // run just this step; what it needs from the cache
  bool quiet = false;
  const std::atomic<bool>* stop_requested = nullptr;
  std::string state_dir;
};

struct GraphRunResult {
  // The train or tune step's run summary (none trained: an empty one), with
  // the pipeline's name and its steps: [{name, type, status, attempts,
  // seconds, output, key, error}].
  RunSummary summary;
  bool register_artifact = false;  // a model was trained now and no deploy step registered it
};

// Throws (after every running step ended) when a step failed for good,
// naming it; interrupted when stopped by a signal.
GraphRunResult RunGraph(const PipelineSpec& spec, const StepGraph& graph, RunRecorder& recorder,
                        const GraphRunOptions& options);

}  // namespace sluice
