#pragma once
// The tune step: a search over pipeline keys (PipelineSpec::tune) in place
// of one training. Each trial parses the pipeline again with its values set,
// trains on the prepared data of its prep choices (prepared once per
// distinct choice and shared), and is scored by the validation metric of the
// model it trains. The best trial's model, evaluated on the test split,
// becomes the artifact at `output`, with every trial in trials.jsonl and the
// search in sluice-model.json's "tuning".
//
// Survives a kill: each finished trial is appended to OUTPUT.tune/trials.jsonl
// (synced) and the best model so far kept beside it; the same command started
// again reads them back and runs only the trials still to run. With one trial
// at a time, the resumed search proposes exactly what the uninterrupted one
// would have. SIGTERM / SIGINT stop the running trials, keep the finished
// ones and exit 130.

#include "monitor/run_summary.h"
#include "pipeline/pipeline_spec.h"
#include "pipeline/run_options.h"

namespace sluice {

RunSummary RunTuning(const PipelineSpec& spec, const RunOptions& options);

}  // namespace sluice
