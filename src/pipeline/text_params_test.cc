#include "pipeline/text_params.h"

#include <gtest/gtest.h>

#include "common/error.h"

namespace sluice {
namespace {

std::string UsageError(const std::string& learners, const std::map<std::string, std::string>& params) {
  try {
    ParseTextParams(learners, params);
  } catch (const Error& error) {
    return error.what();
  }
  return "";
}

TEST(TextParams, SharedKeysReachEveryLearnerAndPrefixedKeysWin) {
  TextParams p = ParseTextParams("ngram, bilstm", {{"epochs", "7"},
                                                   {"bilstm.epochs", "2"},
                                                   {"learning_rate", "0.3"},
                                                   {"bilstm.learning_rate", "0.001"},
                                                   {"max_tokens", "50"},
                                                   {"bilstm.pooling", "mean"},
                                                   {"ngram.buckets", "1000"}});
  EXPECT_EQ(p.learner_names(), (std::vector<std::string>{"ngram", "bilstm"}));
  const nlohmann::json ngram = p.learner("ngram").Params(), bilstm = p.learner("bilstm").Params();
  EXPECT_EQ(ngram["epochs"], 7);
  EXPECT_EQ(bilstm["epochs"], 2);
  EXPECT_DOUBLE_EQ(ngram["learning_rate"].get<double>(), 0.3);
  EXPECT_DOUBLE_EQ(bilstm["learning_rate"].get<double>(), 0.001);
  EXPECT_EQ(p.tokenizer.max_tokens, 50u);
  EXPECT_EQ(bilstm["pooling"], "mean");
  EXPECT_EQ(ngram["buckets"], 1000);
  // Settings of a learner not trained are checked but unused.
  TextParams one = ParseTextParams("bilstm", {{"ngram.buckets", "5"}});
  EXPECT_EQ(one.learner_names(), std::vector<std::string>{"bilstm"});
  EXPECT_NE(UsageError("bilstm", {{"ngram.bucket", "5"}}).find("not a setting of the ngram learner"), std::string::npos);
}

TEST(TextParams, BadKeysAndValuesAreUsageErrorsNamingTheKey) {
  EXPECT_NE(UsageError("svm", {}).find("'svm' cannot train on text"), std::string::npos);
  EXPECT_NE(UsageError("ngram,ngram", {}).find("listed twice"), std::string::npos);
  EXPECT_NE(UsageError("ngram", {{"hidden", "8"}}).find("train.params.hidden: not a setting"), std::string::npos);
  EXPECT_NE(UsageError("bilstm", {{"dropout", "1.5"}}).find("train.params.dropout"), std::string::npos);
  EXPECT_NE(UsageError("bilstm", {{"pooling", "sum"}}).find("expected max or mean"), std::string::npos);
  EXPECT_NE(UsageError("bilstm", {{"bilstm.max_tokens", "9"}}).find("shared by every learner"), std::string::npos);
  EXPECT_NE(UsageError("bilstm", {{"cnn.dim", "9"}}).find("'cnn' is not a text learner"), std::string::npos);
}

}  // namespace
}  // namespace sluice
