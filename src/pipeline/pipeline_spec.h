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
#include "train/learner.h"

namespace sluice {

struct PipelineSpec {
  std::string file;
  std::string name;
  uint64_t seed = 42;
  int threads = 0;
  std::string output;
  std::string rejects;
  SourceOptions source;
  PrepSpec prep;
  std::string learner = "xgboost";
  std::string train_prepared;  // a `sluice prep` output to train from instead of source + prep
  std::string text_column;     // train.text: a text job (pipeline/text_run) instead of the tabular one
  TrainConfig train;
  int checkpoint_keep = 2;     // train.checkpoint_keep: the newest checkpoints kept
  nlohmann::json resolved;  // the file after overrides, for the artifact's record
};

// `overrides` are "dotted.key=value" with value read as YAML.
PipelineSpec LoadPipeline(const std::string& file, const std::vector<std::string>& overrides);
// The same from YAML text (tests); `file` names it in messages.
PipelineSpec ParsePipeline(const std::string& yaml_text, const std::string& file,
                           const std::vector<std::string>& overrides);

}  // namespace sluice
