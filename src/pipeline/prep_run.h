#pragma once
// `sluice prep`: the prep half of a pipeline on its own. Fits θ on the train
// split and writes the prepared rows — the model's input features and the
// target, as float64 columns — as one Parquet dataset per split (train/,
// valid/, test/: part files) with θ beside them (prep.json) and the row
// accounting (manifest.json), streaming, in input order. `sluice run` with
// train.prepared trains from such a directory (pipeline/prepared_data.h).

#include <string>
#include <vector>

#include "monitor/run_summary.h"
#include "nlohmann/json.hpp"
#include "pipeline/pipeline_spec.h"
#include "pipeline/run_options.h"

namespace sluice {

// What `sluice prep` reports (--json prints ToJson()).
struct PrepSummary {
  std::string output;
  RowCounts rows;
  std::vector<std::string> features;  // the model's input features, in order
  std::vector<CheckOutcome> checks;
  double seconds = 0;

  nlohmann::json ToJson() const;
};

PrepSummary RunPrep(const PipelineSpec& spec, const std::string& out_dir, const RunOptions& options);

}  // namespace sluice
