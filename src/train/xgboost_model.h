#pragma once
// A trained or loaded XGBoost booster as a sluice Model. Small batches (a
// server's requests) are scored by the native TreeForest when it scores
// exactly as XGBoost does, large ones by XGBoost's blocked predictor. The
// booster is never changed after construction, so Predict is const and safe
// from many threads.

#include <xgboost/c_api.h>

#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>

#include "train/learner.h"
#include "train/tree_forest.h"

namespace sluice {

class XgboostModel : public Model {
 public:
  // Takes `booster` over. `facts` is what Describe() returns and Save() records.
  XgboostModel(BoosterHandle booster, Task task, size_t num_features, nlohmann::json facts, size_t outputs);
  ~XgboostModel() override;
  XgboostModel(const XgboostModel&) = delete;
  XgboostModel& operator=(const XgboostModel&) = delete;

  // Loads the model a manifest entry (`saved`, as Save returned it) names in `dir`.
  static std::unique_ptr<Model> Load(const std::string& dir, const nlohmann::json& saved);

  std::string learner() const override { return "xgboost"; }
  Task task() const override { return task_; }
  size_t num_features() const override { return num_features_; }
  size_t num_outputs() const override { return outputs_; }
  void Predict(const float* features, size_t rows, float* out) const override;
  nlohmann::json Save(const std::string& dir) const override;
  nlohmann::json Describe() const override { return facts_; }
  std::vector<double> FeatureImportance() const override;

 private:
  static constexpr size_t kForestMaxRows = 64;

  void PredictWithXgboost(const float* features, size_t rows, float* out) const;
  std::unique_ptr<TreeForest> BuildCheckedForest() const;

  BoosterHandle booster_;
  Task task_;
  size_t num_features_;
  size_t outputs_;
  nlohmann::json facts_;
  mutable std::once_flag forest_once_;
  mutable std::unique_ptr<TreeForest> forest_;
};

}  // namespace sluice
