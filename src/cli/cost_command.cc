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
#include "cost/run_cost.h"
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

std::string Percent(double fraction) {
  char buffer[16];
  std::snprintf(buffer, sizeof buffer, "%.0f%%", 100 * fraction);
  return buffer;
}

int Cost(const CostArgs& args) {
  auto db = OpenExistingStateDatabase();
  RunStore store(*db);
  nlohmann::json run = store.Details(store.Resolve(args.run));
  const PriceList prices = LoadPriceList(args.prices.empty() ? DefaultPriceListPath() : args.prices);
  RunCostOptions options;
  options.instances = args.instances;
  options.spot = args.spot;
  options.interruptions_per_hour = args.interruptions_per_hour;
  options.restart_seconds = args.restart_seconds;
  options.deadline_seconds = args.deadline_seconds;
  std::vector<ServingSession> sessions = ServingStore(*db).ForRun(run["id"]);
  options.serving_sessions = sessions.size();
  for (const auto& session : sessions) {
    options.served_rows += session.rows;
    options.served_cpu_seconds += session.cpu_seconds;
  }
  const RunCostEstimate out = EstimateRunCost(run, prices, options);
  if (args.json) {
    std::printf("%s\n", out.ToJson().dump(2).c_str());
    return 0;
  }
  const std::vector<StepCost>& steps = out.instances[0].steps;

  std::string text = "cost of run " + out.run + " (" + out.name + ") at " + (args.spot ? "Spot" : "On-Demand") +
                     " prices, " + prices.region + ", " + prices.date + " (" + prices.file + ")\n";
  text += "measured here on " + std::to_string(out.cores_here) + " cores: " + FormatSeconds(out.seconds_here) + ", " +
          Percent(out.cpu_seconds_here / out.seconds_here / out.cores_here) + " of the cores busy (serial fraction " +
          Percent(out.serial_fraction) + ")\n\nsteps\n";
  TextTable table;
  table.Column("STEP").Column("HERE", true).Column("CPU", true);
  for (const auto& entry : out.instances) table.Column(entry.type, true).Column("", true);
  for (size_t s = 0; s < steps.size(); ++s) {
    const double here = steps[s].seconds_here;
    std::vector<std::string> row = {steps[s].name + (steps[s].attempt > 1 ? " (" + std::to_string(steps[s].attempt) + ")" : ""),
                                    FormatSeconds(here), Percent(steps[s].cpu_seconds_here / here)};
    for (const auto& entry : out.instances) {
      row.push_back(FormatSeconds(entry.steps[s].seconds));
      row.push_back(Money(entry.steps[s].cost));
    }
    table.Row(row);
  }
  std::vector<std::string> total = {"total", FormatSeconds(out.seconds_here), Percent(out.cpu_seconds_here / out.seconds_here)};
  std::vector<std::string> billed = {"billed", "", ""};
  for (const auto& entry : out.instances) {
    total.push_back(FormatSeconds(entry.seconds));
    total.push_back(Money(entry.cost));
    billed.push_back("");
    billed.push_back(Money(entry.billed_cost));
  }
  table.Row(total).Row(billed);
  text += table.Format("  ");
  text += "  (billed: at least " + FormatSeconds(prices.billing_minimum_seconds) + " of one instance)\n\n";

  char line[256];
  std::snprintf(line, sizeof line, "spot: %.3g interruptions an hour, %s to restart, ", args.interruptions_per_hour,
                FormatSeconds(args.restart_seconds).c_str());
  text += line;
  text += out.checkpoint_every > 0 ? "a checkpoint every " + std::to_string(out.checkpoint_every) + " rounds\n"
                                   : "no checkpoints (an interruption restarts the run)\n";
  TextTable spot_table;
  spot_table.Column("INSTANCE").Column("ON-DEMAND", true).Column("SPOT", true).Column("EXPECTED TIME", true);
  spot_table.Column("SAVING", true);
  for (const auto& entry : out.instances) {
    const auto& s = entry.spot_estimate;
    spot_table.Row({entry.type, Money(s.on_demand_cost), Money(s.spot_cost), FormatSeconds(s.expected_seconds),
                    Percent(s.saving)});
  }
  text += spot_table.Format("  ") + "\n";

  if (out.rows_per_cpu_second > 0) {
    std::snprintf(line, sizeof line, "serving: %s rows scored in %zu session(s), %.0f rows per CPU second\n",
                  FormatCount(out.served_rows).c_str(), out.serving_sessions, out.rows_per_cpu_second);
    text += line;
    TextTable serve_table;
    serve_table.Column("INSTANCE").Column("PER 1,000 PREDICTIONS", true).Column("SPOT", true);
    serve_table.Column("PER 1M", true).Column("SPOT", true);
    for (const auto& entry : out.instances) {
      const double on_demand = entry.cost_per_1000_predictions->on_demand;
      const double spot = entry.cost_per_1000_predictions->spot;
      serve_table.Row({entry.type, Money(on_demand), Money(spot), Money(on_demand * 1000), Money(spot * 1000)});
    }
    text += serve_table.Format("  ") + "\n";
  } else {
    text += "serving: no server has scored this run's model here yet (sluice serve it, send requests, stop it)\n\n";
  }

  text += "fleet to finish within " + FormatSeconds(out.deadline_seconds) +
          (out.deadline_given ? "" : " (the time it took here; --deadline)") + "\n";
  TextTable fleet_table;
  fleet_table.Column("INSTANCE").Column("COUNT", true).Column("TIME", true).Column("COST", true).Column("PER 1M ROWS", true);
  for (const auto& entry : out.instances) {
    if (!entry.fleet) {
      fleet_table.Row({entry.type, "-", "cannot", "", ""});
      continue;
    }
    const auto& fleet = *entry.fleet;
    fleet_table.Row({entry.type, std::to_string(fleet.instances), FormatSeconds(fleet.seconds), Money(fleet.cost),
                     fleet.cost_per_million_rows ? Money(*fleet.cost_per_million_rows) : ""});
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
