#pragma once
// `sluice run` and `sluice tune` run a loaded pipeline through here: the run
// is recorded in the state directory's history (.sluice/runs.db) from its
// start to its end — steps, resources, outcome — its artifact registered in
// the model registry, and its summary printed. A failure is recorded and
// rethrown for main to report.

#include <string>

#include "history/run_store.h"
#include "pipeline/pipeline_spec.h"

namespace sluice {

struct RecordedRunOptions {
  RunInvocation invocation;
  std::string resume_id;  // a new attempt of this run, when set
  bool json = false;
  std::string from, only;  // a pipeline graph's --from / --only
  std::string metrics_file;  // --metrics-file: Prometheus text, kept current
  // --no-command-steps (or SLUICE_NO_COMMAND_STEPS=1): a graph with a
  // `command` step, which runs shell code from the pipeline file, is refused.
  bool no_command_steps = false;
};

// Runs `spec` (its step graph when it has `steps:`, else tuning when it has
// a tune section, a text job when it has a text column, else a tabular
// one); returns the exit code. Inside a graph's step (SLUICE_STEP_OF set)
// the run is the graph's to record: it runs unrecorded.
int RunRecorded(const PipelineSpec& spec, const RecordedRunOptions& options);

}  // namespace sluice
