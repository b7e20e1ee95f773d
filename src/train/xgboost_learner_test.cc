#include <gtest/gtest.h>

#include <cmath>
#include <nlohmann/json.hpp>
#include <random>

#include "common/error.h"
#include "train/learner.h"

namespace sluice {
namespace {

// `rows` random rows of 4 features with a label that depends on two of them.
DenseMatrix RandomMatrix(size_t rows, uint32_t seed, bool binary = false) {
  std::mt19937 random(seed);
  std::uniform_real_distribution<float> value(-5, 5);
  DenseMatrix matrix;
  matrix.num_features = 4;
  DenseBlock block;
  for (size_t row = 0; row < rows; ++row) {
    for (size_t feature = 0; feature < 4; ++feature) block.values.push_back(value(random));
    float y = block.values[row * 4] * block.values[row * 4 + 1] + std::sin(block.values[row * 4 + 2]);
    block.labels.push_back(binary ? (y > 0 ? 1.0f : 0.0f) : y);
  }
  matrix.blocks.push_back(std::move(block));
  return matrix;
}

std::vector<float> Scores(const Model& model, const DenseMatrix& rows) {
  std::vector<float> out(rows.num_rows());
  model.Predict(rows.blocks[0].values.data(), rows.num_rows(), out.data());
  return out;
}

TrainConfig Config(std::map<std::string, std::string> params) {
  TrainConfig config;
  config.rounds = 15;
  config.params = std::move(params);
  return config;
}

// A tuning search trains every trial on one prepared DMatrix: each training
// on it gives, bit for bit, the model a training of its own would.
TEST(XgboostLearner, TrainingsSharingPreparedDataEqualTrainingsOfTheirOwn) {
  auto learner = MakeLearner("xgboost");
  const DenseMatrix check = RandomMatrix(300, 99);
  auto shared = learner->Prepare(RandomMatrix(3000, 1), RandomMatrix(500, 2), Config({}));
  for (const auto& params : std::vector<std::map<std::string, std::string>>{
           {{"max_depth", "3"}, {"subsample", "0.7"}}, {{"max_depth", "8"}, {"eta", "0.1"}}, {{"max_depth", "3"}, {"subsample", "0.7"}}}) {
    TrainConfig config = Config(params);
    ASSERT_EQ(learner->DataKey(Config({})), learner->DataKey(config));
    auto reused = learner->TrainOn(*shared, config, nullptr);
    auto own = learner->Train(RandomMatrix(3000, 1), RandomMatrix(500, 2), config, nullptr);
    EXPECT_EQ(Scores(*own, check), Scores(*reused, check));
    EXPECT_EQ(own->Describe()["best_valid_value"], reused->Describe()["best_valid_value"]);
  }
}

// train.params.max_bin reaches the quantile DMatrix (it was quantised with
// XGBoost's default of 256 whatever the parameter said) and is part of the
// key that decides whether two trainings may share one.
TEST(XgboostLearner, MaxBinShapesThePreparedData) {
  auto learner = MakeLearner("xgboost");
  const DenseMatrix check = RandomMatrix(300, 99);
  TrainConfig coarse = Config({{"max_bin", "4"}});
  EXPECT_NE(learner->DataKey(Config({})), learner->DataKey(coarse));
  auto fine_model = learner->Train(RandomMatrix(3000, 1), RandomMatrix(500, 2), Config({}), nullptr);
  auto coarse_model = learner->Train(RandomMatrix(3000, 1), RandomMatrix(500, 2), coarse, nullptr);
  EXPECT_GT(coarse_model->Describe()["best_valid_value"].get<double>(),
            fine_model->Describe()["best_valid_value"].get<double>());
}

// The objective may change between trainings on the same data: the labels
// are checked against each training's task, not once when it is built.
TEST(XgboostLearner, LabelsAreCheckedForEachTrainingsTask) {
  auto learner = MakeLearner("xgboost");
  auto data = learner->Prepare(RandomMatrix(500, 1), DenseMatrix(), Config({}));
  EXPECT_NO_THROW(learner->TrainOn(*data, Config({}), nullptr));
  try {
    learner->TrainOn(*data, Config({{"objective", "binary:logistic"}}), nullptr);
    FAIL() << "a regression target trained as binary";
  } catch (const Error& error) {
    EXPECT_EQ(ErrorKind::kInputData, error.kind());
    EXPECT_NE(std::string::npos, std::string(error.what()).find("needs labels 0 and 1"));
  }
  auto binary = learner->Prepare(RandomMatrix(500, 1, true), DenseMatrix(), Config({}));
  EXPECT_NO_THROW(learner->TrainOn(*binary, Config({{"objective", "binary:logistic"}}), nullptr));
}

}  // namespace
}  // namespace sluice
