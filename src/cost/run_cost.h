#pragma once
// What a recorded run would have cost on each of some instance types, as
// JSON: step by step (cost_model.h's SecondsOnInstance and CostOf), in all
// and billed, Spot's expected cost and saving at the run's checkpoint
// interval, cost per 1,000 predictions at a measured serving throughput,
// and the cheapest fleet for a deadline. `sluice cost` prints it and the
// run report charts it. The run is the history's JSON (RunStore::Details):
// this layer knows runs only as that.

#include <cstdint>
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

// Usage error when the run has no finished step or an instance is unknown.
nlohmann::json EstimateRunCost(const nlohmann::json& run, const PriceList& prices, const RunCostOptions& options);

}  // namespace sluice
