// `sluice cost RUN_ID`: what a recorded run would have cost on cloud
// instances (docs/cost.md): step by step at On-Demand prices, in all with
// Spot's expected saving under interruptions, per 1,000 predictions at the
// throughput `sluice serve` measured for its model, and the instance count
// that finishes it by a deadline for the least money.

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "cli/commands.h"
#include "common/error.h"
#include "common/format.h"
#include "common/text_table.h"
#include "cost/cost_model.h"
#include "cost/price_list.h"
#include "history/run_store.h"
#include "history/serving_store.h"
#include "history/state_database.h"

namespace sluice {

namespace {

struct CostArgs {
  std::string run;
  std::vector<std::string> instances;
  bool spot = false;
  std::string prices;
  double interruptions_per_hour = 0.05;
  double restart_seconds = 180;
  double deadline_seconds = 0;
  bool json = false;
};

std::string Money(double value) {
  char buffer[32];
  const char* format = value >= 1 ? "$%.2f" : value >= 0.001 ? "$%.4f" : value >= 1e-5 ? "$%.7f" : value > 0 ? "$%.2e" : "$0";
  std::snprintf(buffer, sizeof buffer, format, value);
  return buffer;
}

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

std::string Percent(double fraction) {
  char buffer[16];
  std::snprintf(buffer, sizeof buffer, "%.0f%%", 100 * fraction);
  return buffer;
}

int Cost(const CostArgs& args) {
  const std::string dir = std::filesystem::absolute(StateDirectory()).string();
  if (!std::filesystem::exists(dir + "/runs.db")) ThrowUsage("no run history in " + dir + " (sluice run records runs there)");
  auto db = OpenStateDatabase(dir);
  RunStore store(*db);
  nlohmann::json run = store.Details(store.Resolve(args.run));
  const PriceList prices = LoadPriceList(args.prices.empty() ? DefaultPriceListPath() : args.prices);
  std::vector<const InstancePrice*> instances;
  std::vector<std::string> types = args.instances;
  if (types.empty()) types = {"m5.xlarge", "m5.2xlarge", "ml.p3.2xlarge", "ml.m5.large"};  // the case study's
  for (const auto& type : types) instances.push_back(&prices.Find(type));

  // The cores the run had: its threads, else this machine's.
  const int threads = run["invocation"]["threads"].get<int>();
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
    if (!step.contains("seconds")) continue;  // killed mid-step: its time is unknown
    steps.push_back({step["name"], step["attempt"], {step["seconds"].get<double>(), step["cpu_seconds"].get<double>()}});
    whole.seconds += steps.back().measured.seconds;
    whole.cpu_seconds += steps.back().measured.cpu_seconds;
  }
  if (steps.empty()) ThrowUsage("run " + run["id"].get<std::string>() + " has no finished step to price");

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
  ServingStore serving(*db);
  std::vector<ServingSession> sessions = serving.ForRun(run["id"]);
  int64_t served_rows = 0;
  double served_cpu = 0;
  for (const auto& session : sessions) {
    served_rows += session.rows;
    served_cpu += session.cpu_seconds;
  }
  const double rows_per_cpu_second = served_cpu > 0 ? static_cast<double>(served_rows) / served_cpu : 0;
  const double deadline = args.deadline_seconds > 0 ? args.deadline_seconds : whole.seconds;
  const double whole_f = SerialFraction(whole, cores);

  nlohmann::json out = {{"run", run["id"]},
                        {"name", run["name"]},
                        {"prices", {{"file", prices.file}, {"region", prices.region}, {"date", prices.date}}},
                        {"cores_here", cores},
                        {"seconds_here", whole.seconds},
                        {"serial_fraction", whole_f},
                        {"interruptions_per_hour", args.interruptions_per_hour},
                        {"restart_seconds", args.restart_seconds},
                        {"deadline_seconds", deadline},
                        {"serving", {{"sessions", sessions.size()}, {"rows", served_rows}, {"cpu_seconds", served_cpu},
                                     {"rows_per_cpu_second", rows_per_cpu_second}}},
                        {"instances", nlohmann::json::array()}};
  for (const InstancePrice* instance : instances) {
    const double price = args.spot ? instance->spot : instance->on_demand;
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
    SpotEstimate spot = EstimateSpot(seconds, interval, args.interruptions_per_hour, args.restart_seconds, *instance,
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
  if (args.json) {
    std::printf("%s\n", out.dump(2).c_str());
    return 0;
  }

  std::string text = "cost of run " + run["id"].get<std::string>() + " (" + run["name"].get<std::string>() + ") at " +
                     (args.spot ? "Spot" : "On-Demand") + " prices, " + prices.region + ", " + prices.date + " (" +
                     prices.file + ")\n";
  text += "measured here on " + std::to_string(cores) + " cores: " + FormatSeconds(whole.seconds) + ", " +
          Percent(whole.cpu_seconds / whole.seconds / cores) + " of the cores busy (serial fraction " +
          Percent(whole_f) + ")\n\nsteps\n";
  TextTable table;
  table.Column("STEP").Column("HERE", true).Column("CPU", true);
  for (const auto* instance : instances) table.Column(instance->type, true).Column("", true);
  for (size_t s = 0; s < steps.size(); ++s) {
    std::vector<std::string> row = {steps[s].name + (steps[s].attempt > 1 ? " (" + std::to_string(steps[s].attempt) + ")" : ""),
                                    FormatSeconds(steps[s].measured.seconds),
                                    Percent(steps[s].measured.cpu_seconds / steps[s].measured.seconds)};
    for (const auto& entry : out["instances"]) {
      row.push_back(FormatSeconds(entry["steps"][s]["seconds"].get<double>()));
      row.push_back(Money(entry["steps"][s]["cost"].get<double>()));
    }
    table.Row(row);
  }
  std::vector<std::string> total = {"total", FormatSeconds(whole.seconds), Percent(whole.cpu_seconds / whole.seconds)};
  std::vector<std::string> billed = {"billed", "", ""};
  for (const auto& entry : out["instances"]) {
    total.push_back(FormatSeconds(entry["seconds"].get<double>()));
    total.push_back(Money(entry["cost"].get<double>()));
    billed.push_back("");
    billed.push_back(Money(entry["billed_cost"].get<double>()));
  }
  table.Row(total).Row(billed);
  text += table.Format("  ");
  text += "  (billed: at least " + FormatSeconds(prices.billing_minimum_seconds) + " of one instance)\n\n";

  char line[256];
  std::snprintf(line, sizeof line, "spot: %.3g interruptions an hour, %s to restart, ", args.interruptions_per_hour,
                FormatSeconds(args.restart_seconds).c_str());
  text += line;
  text += every > 0 ? "a checkpoint every " + std::to_string(every) + " rounds\n" : "no checkpoints (an interruption restarts the run)\n";
  TextTable spot_table;
  spot_table.Column("INSTANCE").Column("ON-DEMAND", true).Column("SPOT", true).Column("EXPECTED TIME", true);
  spot_table.Column("SAVING", true);
  for (const auto& entry : out["instances"]) {
    const auto& s = entry["spot_estimate"];
    spot_table.Row({entry["type"], Money(s["on_demand_cost"].get<double>()), Money(s["spot_cost"].get<double>()),
                    FormatSeconds(s["expected_seconds"].get<double>()), Percent(s["saving"].get<double>())});
  }
  text += spot_table.Format("  ") + "\n";

  if (rows_per_cpu_second > 0) {
    std::snprintf(line, sizeof line, "serving: %s rows scored in %zu session(s), %.0f rows per CPU second\n",
                  FormatCount(served_rows).c_str(), sessions.size(), rows_per_cpu_second);
    text += line;
    TextTable serve_table;
    serve_table.Column("INSTANCE").Column("PER 1,000 PREDICTIONS", true).Column("SPOT", true);
    serve_table.Column("PER 1M", true).Column("SPOT", true);
    for (const auto& entry : out["instances"]) {
      const double on_demand = entry["cost_per_1000_predictions"]["on_demand"].get<double>();
      const double spot = entry["cost_per_1000_predictions"]["spot"].get<double>();
      serve_table.Row({entry["type"], Money(on_demand), Money(spot), Money(on_demand * 1000), Money(spot * 1000)});
    }
    text += serve_table.Format("  ") + "\n";
  } else {
    text += "serving: no server has scored this run's model here yet (sluice serve it, send requests, stop it)\n\n";
  }

  text += "fleet to finish within " + FormatSeconds(deadline) + (args.deadline_seconds > 0 ? "" : " (the time it took here; --deadline)") + "\n";
  TextTable fleet_table;
  fleet_table.Column("INSTANCE").Column("COUNT", true).Column("TIME", true).Column("COST", true).Column("PER 1M ROWS", true);
  for (const auto& entry : out["instances"]) {
    if (entry["fleet"].is_null()) {
      fleet_table.Row({entry["type"], "-", "cannot", "", ""});
      continue;
    }
    const auto& fleet = entry["fleet"];
    fleet_table.Row({entry["type"], std::to_string(fleet["instances"].get<int>()), FormatSeconds(fleet["seconds"].get<double>()),
                     Money(fleet["cost"].get<double>()),
                     fleet.contains("cost_per_million_rows") ? Money(fleet["cost_per_million_rows"].get<double>()) : ""});
  }
  text += fleet_table.Format("  ");
  std::fputs(text.c_str(), stdout);
  return 0;
}

}  // namespace

CommandAction AddCostCommand(CLI::App& app) {
  auto args = std::make_shared<CostArgs>();
  CLI::App* command = app.add_subcommand("cost", "What a recorded run would cost on cloud instances (docs/cost.md)");
  command->add_option("run", args->run, "Run id (a unique prefix will do)")->required();
  command->add_option("--instance", args->instances,
                      "Instance type from the price list (repeatable; default: m5.xlarge, m5.2xlarge, ml.p3.2xlarge, ml.m5.large)");
  command->add_flag("--spot", args->spot, "Price the steps and the fleet at Spot prices");
  command->add_option("--prices", args->prices, "The price list (default: $SLUICE_PRICES, else the shipped cost/prices.yaml)");
  command->add_option("--interruptions-per-hour", args->interruptions_per_hour,
                      "Spot interruptions an hour, on average (default 0.05)")->check(CLI::NonNegativeNumber);
  command->add_option("--restart-seconds", args->restart_seconds,
                      "Seconds to get going again after an interruption (default 180)")->check(CLI::NonNegativeNumber);
  command->add_option("--deadline", args->deadline_seconds,
                      "Seconds the run must finish in, for the fleet size (default: the time it took here)")
      ->check(CLI::PositiveNumber);
  command->add_flag("--json", args->json, "Every figure as JSON");
  return [args]() { return Cost(*args); };
}

}  // namespace sluice
