#include "pipeline/training_run.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "common/atomic_file.h"
#include "datagen/taxi_generator.h"
#include "serve/batch_transform.h"

namespace sluice {
namespace {

namespace fs = std::filesystem;

class TrainingRunTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = fs::temp_directory_path() / ("sluice-training-run-" + std::to_string(::getpid()));
    fs::create_directories(dir_);
    std::string data = kTaxiHeader;
    int64_t malformed = 0;
    AppendTaxiRows(0, 20000, 11, data, &malformed);
    WriteFileAtomically((dir_ / "taxi.csv").string(), data);
    malformed_ = malformed;
  }
  static void TearDownTestSuite() { fs::remove_all(dir_); }

  static nlohmann::json Run(const std::string& output, std::vector<std::string> extra = {}) {
    std::vector<std::string> overrides = {"source.uri=" + (dir_ / "taxi.csv").string(),
                                          "output=" + (dir_ / output).string(), "train.rounds=60", "threads=2"};
    overrides.insert(overrides.end(), extra.begin(), extra.end());
    PipelineSpec spec = LoadPipeline(std::string(SLUICE_SOURCE_DIR) + "/examples/taxi.yaml", overrides);
    RunOptions options;
    options.quiet = true;
    return RunTraining(spec, options).ToJson();
  }

  static inline fs::path dir_;
  static inline int64_t malformed_ = 0;
};

TEST_F(TrainingRunTest, EveryRowIsKeptFilteredOrRejectedAndTheModelIsGood) {
  nlohmann::json summary = Run("model");
  const auto& rows = summary["rows"];
  EXPECT_EQ(rows["read"].get<int64_t>(), 20000);
  EXPECT_EQ(rows["rejected"].get<int64_t>(), malformed_);
  EXPECT_EQ(rows["kept"].get<int64_t>() + rows["filtered"].get<int64_t>() + rows["rejected"].get<int64_t>(), 20000);
  EXPECT_GT(summary["metrics"]["r2"].get<double>(), 0.9);
  for (const char* file : {"sluice-model.json", "model.json", "metrics.json", "test_predictions.csv"}) {
    EXPECT_TRUE(fs::exists(dir_ / "model" / file)) << file;
  }
  nlohmann::json metrics = nlohmann::json::parse(ReadFileToString((dir_ / "model" / "metrics.json").string()));
  for (const char* key : {"mse", "rmse", "mae", "r2", "rows_test"}) EXPECT_TRUE(metrics.contains(key)) << key;
}

TEST_F(TrainingRunTest, ArtifactPredictionsOnRawRowsEqualTheTrainingProcessBitForBit) {
  Run("model-bits");
  // The raw lines of the test split, picked out of the input by line number.
  std::ifstream expected_in((dir_ / "model-bits" / "test_predictions.csv").string());
  std::string line;
  std::getline(expected_in, line);
  std::set<int64_t> test_lines;
  std::vector<std::string> expected;
  while (std::getline(expected_in, line)) {
    std::stringstream fields(line);
    std::string file, number, label, prediction;
    std::getline(fields, file, ',');
    std::getline(fields, number, ',');
    std::getline(fields, label, ',');
    std::getline(fields, prediction, ',');
    test_lines.insert(std::stoll(number));
    expected.push_back(prediction);
  }
  ASSERT_GT(expected.size(), 1000u);
  std::ifstream raw((dir_ / "taxi.csv").string());
  std::string raw_test;
  int64_t number = 0;
  while (std::getline(raw, line)) {
    ++number;
    if (number == 1 || test_lines.count(number)) raw_test += line + "\n";
  }
  WriteFileAtomically((dir_ / "test_raw.csv").string(), raw_test);

  TransformOptions options;
  options.model_dir = (dir_ / "model-bits").string();
  options.input = (dir_ / "test_raw.csv").string();
  options.output = (dir_ / "predictions.csv").string();
  options.threads = 2;
  TransformTotals totals = TransformFile(options);
  EXPECT_EQ(totals.rows_predicted, static_cast<int64_t>(expected.size()));
  std::ifstream got_in(options.output);
  std::getline(got_in, line);
  EXPECT_EQ(line, "prediction");
  size_t index = 0;
  while (std::getline(got_in, line)) {
    ASSERT_LT(index, expected.size());
    ASSERT_EQ(line, expected[index]) << "row " << index;
    ++index;
  }
  EXPECT_EQ(index, expected.size());
}

TEST_F(TrainingRunTest, SameSeedAndThreadsGiveTheSameModel) {
  Run("same-a");
  Run("same-b");
  EXPECT_EQ(ReadFileToString((dir_ / "same-a" / "model.json").string()),
            ReadFileToString((dir_ / "same-b" / "model.json").string()));
}

}  // namespace
}  // namespace sluice
