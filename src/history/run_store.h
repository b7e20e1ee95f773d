#pragma once
// The run history in runs.db: a run is recorded when it starts (status
// running, with the process that runs it), each step as it ends, and the
// outcome — status, exit code, error, parameters, metrics, curves, artifact,
// data fingerprint, resource samples — when it finishes. A run whose process
// died without finishing (SIGKILL, power loss) reads back as "killed"; `sluice
// run --resume` runs it again as a new attempt of the same id.

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "history/sqlite_database.h"
#include "monitor/resource_sampler.h"
#include "monitor/step_record.h"
#include "nlohmann/json.hpp"

namespace sluice {

// What started a run, so that it can be started again: the verb, the
// pipeline file (absolute), the --set overrides, --threads and the working
// directory relative paths in them are read from.
struct RunInvocation {
  std::string verb;  // run or tune
  std::string pipeline;
  std::vector<std::string> overrides;
  int threads = -1;
  std::string cwd;

  nlohmann::json ToJson() const;
  static RunInvocation FromJson(const nlohmann::json& json);
};

// How a run ended.
struct RunOutcome {
  std::string status;  // succeeded, failed, interrupted
  int exit_code = 0;
  std::string error;
  nlohmann::json summary;  // what --json prints; null when it failed
  std::map<std::string, std::string> params;  // dotted key -> JSON text
  std::map<std::string, double> metrics;
  std::vector<CurvePoint> curves;
  std::string artifact, fingerprint;
};

// One run as listed.
struct RunRow {
  std::string id, name, verb, pipeline, status, host, error, artifact, fingerprint;
  int64_t pid = 0, pid_start = 0, attempts = 1;
  double started = 0;
  std::optional<double> finished;
  std::optional<int64_t> exit_code;
  RunInvocation invocation;
  std::map<std::string, double> metrics;
};

class RunStore {
 public:
  explicit RunStore(SqliteDatabase& db) : db_(db) {}

  // Records a new run (status running) and returns its id,
  // "YYYYMMDD-HHMMSS-xxxx" (UTC, then random hex).
  std::string Begin(const std::string& name, const RunInvocation& invocation);
  // Starts another attempt of a run that did not succeed (status running
  // again, this process); returns the attempt number.
  int Resume(const std::string& id);
  void RecordStep(const std::string& id, int attempt, int seq, const StepRecord& step);
  // Replaces the attempt's resource samples; `start_unix` is the Unix time
  // of their seconds 0.
  void RecordResources(const std::string& id, int attempt, double start_unix, const std::vector<ResourceSample>& samples);
  void Finish(const std::string& id, const RunOutcome& outcome);

  // The full id of the one run whose id starts with `prefix` (usage error
  // for none or several).
  // "latest" is the run started last.
  std::string Resolve(const std::string& prefix);
  std::vector<RunRow> List(int limit);
  RunRow Get(const std::string& id);
  // Everything about a run: the row, steps, parameters, metrics, curves,
  // resource samples, as one JSON object (`sluice runs show --json`, reports).
  nlohmann::json Details(const std::string& id);

 private:
  RunRow ReadRow(SqliteStatement& statement);
  std::map<std::string, double> Metrics(const std::string& id);

  SqliteDatabase& db_;
};

// "killed" for a run recorded as running whose process on this host is gone
// (or is another process that got its pid since).
std::string EffectiveStatus(const RunRow& row);

}  // namespace sluice
