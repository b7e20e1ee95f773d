#include "pipeline/pipeline_spec.h"

#include <gtest/gtest.h>

#include "common/atomic_file.h"
#include "common/error.h"
#include "pipeline/pipeline_keys.h"

namespace sluice {
namespace {

const char kMinimal[] = R"(
source:
  uri: data.csv
train:
  target: fare
output: out
)";

std::string UsageError(const std::string& yaml, const std::vector<std::string>& overrides = {}) {
  try {
    ParsePipeline(yaml, "p.yaml", overrides);
  } catch (const Error& error) {
    EXPECT_EQ(error.exit_code(), 2);
    return error.what();
  }
  ADD_FAILURE() << "no error";
  return "";
}

TEST(PipelineSpec, SetOverridesTheDocumentedKeys) {
  PipelineSpec spec = ParsePipeline(kMinimal, "p.yaml",
                                    {"source.uri=other.csv", "output=models/x", "train.target=tip",
                                     "train.learner=xgboost", "train.rounds=7", "train.params.max_depth=3",
                                     "prep.derive.h=hour(t)"});
  EXPECT_EQ(spec.source.uri, "other.csv");
  EXPECT_EQ(spec.output, "models/x");
  EXPECT_EQ(spec.prep.target, "tip");
  EXPECT_EQ(spec.train.rounds, 7);
  EXPECT_EQ(spec.train.params.at("max_depth"), "3");
  ASSERT_EQ(spec.prep.derive.size(), 1u);
  EXPECT_EQ(spec.prep.derive[0].second, "hour(t)");
}

TEST(PipelineSpec, UnknownKeyIsRefusedWithASuggestion) {
  std::string message = UsageError(std::string(kMinimal) + "prep:\n  fliter: x > 0\n");
  EXPECT_NE(message.find("unknown key 'prep.fliter'"), std::string::npos) << message;
  EXPECT_NE(message.find("did you mean 'prep.filter'"), std::string::npos) << message;
  EXPECT_NE(UsageError(kMinimal, {"train.round=3"}).find("train.rounds"), std::string::npos);
}

TEST(PipelineSpec, BadValuesNameTheKey) {
  EXPECT_NE(UsageError(kMinimal, {"train.rounds=abc"}).find("train.rounds: expected an integer"), std::string::npos);
  EXPECT_NE(UsageError(kMinimal, {"split.train=0.9"}).find("split"), std::string::npos);
  EXPECT_NE(UsageError(std::string(kMinimal) + "prep:\n  impute:\n    x: sometimes\n").find("prep.impute.x"),
            std::string::npos);
  EXPECT_NE(UsageError("source: [unclosed\n").find("p.yaml:"), std::string::npos);
  EXPECT_NE(UsageError("output: x\n").find("source.uri"), std::string::npos);
}

// Found by tests/fuzz/pipeline_yaml_fuzzer: each once escaped as yaml-cpp's
// or nlohmann's own exception instead of a usage error naming the file.
TEST(PipelineSpec, MisshapenFilesAreUsageErrorsNotForeignExceptions) {
  EXPECT_NE(UsageError("source: data.csv\ntrain:\n  target: fare\noutput: out\n").find("source: expected a map of keys, got a value"),
            std::string::npos);
  EXPECT_NE(UsageError("source: [a, b]\noutput: out\n").find("source: expected a map of keys, got a list"), std::string::npos);
  EXPECT_NE(UsageError(std::string(kMinimal) + "name: \"\xff\"\n").find("not UTF-8 text"), std::string::npos);
  EXPECT_NE(UsageError(std::string(kMinimal) + "name: a\x06\n").find("p.yaml:7: a control character (0x06)"), std::string::npos);
  EXPECT_NE(UsageError(kMinimal, {"name=\xc3"}).find("--set: not UTF-8"), std::string::npos);
}

TEST(PipelineKeys, DocsPipelineMdHoldsTheGeneratedReference) {
  std::string docs = ReadFileToString(std::string(SLUICE_SOURCE_DIR) + "/docs/pipeline.md");
  EXPECT_NE(docs.find(PipelineKeysMarkdown()), std::string::npos)
      << "docs/pipeline.md is out of date: paste the output of `sluice run --help-keys`";
}

TEST(PipelineKeys, ExampleFilesUseOnlyKnownKeys) {
  PipelineSpec spec = LoadPipeline(std::string(SLUICE_SOURCE_DIR) + "/examples/taxi.yaml", {});
  EXPECT_EQ(spec.prep.target, "fare_amount");
}

}  // namespace
}  // namespace sluice
