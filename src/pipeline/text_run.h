#pragma once
// The text job (train.text set): ingest a text column and a label column ->
// split by row hash -> tokenize -> fit θ on the train split (vocabulary,
// label map) -> train the `ngram` learner -> evaluate on the test split
// (accuracy, macro precision / recall / F1, AUC for two classes, confusion
// matrix) -> a text model directory (artifact/text_artifact). Every row is
// kept (in a split), filtered (a valid / test label unseen in training) or
// rejected (unreadable, empty text, missing label, invalid UTF-8), and
// counted. Learner settings come from train.params (docs/pipeline.md).

#include "monitor/run_summary.h"
#include "pipeline/pipeline_spec.h"
#include "pipeline/run_options.h"

namespace sluice {

RunSummary RunTextTraining(const PipelineSpec& spec, const RunOptions& options);

}  // namespace sluice
