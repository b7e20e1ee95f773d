#pragma once
// What a recorded run would have cost on each of some instance types: step
// by step (cost_model.h's SecondsOnInstance and CostOf), in all
// and billed, Spot's expected cost and saving at the run's checkpoint
// interval, cost per 1,000 predictions at a measured serving throughput,
// and the cheapest fleet for a deadline. `sluice cost` prints it and the
// run report charts it. The run is the history's JSON (RunStore::Details):
// this layer knows runs only as that.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "cost/price_list.h"
#include "nlohmann/json.hpp"

namespace sluice {

struct RunCostOptions {
  std::vector<std::string> instances;  // empty: the case study's four
  bool spot = false;                   // steps and fleet at Spot prices
  double interruptions_per_hour = 0.05;
  double restart_seconds = 180;
  double deadline_seconds = 0;  // 0: the time the run took here
  // What `sluice serve` measured for the run's model.
  size_t serving_sessions = 0;
  int64_t served_rows = 0;
  double served_cpu_seconds = 0;
};

// One step of the run, priced on one instance type.
struct StepCost {
  std::string name;
  int attempt = 1;
  double seconds_here = 0, cpu_seconds_here = 0;  // as measured
  double serial_fraction = 0;
  double seconds = 0, cost = 0;  // on the instance
};

// The run on one instance type.
struct InstanceCost {
  std::string type;
  int vcpus = 0;
  double on_demand = 0, spot = 0;  // $ an hour
  std::vector<StepCost> steps;
  double seconds = 0, cost = 0, billed_cost = 0;
  struct Spot {
    double checkpoint_interval_seconds = 0, expected_seconds = 0;
    double on_demand_cost = 0, spot_cost = 0, saving = 0;
  } spot_estimate;
  // At the measured serving throughput; absent when nothing was served.
  struct PerThousandPredictions {
    double on_demand = 0, spot = 0;
  };
  std::optional<PerThousandPredictions> cost_per_1000_predictions;
  // The cheapest fleet that finishes within the deadline; absent when none can.
  struct Fleet {
    int instances = 0;
    double seconds = 0, cost = 0;
    std::optional<double> cost_per_million_rows;  // when the run read rows
  };
  std::optional<Fleet> fleet;
};

struct RunCostEstimate {
  std::string run, name;
  std::string prices_file, prices_region, prices_date;
  double billing_minimum_seconds = 0;
  bool spot_prices = false;
  int cores_here = 0;
  double seconds_here = 0, cpu_seconds_here = 0, serial_fraction = 0;
  int checkpoint_every = 0;
  double interruptions_per_hour = 0, restart_seconds = 0;
  double deadline_seconds = 0;
  bool deadline_given = false;
  size_t serving_sessions = 0;
  int64_t served_rows = 0;
  double served_cpu_seconds = 0, rows_per_cpu_second = 0;
  std::vector<InstanceCost> instances;  // in the order asked; at least one

  // What `sluice cost --json` prints (docs/cost.md).
  nlohmann::json ToJson() const;
};

// Usage error when the run has no finished step or an instance is unknown.
RunCostEstimate EstimateRunCost(const nlohmann::json& run, const PriceList& prices, const RunCostOptions& options);

}  // namespace sluice
