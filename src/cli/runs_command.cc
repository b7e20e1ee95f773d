// `sluice runs`: the run history of this directory (.sluice/runs.db).
//   sluice runs [--limit N] [--json]      every run, newest first
//   sluice runs show RUN_ID [--json]      one run: steps, parameters, metrics, curves
//   sluice runs compare A B [--all]       two runs' parameters and metrics side by side
// A run id may be shortened to any unique prefix.

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <set>
#include <string>

#include "cli/commands.h"
#include "common/error.h"
#include "common/format.h"
#include "common/text_table.h"
#include "history/run_store.h"
#include "history/state_database.h"

namespace sluice {

namespace {

struct RunsArgs {
  int limit = 50;
  bool json = false;
  bool all = false;
  std::string id;
  std::string a, b;
};

std::string Number(double value) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.6g", value);
  return buffer;
}

// The test metric a run is best known by, "rmse 3.52".
std::string HeadlineMetric(const std::map<std::string, double>& metrics) {
  for (const char* key : {"rmse", "accuracy", "auc", "logloss", "mae"}) {
    auto it = metrics.find(key);
    if (it != metrics.end()) return std::string(key) + " " + Number(it->second);
  }
  return "";
}

std::string Duration(double started, const std::optional<double>& finished) {
  return finished ? FormatSeconds(*finished - started) : "";
}

nlohmann::json RowJson(const RunRow& row) {
  return {{"id", row.id},
          {"name", row.name},
          {"verb", row.verb},
          {"status", EffectiveStatus(row)},
          {"started", row.started},
          {"finished", row.finished ? nlohmann::json(*row.finished) : nlohmann::json()},
          {"seconds", row.finished ? nlohmann::json(*row.finished - row.started) : nlohmann::json()},
          {"attempts", row.attempts},
          {"exit_code", row.exit_code ? nlohmann::json(*row.exit_code) : nlohmann::json()},
          {"error", row.error},
          {"pipeline", row.pipeline},
          {"artifact", row.artifact},
          {"metrics", row.metrics}};
}

int List(RunStore& store, const RunsArgs& args) {
  std::vector<RunRow> rows = store.List(args.limit);
  if (args.json) {
    nlohmann::json list = nlohmann::json::array();
    for (const auto& row : rows) list.push_back(RowJson(row));
    std::printf("%s\n", list.dump(2).c_str());
    return 0;
  }
  if (rows.empty()) {
    std::printf("no runs recorded yet (sluice run PIPELINE records one)\n");
    return 0;
  }
  TextTable table;
  table.Column("ID").Column("NAME").Column("VERB").Column("STATUS").Column("STARTED").Column("TIME", true);
  table.Column("METRIC").Column("ARTIFACT");
  for (const auto& row : rows) {
    std::string status = EffectiveStatus(row);
    if (row.attempts > 1) status += " (" + std::to_string(row.attempts) + " attempts)";
    table.Row({row.id, row.name, row.verb, status, FormatLocalTime(row.started), Duration(row.started, row.finished),
               HeadlineMetric(row.metrics), row.artifact});
  }
  std::fputs(table.Format().c_str(), stdout);
  return 0;
}

int Show(RunStore& store, const RunsArgs& args) {
  nlohmann::json run = store.Details(store.Resolve(args.id));
  if (args.json) {
    std::printf("%s\n", run.dump(2).c_str());
    return 0;
  }
  std::string out;
  // "  key  value", keys padded to the widest of their section (`width`).
  size_t width = 12;
  auto fact = [&](const std::string& key, const std::string& value) {
    out += "  " + key + std::string(width > key.size() ? width - key.size() : 0, ' ') + " " + value + "\n";
  };
  auto widest = [](const nlohmann::json& object) {
    size_t most = 0;
    for (const auto& [key, value] : object.items()) most = std::max(most, key.size());
    return most;
  };
  out += "run " + run["id"].get<std::string>() + "\n";
  fact("name", run["name"]);
  fact("command", "sluice " + run["verb"].get<std::string>() + " " + run["pipeline"].get<std::string>());
  std::string overrides;
  for (const auto& o : run["invocation"]["overrides"]) overrides += (overrides.empty() ? "" : " ") + ("--set " + o.get<std::string>());
  if (!overrides.empty()) fact("", overrides);
  fact("status", run["status"].get<std::string>() +
                     (run["exit_code"].is_null() ? "" : " (exit " + std::to_string(run["exit_code"].get<int>()) + ")"));
  fact("started", FormatLocalTime(run["started"].get<double>()));
  if (!run["finished"].is_null()) {
    fact("finished", FormatLocalTime(run["finished"].get<double>()) + "  (" +
                         FormatSeconds(run["finished"].get<double>() - run["started"].get<double>()) + ")");
  }
  if (run["attempts"].get<int>() > 1) fact("attempts", std::to_string(run["attempts"].get<int>()));
  if (!run["error"].get<std::string>().empty()) fact("error", run["error"]);
  if (!run["artifact"].get<std::string>().empty()) fact("artifact", run["artifact"]);
  if (!run["fingerprint"].get<std::string>().empty()) fact("data", "fingerprint " + run["fingerprint"].get<std::string>());

  if (!run["steps"].empty()) {
    out += "steps\n";
    TextTable steps;
    steps.Column("ATTEMPT", true).Column("STEP").Column("STATUS").Column("TIME", true).Column("CPU", true);
    steps.Column("PEAK RSS", true).Column("READ", true).Column("WRITTEN", true);
    for (const auto& step : run["steps"]) {
      bool done = step.contains("seconds");
      steps.Row({std::to_string(step["attempt"].get<int>()), step["name"], step["status"],
                 done ? FormatSeconds(step["seconds"].get<double>()) : "",
                 done ? Number(std::round(step["cpu_percent"].get<double>())) + "%" : "",
                 done ? FormatBytes(step["peak_rss_bytes"].get<double>()) : "",
                 done ? FormatBytes(step["read_bytes"].get<double>()) : "",
                 done ? FormatBytes(step["write_bytes"].get<double>()) : ""});
    }
    out += steps.Format("  ");
  }
  if (!run["metrics"].empty()) {
    out += "metrics\n";
    width = widest(run["metrics"]);
    for (const auto& [key, value] : run["metrics"].items()) fact(key, Number(value.get<double>()));
  }
  if (!run["curves"].empty()) {
    out += "curves\n";
    width = widest(run["curves"]);
    for (const auto& [series, points] : run["curves"].items()) {
      fact(series, std::to_string(points.size()) + " points, " + Number(points.front()[1].get<double>()) + " -> " +
                       Number(points.back()[1].get<double>()));
    }
  }
  if (!run["params"].empty()) {
    out += "parameters\n";
    width = widest(run["params"]);
    for (const auto& [key, value] : run["params"].items()) fact(key, value.is_string() ? value.get<std::string>() : value.dump());
  }
  std::fputs(out.c_str(), stdout);
  return 0;
}

int Compare(RunStore& store, const RunsArgs& args) {
  nlohmann::json a = store.Details(store.Resolve(args.a));
  nlohmann::json b = store.Details(store.Resolve(args.b));
  auto text = [](const nlohmann::json& object, const std::string& key) -> std::string {
    if (!object.contains(key)) return "-";
    const auto& value = object[key];
    return value.is_string() ? value.get<std::string>() : value.dump();
  };
  nlohmann::json params = {{"same", nlohmann::json::object()}, {"different", nlohmann::json::object()}};
  std::set<std::string> param_keys;
  for (const auto& [key, value] : a["params"].items()) param_keys.insert(key);
  for (const auto& [key, value] : b["params"].items()) param_keys.insert(key);
  std::set<std::string> metric_keys;
  for (const auto& [key, value] : a["metrics"].items()) metric_keys.insert(key);
  for (const auto& [key, value] : b["metrics"].items()) metric_keys.insert(key);
  if (args.json) {
    nlohmann::json out = {{"a", a["id"]}, {"b", b["id"]}, {"params", nlohmann::json::object()}, {"metrics", nlohmann::json::object()}};
    for (const auto& key : param_keys) {
      nlohmann::json pa = a["params"].contains(key) ? a["params"][key] : nlohmann::json();
      nlohmann::json pb = b["params"].contains(key) ? b["params"][key] : nlohmann::json();
      out["params"][key] = {{"a", pa}, {"b", pb}, {"same", pa == pb}};
    }
    for (const auto& key : metric_keys) {
      nlohmann::json entry = {{"a", a["metrics"].contains(key) ? a["metrics"][key] : nlohmann::json()},
                              {"b", b["metrics"].contains(key) ? b["metrics"][key] : nlohmann::json()}};
      if (!entry["a"].is_null() && !entry["b"].is_null()) entry["delta"] = entry["b"].get<double>() - entry["a"].get<double>();
      out["metrics"][key] = std::move(entry);
    }
    std::printf("%s\n", out.dump(2).c_str());
    return 0;
  }
  std::string out;
  TextTable params_table;
  params_table.Column("PARAMETER").Column("A " + a["id"].get<std::string>()).Column("B " + b["id"].get<std::string>());
  size_t same = 0;
  for (const auto& key : param_keys) {
    std::string va = text(a["params"], key), vb = text(b["params"], key);
    if (va == vb && !args.all) {
      ++same;
      continue;
    }
    params_table.Row({(va == vb ? "  " : "* ") + key, va, vb});
  }
  out += "parameters" + std::string(args.all ? " (* differs)" : " that differ") + "\n";
  out += params_table.num_rows() ? params_table.Format("  ") : "  (none)\n";
  if (same > 0) out += "  ... and " + std::to_string(same) + " the same (--all shows them)\n";
  TextTable metrics_table;
  metrics_table.Column("METRIC").Column("A", true).Column("B", true).Column("B - A", true);
  for (const auto& key : metric_keys) {
    bool both = a["metrics"].contains(key) && b["metrics"].contains(key);
    metrics_table.Row({key, a["metrics"].contains(key) ? Number(a["metrics"][key].get<double>()) : "-",
                       b["metrics"].contains(key) ? Number(b["metrics"][key].get<double>()) : "-",
                       both ? Number(b["metrics"][key].get<double>() - a["metrics"][key].get<double>()) : ""});
  }
  out += "metrics\n" + (metrics_table.num_rows() ? metrics_table.Format("  ") : "  (none)\n");
  std::fputs(out.c_str(), stdout);
  return 0;
}

}  // namespace

CommandAction AddRunsCommand(CLI::App& app) {
  auto args = std::make_shared<RunsArgs>();
  CLI::App* command = app.add_subcommand("runs", "The run history (.sluice/runs.db): list runs, show one, compare two");
  command->add_option("--limit", args->limit, "How many of the newest runs to list (default 50)")->check(CLI::PositiveNumber);
  command->add_flag("--json", args->json, "JSON for scripts: a list of objects with id, status, times, metrics");
  CLI::App* show = command->add_subcommand("show", "One run: command, status, steps with time and resources, metrics, curves, parameters");
  show->add_option("run", args->id, "Run id (a unique prefix will do)")->required();
  show->add_flag("--json", args->json, "Everything recorded, as JSON");
  CLI::App* compare = command->add_subcommand("compare", "Two runs' parameters and metrics side by side");
  compare->add_option("a", args->a, "Run id")->required();
  compare->add_option("b", args->b, "Run id")->required();
  compare->add_flag("--all", args->all, "List the parameters that are the same too");
  compare->add_flag("--json", args->json, "As JSON");
  return [args, show, compare]() {
    const std::string dir = std::filesystem::absolute(StateDirectory()).string();
    if (!std::filesystem::exists(dir + "/runs.db")) {
      if (!show->parsed() && !compare->parsed()) {
        std::printf(args->json ? "[]\n" : "no runs recorded in %s yet (sluice run PIPELINE records one)\n", dir.c_str());
        return 0;
      }
    }
    auto db = OpenExistingStateDatabase();
    RunStore store(*db);
    if (show->parsed()) return Show(store, *args);
    if (compare->parsed()) return Compare(store, *args);
    return List(store, *args);
  };
}

}  // namespace sluice
