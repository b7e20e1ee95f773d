#pragma once
// The model artifact: one directory holding everything needed to score raw
// rows — θ and the model together — so serving runs the very code training
// ran. Layout (docs/artifact.md):
//
//   sluice-model.json   format version, sluice version, input schema, target,
//                       θ (prep), learner and its parameters, metrics,
//                       training-data fingerprint, row counts
//   model.json          the learner's own model (XGBoost's JSON format)
//   metrics.json        flat metrics of the test split plus row counts
//
// Loading checks the format version and rebuilds θ and the model; Predict is
// const and safe from many threads.

#include <memory>
#include <string>
#include <vector>

#include "data/record_batch.h"
#include "artifact/artifact_directory.h"
#include "nlohmann/json.hpp"
#include "prep/fitted_prep.h"
#include "train/learner.h"

namespace sluice {

class Artifact {
 public:
  // Writes `dir` atomically (staged beside it, then renamed). `manifest`
  // holds the run facts; prep, model and metrics sections are added here.
  // `extra_files` (name -> staged path) are moved into the directory too.
  static void Save(const std::string& dir, const FittedPrep& prep, const Model& model, nlohmann::json manifest,
                   const nlohmann::json& metrics, const std::vector<std::pair<std::string, std::string>>& extra_files);
  static std::unique_ptr<Artifact> Load(const std::string& dir);

  const FittedPrep& prep() const { return *prep_; }
  const Model& model() const { return *model_; }
  const nlohmann::json& manifest() const { return manifest_; }

  // Maps a batch read from any input onto the source schema's layout by
  // column name; the target may be absent (it becomes nulls), every other
  // input column must be there. Build once per input schema.
  class Aligner {
   public:
    Aligner(const Schema& source_schema, const std::string& target, const Schema& input_schema);
    RecordBatch Align(RecordBatch&& batch) const;

   private:
    Schema source_schema_;
    std::vector<int> input_index_;  // per source column; -1: absent (the target)
  };

  // Scores every row of a batch already aligned to the source schema: derive,
  // encode, predict: model().num_outputs() scores per row (each class's
  // probability for a multi-class model). `scratch` is reused between calls.
  void Predict(RecordBatch& aligned, std::vector<float>& scratch, std::vector<float>* out) const;

 private:
  Artifact() = default;
  std::unique_ptr<FittedPrep> prep_;
  std::unique_ptr<Model> model_;
  nlohmann::json manifest_;
};

}  // namespace sluice
