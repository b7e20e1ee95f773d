#pragma once
// A pipeline file (YAML) with its --set overrides applied, checked against
// the declared keys (pipeline_keys.h) and turned into the options of each
// stage. Unknown keys, wrong types and bad values are usage errors naming the
// file and the key.

#include <cstdint>
#include <string>
#include <vector>

#include "io/table_source.h"
#include "nlohmann/json.hpp"
#include "prep/prep_spec.h"
#include "quality/data_checks.h"
#include "train/learner.h"
#include "tune/search_space.h"

namespace sluice {

// The tune section: a search over pipeline keys instead of one training.
struct TuneSpec {
  bool enabled = false;
  std::string strategy = "bayesian";
  int trials = 0;          // 0: 30, or the whole grid for strategy grid
  int parallel = 0;        // trials at once, the threads split between them; 0: auto
  uint64_t seed = 42;      // tune.seed, else the pipeline's seed
  int grid_points = 5;
  int initial_points = 0;  // bayesian's space-filling start (0: from the space)
  std::string early_stopping = "none";  // none | median
  int early_stopping_warmup = 0;        // rounds before a trial may be stopped (0: a quarter of train.rounds)
  int early_stopping_min_trials = 3;
  std::string warm_start;  // an earlier tuning's trials.jsonl, or its artifact directory
  SearchSpace space;
};

struct PipelineSpec {
  std::string file;
  std::string name;
  uint64_t seed = 42;
  int threads = 0;
  std::string output;
  std::string rejects;
  bool registry = true;  // a successful run registers its artifact
  SourceOptions source;
  std::vector<CheckSpec> checks;  // run on the source before prep (quality/data_checks.h)
  PrepSpec prep;
  std::string learner = "xgboost";
  std::string train_prepared;  // a `sluice prep` output to train from instead of source + prep
  std::string text_column;     // train.text: a text job (pipeline/text_run) instead of the tabular one
  TrainConfig train;
  int checkpoint_keep = 2;     // train.checkpoint_keep: the newest checkpoints kept
  TuneSpec tune;
  // `steps:` — the run as a graph (orchestrate/step_graph.h); null for the
  // fixed prep -> train -> evaluate run.
  nlohmann::json steps;
  int parallel_steps = 0;
  nlohmann::json resolved;  // the file after overrides, for the artifact's record
  // The file's text and the overrides, so that a tuning trial can parse the
  // pipeline again with its own parameters set.
  std::string text;
  std::vector<std::string> overrides;
};

// `overrides` are "dotted.key=value" with value read as YAML.
PipelineSpec LoadPipeline(const std::string& file, const std::vector<std::string>& overrides);
// The same from YAML text (tests); `file` names it in messages.
PipelineSpec ParsePipeline(const std::string& yaml_text, const std::string& file,
                           const std::vector<std::string>& overrides);

}  // namespace sluice
