#pragma once
// θ: everything prep learned on the train split plus what it needs to redo
// the work on raw rows — the source schema, the derived columns and one
// FeatureTransform per model input. The artifact stores it as JSON; serving
// rebuilds it and calls the same Derive and Encode that training called.

#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "data/record_batch.h"
#include "nlohmann/json_fwd.hpp"
#include "prep/derive_step.h"
#include "prep/feature_transform.h"

namespace sluice {

class FittedPrep {
 public:
  // `labels`: a multi-class target's classes, in class-id order (else empty).
  FittedPrep(Schema source_schema, std::string target, DeriveStep derive, std::vector<FeatureTransform> features,
             std::vector<std::string> labels = {});

  static FittedPrep FromJson(const nlohmann::json& json);
  nlohmann::json ToJson() const;

  // The columns of the training data, the target among them.
  const Schema& source_schema() const { return source_schema_; }
  // What a caller sends at serving time: the source schema less the target.
  Schema InputSchema() const;
  const std::string& target() const { return target_; }
  const std::vector<std::string>& feature_names() const { return feature_names_; }
  size_t num_features() const { return feature_names_.size(); }
  const std::vector<FeatureTransform>& features() const { return features_; }
  // A multi-class target's classes (their text, as the data has them); the
  // class id of a label is its position. Empty for other targets.
  const std::vector<std::string>& labels() const { return labels_; }
  // The class id of each row's target into `out`; NaN for a null target or
  // a label training never saw.
  void LabelIds(const RecordBatch& batch, float* out) const;

  // Appends the derived columns to a batch laid out as source_schema().
  void Derive(RecordBatch& batch) const { derive_.Apply(batch); }
  // Encodes every row of a derived batch into `out`, row-major,
  // num_rows() x num_features() floats (NaN = missing).
  void Encode(const RecordBatch& derived, float* out) const;

 private:
  Schema source_schema_;
  std::string target_;
  DeriveStep derive_;
  std::vector<FeatureTransform> features_;
  std::vector<size_t> feature_columns_;  // index in the derived schema
  std::vector<size_t> feature_offsets_;
  std::vector<std::string> feature_names_;
  std::vector<std::string> labels_;
  std::unordered_map<std::string, int> label_ids_;
};

}  // namespace sluice
