#include "cost/run_cost.h"

#include <algorithm>
#include <cstdlib>
#include <thread>

#include "common/error.h"
#include "cost/cost_model.h"

namespace sluice {

namespace {

// A parameter's number: --set overrides keep their text ("10").
double ParamNumber(const nlohmann::json& params, const std::string& key, double fallback) {
  if (!params.contains(key)) return fallback;
  const nlohmann::json& value = params[key];
  if (value.is_number()) return value.get<double>();
  if (value.is_string()) {
    char* end = nullptr;
    double number = std::strtod(value.get<std::string>().c_str(), &end);
    if (end && *end == '\0') return number;
  }
  return fallback;
}

}  // namespace

nlohmann::json EstimateRunCost(const nlohmann::json& run, const PriceList& prices, const RunCostOptions& options) {
  std::vector<const InstancePrice*> instances;
  std::vector<std::string> types = options.instances;
  if (types.empty()) types = {"m5.xlarge", "m5.2xlarge", "ml.p3.2xlarge", "ml.m5.large"};  // the case study's
  for (const auto& type : types) instances.push_back(&prices.Find(type));

  // The cores the run had: its threads, else this machine's.
  const int threads = run["invocation"].value("threads", -1);
  int cores = threads > 0 ? threads : static_cast<int>(ParamNumber(run["params"], "threads", 0));
  if (cores <= 0) cores = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  struct Step {
    std::string name;
    int attempt;
    MeasuredStep measured;
  };
  std::vector<Step> steps;
  MeasuredStep whole;
  for (const auto& step : run["steps"]) {
    // Killed mid-step: its time is unknown. Taken from the cache: it cost nothing now.
    if (!step.contains("seconds") || step.value("status", "") == "cached" || step["seconds"].get<double>() <= 0) continue;
    steps.push_back({step["name"], step["attempt"], {step["seconds"].get<double>(), step["cpu_seconds"].get<double>()}});
    whole.seconds += steps.back().measured.seconds;
    whole.cpu_seconds += steps.back().measured.cpu_seconds;
  }
  if (steps.empty()) ThrowUsage("run " + run["id"].get<std::string>() + " has no finished step to price (were they all cached?)");

  // Checkpoint interval in seconds of training work (train.checkpoint_every
  // rounds of the measured seconds per round); without checkpoints a Spot
  // interruption restarts the run.
  const nlohmann::json& params = run["params"];
  const int every = static_cast<int>(ParamNumber(params, "train.checkpoint_every", 0));
  const double rounds = run["metrics"].contains("trees") ? run["metrics"]["trees"].get<double>() : 0;
  double train_here = 0;
  for (const auto& step : steps) {
    if (step.name == "train") train_here += step.measured.seconds;
  }
  const double rows_read = run["metrics"].contains("rows_read") ? run["metrics"]["rows_read"].get<double>() : 0;
  const double rows_per_cpu_second =
      options.served_cpu_seconds > 0 ? static_cast<double>(options.served_rows) / options.served_cpu_seconds : 0;
  const double deadline = options.deadline_seconds > 0 ? options.deadline_seconds : whole.seconds;
  const double whole_f = SerialFraction(whole, cores);

  nlohmann::json out = {{"run", run["id"]},
                        {"name", run["name"]},
                        {"prices", {{"file", prices.file}, {"region", prices.region}, {"date", prices.date},
                                    {"billing_minimum_seconds", prices.billing_minimum_seconds}}},
                        {"spot_prices", options.spot},
                        {"cores_here", cores},
                        {"seconds_here", whole.seconds},
                        {"cpu_seconds_here", whole.cpu_seconds},
                        {"serial_fraction", whole_f},
                        {"checkpoint_every", every},
                        {"interruptions_per_hour", options.interruptions_per_hour},
                        {"restart_seconds", options.restart_seconds},
                        {"deadline_seconds", deadline},
                        {"deadline_given", options.deadline_seconds > 0},
                        {"serving", {{"sessions", options.serving_sessions}, {"rows", options.served_rows},
                                     {"cpu_seconds", options.served_cpu_seconds},
                                     {"rows_per_cpu_second", rows_per_cpu_second}}},
                        {"instances", nlohmann::json::array()}};
  for (const InstancePrice* instance : instances) {
    const double price = options.spot ? instance->spot : instance->on_demand;
    nlohmann::json entry = {{"type", instance->type}, {"vcpus", instance->vcpus}, {"on_demand", instance->on_demand},
                            {"spot", instance->spot}, {"steps", nlohmann::json::array()}};
    double seconds = 0, cost = 0, train_seconds = 0;
    for (const auto& step : steps) {
      double t = SecondsOnInstance(step.measured, cores, *instance);
      double c = CostOf(t, price);
      seconds += t;
      cost += c;
      if (step.name == "train") train_seconds += t;
      entry["steps"].push_back({{"name", step.name}, {"attempt", step.attempt}, {"seconds_here", step.measured.seconds},
                                {"cpu_seconds_here", step.measured.cpu_seconds},
                                {"serial_fraction", SerialFraction(step.measured, cores)}, {"seconds", t}, {"cost", c}});
    }
    entry["seconds"] = seconds;
    entry["cost"] = cost;
    entry["billed_cost"] = CostOf(std::max(seconds, prices.billing_minimum_seconds), price);
    const double interval = every > 0 && rounds > 0 && train_here > 0 ? train_seconds / rounds * every : seconds;
    SpotEstimate spot = EstimateSpot(seconds, interval, options.interruptions_per_hour, options.restart_seconds, *instance,
                                     prices.billing_minimum_seconds);
    entry["spot_estimate"] = {{"checkpoint_interval_seconds", interval}, {"expected_seconds", spot.expected_seconds},
                              {"on_demand_cost", spot.on_demand_cost}, {"spot_cost", spot.spot_cost}, {"saving", spot.saving}};
    if (rows_per_cpu_second > 0) {
      entry["cost_per_1000_predictions"] = {{"on_demand", CostPerThousandPredictions(rows_per_cpu_second, *instance, false)},
                                            {"spot", CostPerThousandPredictions(rows_per_cpu_second, *instance, true)}};
    }
    auto fleet = CheapestFleetForDeadline(seconds, whole_f, deadline, price, prices.billing_minimum_seconds);
    if (fleet) {
      entry["fleet"] = {{"instances", fleet->instances}, {"seconds", fleet->seconds}, {"cost", fleet->cost}};
      if (rows_read > 0) entry["fleet"]["cost_per_million_rows"] = fleet->cost / rows_read * 1e6;
    } else {
      entry["fleet"] = nullptr;
    }
    out["instances"].push_back(std::move(entry));
  }
  return out;
}

}  // namespace sluice
