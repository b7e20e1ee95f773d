#pragma once
// A pipeline file's `steps:` — the run as a graph of named steps joined by
// `needs:`, in the manner of a Step Functions state machine or an Airflow
// DAG. Parsing checks the whole graph before anything runs: an unknown
// type, a duplicate name, a missing dependency, a cycle, or a step without
// what its type requires is a usage error naming the step.
//
// Step types: ingest (a source to Parquet), prep (the prepared splits),
// train and tune (an artifact), evaluate (gates on the artifact's held-out
// metrics), transform (batch scoring), deploy (register and promote in the
// model registry) and command (a shell command of the user's).

#include <map>
#include <string>
#include <vector>

#include "nlohmann/json.hpp"

namespace sluice {

enum class StepType { kIngest, kPrep, kTrain, kTune, kEvaluate, kTransform, kDeploy, kCommand };

const char* StepTypeName(StepType type);

// An evaluate step's gate: the metric compared with a bound ("rmse <= 4.5").
struct MetricGate {
  std::string metric;
  std::string op;  // <, <=, >, >=
  double bound = 0;
  bool Passes(double value) const;
  std::string ToString() const;
};

struct StepSpec {
  std::string name;
  StepType type = StepType::kCommand;
  std::vector<std::string> needs;
  int retries = 0;              // attempts after the first that fail
  double backoff_seconds = 1;   // wait before the first retry; doubles each retry
  double max_backoff_seconds = 300;
  double timeout_seconds = 0;   // an attempt running longer is stopped (0: none)
  bool cache = true;            // false: runs every time, even with nothing changed
  std::string input;            // ingest, transform: what it reads (default: the pipeline's source)
  std::string output;           // where it writes (default per type, see OutputOf)
  std::string run;              // command: the shell command
  std::vector<std::string> inputs;     // command: files whose content counts toward its cache key
  std::vector<std::string> overrides;  // prep/train/tune: --set KEY=VALUE applied to the pipeline for this step
  std::string stage = "staging";       // deploy: the registry stage
  std::vector<MetricGate> require;     // evaluate: every gate must pass
  nlohmann::json definition;           // the step as written (part of its cache key)
};

struct StepGraph {
  std::vector<StepSpec> steps;  // in a dependency order: a step after every step it needs
  int parallel = 2;             // steps at once

  // Index of `name`; usage error naming it when there is none.
  size_t IndexOf(const std::string& name) const;
  // `step` and every step that depends on it, transitively.
  std::vector<bool> DownstreamOf(size_t step) const;
  // The train or tune step whose artifact step `step` uses (its model), or -1.
  int ModelSourceOf(size_t step) const;
};

// `steps` is the file's list; `parallel` its parallel_steps (0: default).
StepGraph ParseStepGraph(const nlohmann::json& steps, int parallel, const std::string& file);

// "30", "30s", "5m", "2h", "1.5s" -> seconds; usage error naming `key` otherwise.
double ParseDuration(const nlohmann::json& value, const std::string& key);

}  // namespace sluice
