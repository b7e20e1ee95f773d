#include "cost/run_cost.h"

#include <gtest/gtest.h>

#include "common/error.h"

namespace sluice {
namespace {

// A recorded run as the history gives it: two finished steps and a cached one.
nlohmann::json RecordedRun() {
  return {{"id", "20261201-000000-abcd"},
          {"name", "taxi"},
          {"invocation", {{"threads", 2}}},
          {"params", {{"train.checkpoint_every", "10"}}},
          {"metrics", {{"trees", 100}, {"rows_read", 1000000}}},
          {"steps",
           {{{"name", "prep"}, {"attempt", 1}, {"status", "succeeded"}, {"seconds", 10.0}, {"cpu_seconds", 18.0}},
            {{"name", "train"}, {"attempt", 1}, {"status", "succeeded"}, {"seconds", 30.0}, {"cpu_seconds", 58.0}},
            {{"name", "evaluate"}, {"attempt", 1}, {"status", "cached"}, {"seconds", 0.0}, {"cpu_seconds", 0.0}}}}};
}

PriceList Prices() {
  PriceList prices;
  prices.file = "test.yaml";
  prices.region = "test-region";
  prices.date = "2026-12-01";
  prices.billing_minimum_seconds = 60;
  InstancePrice small;
  small.type = "small";
  small.vcpus = 2;
  small.on_demand = 0.36;
  small.spot = 0.12;
  InstancePrice big = small;
  big.type = "big";
  big.vcpus = 8;
  big.on_demand = 1.44;
  big.spot = 0.48;
  prices.instances = {{"small", small}, {"big", big}};
  return prices;
}

// The estimate is typed; its JSON (sluice cost --json) says the same.
TEST(RunCost, TheTypedEstimateAndItsJsonAgree) {
  RunCostOptions options;
  options.instances = {"small", "big"};
  const RunCostEstimate estimate = EstimateRunCost(RecordedRun(), Prices(), options);
  ASSERT_EQ(2u, estimate.instances.size());
  EXPECT_EQ(2, estimate.cores_here);
  EXPECT_DOUBLE_EQ(40.0, estimate.seconds_here);
  EXPECT_EQ(10, estimate.checkpoint_every);
  const InstanceCost& small = estimate.instances[0];
  ASSERT_EQ(2u, small.steps.size()) << "the cached step cost nothing now";
  EXPECT_EQ("train", small.steps[1].name);
  double sum = 0;
  for (const auto& step : small.steps) sum += step.cost;
  EXPECT_DOUBLE_EQ(sum, small.cost);
  EXPECT_GE(small.billed_cost, small.cost);
  EXPECT_FALSE(small.cost_per_1000_predictions) << "nothing was served";

  const nlohmann::json json = estimate.ToJson();
  EXPECT_EQ("20261201-000000-abcd", json["run"]);
  EXPECT_EQ("test-region", json["prices"]["region"]);
  EXPECT_DOUBLE_EQ(small.cost, json["instances"][0]["cost"].get<double>());
  EXPECT_DOUBLE_EQ(small.steps[1].seconds, json["instances"][0]["steps"][1]["seconds"].get<double>());
  EXPECT_FALSE(json["instances"][0].contains("cost_per_1000_predictions"));
  EXPECT_EQ(estimate.instances[1].fleet.has_value(), !json["instances"][1]["fleet"].is_null());
}

TEST(RunCost, ARunWithOnlyCachedStepsCannotBePriced) {
  nlohmann::json run = RecordedRun();
  run["steps"] = nlohmann::json::array({RecordedRun()["steps"][2]});
  EXPECT_THROW(EstimateRunCost(run, Prices(), RunCostOptions{.instances = {"small"}}), Error);
}

}  // namespace
}  // namespace sluice
