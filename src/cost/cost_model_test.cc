#include "cost/cost_model.h"

#include <gtest/gtest.h>

#include <cmath>

namespace sluice {
namespace {

InstancePrice Instance(int vcpus, double on_demand, double spot) {
  InstancePrice price;
  price.type = "test";
  price.vcpus = vcpus;
  price.on_demand = on_demand;
  price.spot = spot;
  return price;
}

// Every expectation below is worked out by hand in docs/cost.md's examples.
TEST(CostModel, AStepScalesToAnInstanceByItsMeasuredSerialFraction) {
  MeasuredStep step{10.0, 15.0};  // 1.5 cores busy of 2
  EXPECT_NEAR(SerialFraction(step, 2), 1.0 / 3.0, 1e-12);
  // 10 s * (1/3 + 2/3 * 2/8) = 5 s on 8 vCPUs.
  EXPECT_NEAR(SecondsOnInstance(step, 2, Instance(8, 0.384, 0.154)), 5.0, 1e-12);
  EXPECT_NEAR(CostOf(5.0, 0.384), 0.384 * 5.0 / 3600.0, 1e-15);
  EXPECT_EQ(SerialFraction(step, 1), 1.0);                    // one core: no sign it scales
  EXPECT_EQ(SerialFraction(MeasuredStep{10.0, 20.0}, 2), 0.0);  // both cores busy throughout
}

TEST(CostModel, InterruptionsCostHalfAnIntervalAndARestartEachToFirstOrder) {
  // W = 1 h, a checkpoint every 10 min, one interruption an hour, 2 min to restart:
  // 6 * (3600 + 120) * (e^(1/6) - 1) = 4047.96 s.
  EXPECT_NEAR(ExpectedSecondsUnderInterruptions(3600, 600, 1.0, 120), 4047.96, 0.01);
  EXPECT_EQ(ExpectedSecondsUnderInterruptions(3600, 600, 0.0, 120), 3600.0);
  // Without checkpoints the whole hour is the interval: much worse.
  EXPECT_GT(ExpectedSecondsUnderInterruptions(3600, 0, 1.0, 120), 6000.0);
  SpotEstimate spot = EstimateSpot(3600, 600, 1.0, 120, Instance(4, 0.192, 0.078), 60);
  EXPECT_NEAR(spot.on_demand_cost, 0.192, 1e-12);
  EXPECT_NEAR(spot.spot_cost, 0.078 * 4047.96 / 3600, 1e-6);
  EXPECT_NEAR(spot.saving, 0.54319, 1e-4);
}

TEST(CostModel, PredictionsArePricedAtTheMeasuredThroughputOnEveryVcpu) {
  // 10,000 rows per CPU second on 4 vCPUs = 40,000 rows/s; $0.192/h.
  EXPECT_NEAR(CostPerThousandPredictions(10000, Instance(4, 0.192, 0.078), false), 1000 * 0.192 / (3600.0 * 40000), 1e-15);
  EXPECT_NEAR(CostPerThousandPredictions(10000, Instance(4, 0.192, 0.078), true), 1000 * 0.078 / (3600.0 * 40000), 1e-15);
}

TEST(CostModel, TheCheapestFleetIsTheSmallestThatMeetsTheDeadline) {
  // 1 h on one instance, 10% serial, 1,000 s deadline: n >= 5.06, so 6
  // instances of 900 s each, 6 * 900 / 3600 * $1 = $1.50.
  auto fleet = CheapestFleetForDeadline(3600, 0.1, 1000, 1.0, 60);
  ASSERT_TRUE(fleet.has_value());
  EXPECT_EQ(fleet->instances, 6);
  EXPECT_NEAR(fleet->seconds, 900.0, 1e-9);
  EXPECT_NEAR(fleet->cost, 1.5, 1e-12);
  // No count beats the 360 s serial part.
  EXPECT_FALSE(CheapestFleetForDeadline(3600, 0.1, 300, 1.0, 60).has_value());
}

}  // namespace
}  // namespace sluice
