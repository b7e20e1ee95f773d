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
    // `end` points into the text, so the text must outlive the check.
    const std::string text = value.get<std::string>();
    char* end = nullptr;
    double number = std::strtod(text.c_str(), &end);
    if (end != text.c_str() && *end == '\0') return number;
  }
  return fallback;
}

}  // namespace

RunCostEstimate EstimateRunCost(const nlohmann::json& run, const PriceList& prices, const RunCostOptions& options) {
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

  RunCostEstimate out;
  out.run = run["id"].get<std::string>();
  out.name = run["name"].get<std::string>();
  out.prices_file = prices.file;
  out.prices_region = prices.region;
  out.prices_date = prices.date;
  out.billing_minimum_seconds = prices.billing_minimum_seconds;
  out.spot_prices = options.spot;
  out.cores_here = cores;
  out.seconds_here = whole.seconds;
  out.cpu_seconds_here = whole.cpu_seconds;
  out.serial_fraction = whole_f;
  out.checkpoint_every = every;
  out.interruptions_per_hour = options.interruptions_per_hour;
  out.restart_seconds = options.restart_seconds;
  out.deadline_seconds = deadline;
  out.deadline_given = options.deadline_seconds > 0;
  out.serving_sessions = options.serving_sessions;
  out.served_rows = options.served_rows;
  out.served_cpu_seconds = options.served_cpu_seconds;
  out.rows_per_cpu_second = rows_per_cpu_second;
  for (const InstancePrice* instance : instances) {
    const double price = options.spot ? instance->spot : instance->on_demand;
    InstanceCost entry;
    entry.type = instance->type;
    entry.vcpus = instance->vcpus;
    entry.on_demand = instance->on_demand;
    entry.spot = instance->spot;
    double train_seconds = 0;
    for (const auto& step : steps) {
      StepCost cost;
      cost.name = step.name;
      cost.attempt = step.attempt;
      cost.seconds_here = step.measured.seconds;
      cost.cpu_seconds_here = step.measured.cpu_seconds;
      cost.serial_fraction = SerialFraction(step.measured, cores);
      cost.seconds = SecondsOnInstance(step.measured, cores, *instance);
      cost.cost = CostOf(cost.seconds, price);
      entry.seconds += cost.seconds;
      entry.cost += cost.cost;
      if (step.name == "train") train_seconds += cost.seconds;
      entry.steps.push_back(std::move(cost));
    }
    entry.billed_cost = CostOf(std::max(entry.seconds, prices.billing_minimum_seconds), price);
    const double interval = every > 0 && rounds > 0 && train_here > 0 ? train_seconds / rounds * every : entry.seconds;
    SpotEstimate spot = EstimateSpot(entry.seconds, interval, options.interruptions_per_hour, options.restart_seconds,
                                     *instance, prices.billing_minimum_seconds);
    entry.spot_estimate = {interval, spot.expected_seconds, spot.on_demand_cost, spot.spot_cost, spot.saving};
    if (rows_per_cpu_second > 0) {
      entry.cost_per_1000_predictions = InstanceCost::PerThousandPredictions{
          CostPerThousandPredictions(rows_per_cpu_second, *instance, false),
          CostPerThousandPredictions(rows_per_cpu_second, *instance, true)};
    }
    if (auto fleet = CheapestFleetForDeadline(entry.seconds, whole_f, deadline, price, prices.billing_minimum_seconds)) {
      InstanceCost::Fleet chosen{fleet->instances, fleet->seconds, fleet->cost, std::nullopt};
      if (rows_read > 0) chosen.cost_per_million_rows = fleet->cost / rows_read * 1e6;
      entry.fleet = chosen;
    }
    out.instances.push_back(std::move(entry));
  }
  return out;
}

nlohmann::json RunCostEstimate::ToJson() const {
  nlohmann::json out = {{"run", run},
                        {"name", name},
                        {"prices", {{"file", prices_file}, {"region", prices_region}, {"date", prices_date},
                                    {"billing_minimum_seconds", billing_minimum_seconds}}},
                        {"spot_prices", spot_prices},
                        {"cores_here", cores_here},
                        {"seconds_here", seconds_here},
                        {"cpu_seconds_here", cpu_seconds_here},
                        {"serial_fraction", serial_fraction},
                        {"checkpoint_every", checkpoint_every},
                        {"interruptions_per_hour", interruptions_per_hour},
                        {"restart_seconds", restart_seconds},
                        {"deadline_seconds", deadline_seconds},
                        {"deadline_given", deadline_given},
                        {"serving", {{"sessions", serving_sessions}, {"rows", served_rows},
                                     {"cpu_seconds", served_cpu_seconds},
                                     {"rows_per_cpu_second", rows_per_cpu_second}}},
                        {"instances", nlohmann::json::array()}};
  for (const InstanceCost& instance : instances) {
    nlohmann::json entry = {{"type", instance.type}, {"vcpus", instance.vcpus}, {"on_demand", instance.on_demand},
                            {"spot", instance.spot}, {"steps", nlohmann::json::array()}};
    for (const StepCost& step : instance.steps) {
      entry["steps"].push_back({{"name", step.name}, {"attempt", step.attempt}, {"seconds_here", step.seconds_here},
                                {"cpu_seconds_here", step.cpu_seconds_here}, {"serial_fraction", step.serial_fraction},
                                {"seconds", step.seconds}, {"cost", step.cost}});
    }
    entry["seconds"] = instance.seconds;
    entry["cost"] = instance.cost;
    entry["billed_cost"] = instance.billed_cost;
    const auto& spot = instance.spot_estimate;
    entry["spot_estimate"] = {{"checkpoint_interval_seconds", spot.checkpoint_interval_seconds},
                              {"expected_seconds", spot.expected_seconds}, {"on_demand_cost", spot.on_demand_cost},
                              {"spot_cost", spot.spot_cost}, {"saving", spot.saving}};
    if (instance.cost_per_1000_predictions) {
      entry["cost_per_1000_predictions"] = {{"on_demand", instance.cost_per_1000_predictions->on_demand},
                                            {"spot", instance.cost_per_1000_predictions->spot}};
    }
    if (instance.fleet) {
      entry["fleet"] = {{"instances", instance.fleet->instances}, {"seconds", instance.fleet->seconds},
                        {"cost", instance.fleet->cost}};
      if (instance.fleet->cost_per_million_rows) entry["fleet"]["cost_per_million_rows"] = *instance.fleet->cost_per_million_rows;
    } else {
      entry["fleet"] = nullptr;
    }
    out["instances"].push_back(std::move(entry));
  }
  return out;
}

}  // namespace sluice
