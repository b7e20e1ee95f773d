#pragma once
// The taxi-style job end to end: ingest -> prep (fit pass, apply pass) ->
// train -> evaluate on the test split -> artifact. Every input row ends up
// kept (in a split), filtered (by reason) or rejected (in the rejects file),
// and the summary says how many of each.

#include "monitor/run_summary.h"
#include "pipeline/pipeline_spec.h"
#include "pipeline/run_options.h"

namespace sluice {

// Runs the pipeline and returns its summary: counts, timings, metrics and
// where the artifact is.
RunSummary RunTraining(const PipelineSpec& spec, const RunOptions& options);

}  // namespace sluice
