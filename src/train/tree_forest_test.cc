#include "train/tree_forest.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <random>

#include <nlohmann/json.hpp>

#include "common/atomic_file.h"
#include "common/scratch_directory.h"
#include "train/learner.h"

namespace sluice {
namespace {

// Trains an XGBoost model on `rows` random rows (a tenth of the values
// missing) with `params`; returns it and a fresh set of rows to score.
std::unique_ptr<Model> TrainRandomModel(const std::map<std::string, std::string>& params, bool binary,
                                        std::vector<float>& check) {
  const size_t features = 6, rows = 2000;
  std::mt19937 random(7);
  std::uniform_real_distribution<float> value(-5, 5);
  auto fill = [&](std::vector<float>& out, size_t n) {
    out.resize(n * features);
    for (float& x : out) x = random() % 10 == 0 ? std::numeric_limits<float>::quiet_NaN() : value(random);
  };
  DenseMatrix train;
  train.num_features = features;
  DenseBlock block;
  fill(block.values, rows);
  for (size_t r = 0; r < rows; ++r) {
    float x0 = std::isnan(block.values[r * features]) ? 0 : block.values[r * features];
    float x1 = std::isnan(block.values[r * features + 1]) ? 1 : block.values[r * features + 1];
    float y = x0 * x1 + std::sin(x0);
    block.labels.push_back(binary ? (y > 0 ? 1.0f : 0.0f) : y);
  }
  train.blocks.push_back(std::move(block));
  DenseMatrix valid;
  valid.num_features = features;
  TrainConfig config;
  config.rounds = 40;
  config.params = params;
  auto model = MakeLearner("xgboost")->Train(std::move(train), std::move(valid), config, nullptr);
  fill(check, 1000);
  return model;
}

// The forest built from the saved model scores every row bit for bit as
// XGBoost's own predictor does (1,000 rows at once go through XGBoost), and
// the model, scoring a row at a time, answers the same.
void ExpectNativeEqualsXgboost(const Model& model, const std::vector<float>& random_rows) {
  ScratchDirectory dir("tree-forest");
  model.Save(dir.path());
  std::string why;
  auto forest = TreeForest::FromXgboostJson(ReadFileToString(dir.path() + "/model.json"), &why);
  ASSERT_NE(nullptr, forest) << why;
  const size_t features = model.num_features();
  // Rows exactly on, and a float either side of, the split thresholds: where
  // '<' and '<=' part ways.
  std::vector<float> rows = random_rows;
  auto splits = forest->SplitValues();
  for (size_t r = 0; r < 1500; ++r) {
    for (size_t f = 0; f < features; ++f) {
      float split = splits[f].empty() ? 0.0f : splits[f][(r * 7 + f * 13) % splits[f].size()];
      int side = static_cast<int>((r + f) % 3) - 1;
      rows.push_back(side == 0 ? split : std::nextafter(split, side * std::numeric_limits<float>::infinity()));
    }
  }
  const size_t n = rows.size() / features;
  std::vector<float> xgboost(n), native(n), one_by_one(n);
  model.Predict(rows.data(), n, xgboost.data());
  forest->Predict(rows.data(), n, native.data());
  for (size_t r = 0; r < n; ++r) model.Predict(rows.data() + r * features, 1, &one_by_one[r]);
  for (size_t r = 0; r < n; ++r) {
    ASSERT_EQ(0, std::memcmp(&xgboost[r], &native[r], sizeof(float))) << "row " << r << ": " << xgboost[r] << " vs "
                                                                       << native[r];
    ASSERT_EQ(0, std::memcmp(&xgboost[r], &one_by_one[r], sizeof(float))) << "row " << r;
  }
}

TEST(TreeForestTest, RegressionScoresBitForBitAsXgboost) {
  std::vector<float> rows;
  auto model = TrainRandomModel({{"max_depth", "5"}, {"eta", "0.3"}}, false, rows);
  ExpectNativeEqualsXgboost(*model, rows);
}

TEST(TreeForestTest, BinaryClassifierScoresBitForBitAsXgboost) {
  std::vector<float> rows;
  auto model = TrainRandomModel({{"objective", "binary:logistic"}, {"max_depth", "4"}}, true, rows);
  ExpectNativeEqualsXgboost(*model, rows);
}

TEST(TreeForestTest, ModelsItCannotScoreAreRefusedWithTheReason) {
  std::string why;
  EXPECT_EQ(nullptr, TreeForest::FromXgboostJson("not json", &why));
  EXPECT_EQ("the model is not JSON", why);
  const char* multiclass = R"({"learner": {"learner_model_param": {"num_class": "3", "num_feature": "2",
      "base_score": "0.5"}, "objective": {"name": "multi:softprob"}, "gradient_booster": {"name": "gbtree",
      "model": {"gbtree_model_param": {"size_leaf_vector": "0"}, "trees": []}}}})";
  EXPECT_EQ(nullptr, TreeForest::FromXgboostJson(multiclass, &why));
  EXPECT_EQ("multi-class models", why);
  const char* categorical = R"({"learner": {"learner_model_param": {"num_class": "0", "num_feature": "2",
      "base_score": "0.5"}, "objective": {"name": "reg:squarederror"}, "gradient_booster": {"name": "gbtree",
      "model": {"gbtree_model_param": {"size_leaf_vector": "0"}, "trees": [{"left_children": [1, -1, -1],
      "right_children": [2, -1, -1], "split_indices": [0, 0, 0], "split_conditions": [0.5, 1, 2],
      "default_left": [0, 0, 0], "split_type": [1, 0, 0]}]}}}})";
  EXPECT_EQ(nullptr, TreeForest::FromXgboostJson(categorical, &why));
  EXPECT_EQ("categorical splits", why);
  const char* cycle = R"({"learner": {"learner_model_param": {"num_class": "0", "num_feature": "2",
      "base_score": "0.5"}, "objective": {"name": "reg:squarederror"}, "gradient_booster": {"name": "gbtree",
      "model": {"gbtree_model_param": {"size_leaf_vector": "0"}, "trees": [{"left_children": [1, 0, -1],
      "right_children": [2, 0, -1], "split_indices": [0, 0, 0], "split_conditions": [0.5, 1, 2],
      "default_left": [0, 0, 0], "split_type": [0, 0, 0]}]}}}})";
  EXPECT_EQ(nullptr, TreeForest::FromXgboostJson(cycle, &why));
}

}  // namespace
}  // namespace sluice
