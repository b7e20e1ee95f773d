#pragma once
// The cost model (docs/cost.md has the formulas with their reasoning):
// what a run measured on this machine would cost on a cloud instance, step
// by step; what 1,000 predictions cost at the throughput a server measured;
// what Spot is expected to save given an interruption rate and the
// checkpoint interval; and how many instances finish a job by a deadline
// for the least money. Pure functions of measured numbers and prices.

#include <optional>
#include <vector>

#include "cost/price_list.h"

namespace sluice {

// What a step measured here.
struct MeasuredStep {
  double seconds = 0;      // wall
  double cpu_seconds = 0;  // user + system, all threads
};

// The serial fraction f of a step from its measured parallelism p = cpu / wall
// on `cores` cores, by Amdahl's law p = 1 / (f + (1 - f) / cores), clamped
// to [0, 1]; 1 on one core (nothing says it would scale).
double SerialFraction(const MeasuredStep& step, int cores);

// The step's wall time on `instance`: seconds * (f + (1 - f) * cores / vcpus) / cpu_speed.
double SecondsOnInstance(const MeasuredStep& step, int cores, const InstancePrice& instance);

// price per hour * seconds / 3600.
double CostOf(double seconds, double price_per_hour);

// Expected wall time of `work_seconds` of work under Poisson interruptions
// at `rate_per_hour`, a checkpoint every `interval_seconds` of work (work
// since the last one is lost) and `restart_seconds` to come back after each:
// (W / τ) (1/λ + R) (e^{λτ} − 1). With λ = 0 it is W.
double ExpectedSecondsUnderInterruptions(double work_seconds, double interval_seconds, double rate_per_hour,
                                         double restart_seconds);

struct SpotEstimate {
  double on_demand_cost = 0;
  double expected_seconds = 0;  // with interruptions
  double spot_cost = 0;
  double saving = 0;  // 1 - spot / on-demand
};
SpotEstimate EstimateSpot(double work_seconds, double interval_seconds, double rate_per_hour, double restart_seconds,
                          const InstancePrice& instance, double billing_minimum_seconds);

// Cost of 1,000 predictions on `instance` at a measured `rows_per_cpu_second`
// (one core busy scoring), the instance's vCPUs all busy: 1000 * price /
// (3600 * rows_per_cpu_second * vcpus * cpu_speed).
double CostPerThousandPredictions(double rows_per_cpu_second, const InstancePrice& instance, bool spot);

struct FleetChoice {
  int instances = 0;
  double seconds = 0;  // wall, each instance
  double cost = 0;     // all instances, billing minimum applied
};
// The instance count (1..max_instances) that finishes `step` by
// `deadline_seconds` for the least money, work split evenly with serial
// fraction f: seconds(n) = t1 * (f + (1 - f) / n); std::nullopt when no
// count meets the deadline.
std::optional<FleetChoice> CheapestFleetForDeadline(double single_instance_seconds, double serial_fraction,
                                                     double deadline_seconds, double price_per_hour,
                                                     double billing_minimum_seconds, int max_instances = 256);

}  // namespace sluice
