#include "orchestrate/step_graph.h"

#include <gtest/gtest.h>

#include "common/error.h"

namespace sluice {
namespace {

nlohmann::json Steps(const char* json) { return nlohmann::json::parse(json); }

std::string ErrorOf(const char* json) {
  try {
    ParseStepGraph(Steps(json), 0, "p.yaml");
  } catch (const Error& error) {
    EXPECT_EQ(error.exit_code(), 2);
    return error.what();
  }
  return "";
}

TEST(StepGraph, OrdersStepsAfterWhatTheyNeedKeepingFileOrderAmongTheReady) {
  StepGraph graph = ParseStepGraph(Steps(R"([
      {"name": "deploy", "type": "deploy", "needs": ["evaluate"]},
      {"name": "train", "type": "train", "needs": ["prep"]},
      {"name": "prep", "type": "prep"},
      {"name": "evaluate", "type": "evaluate", "needs": ["train"], "require": {"rmse": "<= 4.5"}},
      {"name": "notify", "type": "command", "run": "true"}])"),
                                   3, "p.yaml");
  std::vector<std::string> order;
  for (const auto& step : graph.steps) order.push_back(step.name);
  EXPECT_EQ(order, (std::vector<std::string>{"prep", "train", "evaluate", "deploy", "notify"}));
  EXPECT_EQ(graph.parallel, 3);
  EXPECT_EQ(graph.ModelSourceOf(graph.IndexOf("deploy")), static_cast<int>(graph.IndexOf("train")));
  auto downstream = graph.DownstreamOf(graph.IndexOf("train"));
  EXPECT_EQ(downstream, (std::vector<bool>{false, true, true, true, false}));
  ASSERT_EQ(graph.steps[2].require.size(), 1u);
  EXPECT_TRUE(graph.steps[2].require[0].Passes(4.5));
  EXPECT_FALSE(graph.steps[2].require[0].Passes(4.6));
}

TEST(StepGraph, ReadsRetriesBackoffTimeoutAndCacheWrittenAsText) {
  StepGraph graph = ParseStepGraph(
      Steps(R"([{"name": "a", "type": "command", "run": "x", "retries": "3", "backoff": "250ms", "timeout": "2m", "cache": "false"}])"),
      0, "p.yaml");
  const StepSpec& step = graph.steps[0];
  EXPECT_EQ(step.retries, 3);
  EXPECT_DOUBLE_EQ(step.backoff_seconds, 0.25);
  EXPECT_DOUBLE_EQ(step.timeout_seconds, 120);
  EXPECT_FALSE(step.cache);
  EXPECT_EQ(graph.parallel, 2);
}

TEST(StepGraph, RefusesACycleNamingTheStepsOnIt) {
  EXPECT_EQ(ErrorOf(R"([{"name": "x", "type": "command", "run": "t"},
                        {"name": "a", "type": "command", "run": "t", "needs": ["x", "b"]},
                        {"name": "b", "type": "command", "run": "t", "needs": ["a"]}])"),
            "p.yaml: step 'a' is in a cycle: a -> b -> a");
}

TEST(StepGraph, RefusesMissingDependencyDuplicateNameUnknownTypeAndUnknownKey) {
  EXPECT_EQ(ErrorOf(R"([{"name": "a", "type": "command", "run": "t", "needs": ["b"]}])"),
            "p.yaml: step 'a' needs 'b', which is not a step");
  EXPECT_EQ(ErrorOf(R"([{"name": "a", "type": "command", "run": "t"}, {"name": "a", "type": "prep"}])"),
            "p.yaml: step 'a' is defined twice (steps[0] and steps[1])");
  EXPECT_NE(ErrorOf(R"([{"name": "a", "type": "trian"}])").find("steps[0] (a): unknown step type 'trian'"), std::string::npos);
  EXPECT_NE(ErrorOf(R"([{"name": "a", "type": "prep", "retry": 2}])").find("steps[0] (a): unknown key 'retry'"), std::string::npos);
  EXPECT_NE(ErrorOf(R"([{"name": "a", "type": "command"}])").find("needs `run`"), std::string::npos);
  EXPECT_NE(ErrorOf(R"([{"name": "a", "type": "command", "run": "t", "timeout": "soon"}])").find("timeout: expected a duration"),
            std::string::npos);
  EXPECT_NE(ErrorOf(R"([{"name": "t", "type": "train"}, {"name": "e", "type": "evaluate", "needs": ["t"], "require": {"rmse": "about 4"}}])")
                .find("require.rmse: expected a comparison"),
            std::string::npos);
  EXPECT_NE(ErrorOf(R"([{"name": "t1", "type": "train"}, {"name": "t2", "type": "train"},
                        {"name": "d", "type": "deploy", "needs": ["t1", "t2"]}])")
                .find("more than one model"),
            std::string::npos);
}

}  // namespace
}  // namespace sluice
