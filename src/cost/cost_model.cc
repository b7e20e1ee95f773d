#include "cost/cost_model.h"

#include <algorithm>
#include <cmath>

namespace sluice {

double SerialFraction(const MeasuredStep& step, int cores) {
  if (cores <= 1 || step.seconds <= 0 || step.cpu_seconds <= 0) return 1.0;
  const double parallelism = std::clamp(step.cpu_seconds / step.seconds, 1.0, static_cast<double>(cores));
  const double f = (cores / parallelism - 1.0) / (cores - 1.0);
  return std::clamp(f, 0.0, 1.0);
}

double SecondsOnInstance(const MeasuredStep& step, int cores, const InstancePrice& instance) {
  const double f = SerialFraction(step, cores);
  const double scaled = f + (1.0 - f) * static_cast<double>(std::max(cores, 1)) / instance.vcpus;
  return step.seconds * scaled / instance.cpu_speed;
}

double CostOf(double seconds, double price_per_hour) { return price_per_hour * seconds / 3600.0; }

double ExpectedSecondsUnderInterruptions(double work_seconds, double interval_seconds, double rate_per_hour,
                                         double restart_seconds) {
  if (work_seconds <= 0) return 0;
  const double lambda = rate_per_hour / 3600.0;  // per second
  if (lambda <= 0) return work_seconds;
  const double tau = interval_seconds > 0 ? std::min(interval_seconds, work_seconds) : work_seconds;
  return work_seconds / tau * (1.0 / lambda + restart_seconds) * std::expm1(lambda * tau);
}

SpotEstimate EstimateSpot(double work_seconds, double interval_seconds, double rate_per_hour, double restart_seconds,
                          const InstancePrice& instance, double billing_minimum_seconds) {
  SpotEstimate estimate;
  estimate.on_demand_cost = CostOf(std::max(work_seconds, billing_minimum_seconds), instance.on_demand);
  estimate.expected_seconds = ExpectedSecondsUnderInterruptions(work_seconds, interval_seconds, rate_per_hour, restart_seconds);
  estimate.spot_cost = CostOf(std::max(estimate.expected_seconds, billing_minimum_seconds), instance.spot);
  estimate.saving = estimate.on_demand_cost > 0 ? 1.0 - estimate.spot_cost / estimate.on_demand_cost : 0;
  return estimate;
}

double CostPerThousandPredictions(double rows_per_cpu_second, const InstancePrice& instance, bool spot) {
  if (rows_per_cpu_second <= 0) return 0;
  const double rows_per_second = rows_per_cpu_second * instance.vcpus * instance.cpu_speed;
  return 1000.0 * (spot ? instance.spot : instance.on_demand) / (3600.0 * rows_per_second);
}

std::optional<FleetChoice> CheapestFleetForDeadline(double single_instance_seconds, double serial_fraction,
                                                     double deadline_seconds, double price_per_hour,
                                                     double billing_minimum_seconds, int max_instances) {
  std::optional<FleetChoice> best;
  for (int n = 1; n <= max_instances; ++n) {
    const double seconds = single_instance_seconds * (serial_fraction + (1.0 - serial_fraction) / n);
    if (seconds > deadline_seconds) continue;
    const double cost = n * CostOf(std::max(seconds, billing_minimum_seconds), price_per_hour);
    if (!best || cost < best->cost - 1e-12) best = FleetChoice{n, seconds, cost};
  }
  return best;
}

}  // namespace sluice
