#pragma once
// One attempt of one step of a pipeline graph (graph_run.h schedules them):
// what the step reads and writes, its cache key, and running it — as a
// child process of this same binary or of /bin/sh, or in process for
// evaluate (quality gates) and deploy (the model registry) — then reading
// back its result. The states of every step are the scheduler's; an
// attempt reads those of the steps it needs and writes its own.

#include <iosfwd>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "history/run_recorder.h"
#include "history/sqlite_database.h"
#include "history/step_cache.h"
#include "nlohmann/json.hpp"
#include "orchestrate/child_process.h"
#include "orchestrate/graph_run.h"
#include "orchestrate/step_graph.h"
#include "pipeline/pipeline_spec.h"

namespace sluice {

enum class State { kWaiting, kRunning, kBackoff, kSucceeded, kCached, kFailed, kSkipped, kNotRun };

// As a run's summary and log name it ("retrying" for kBackoff).
const char* StateName(State state);

double SteadyNow();
double UnixNow();

struct StepState {
  State state = State::kWaiting;
  bool selected = true;  // runs in this invocation (--from / --only narrow it)
  bool forced = false;   // runs even when the cache holds it
  int attempts = 0;
  double not_before = 0;  // a retry waits until then (steady seconds)
  std::unique_ptr<ChildProcess> child;
  bool timed_out = false;
  double term_sent = 0;
  int seq = 0;  // its history record
  double started_unix = 0;
  std::string key, output, outputs_hash, error, log, stdout_path;
  nlohmann::json result;
  double seconds = 0;  // over every attempt
  int exit_code = 0;
  std::string cached_from;  // the run whose output it reuses
  std::streamoff log_offset = 0;  // where this attempt's lines start in `log`
};

// The last non-empty line of `path` from `from` on: the error a step died with.
std::string LastLogLine(const std::string& path, std::streamoff from);

class StepAttempts {
 public:
  // `states` are the scheduler's, one per step of `graph`; `work` is the
  // directory steps without an output of their own write to.
  StepAttempts(const PipelineSpec& spec, const StepGraph& graph, std::vector<StepState>& states, RunRecorder& recorder,
               const GraphRunOptions& options, SqliteDatabase& db, StepCache& cache, std::string work);

  // Where step `i` writes (absolute), or "" for one that writes nothing.
  std::string OutputOf(size_t i) const;
  // What decides whether step `i` may come from the cache: its definition,
  // its pipeline, its inputs' content and the outputs of what it needs.
  std::string KeyOf(size_t i);
  // Starts an attempt of step `i`: a child process (states[i].child set), or
  // an in-process step run to its end, whose outcome is returned.
  std::optional<ChildOutcome> Start(size_t i);
  // After a child exited 0: its result (a run summary, or what it said last)
  // and its output's hash. Throws when it wrote no output.
  void Collect(size_t i);
  // Whether a deploy step registered the model.
  bool deployed() const { return deployed_; }

 private:
  void Log(const std::string& line) const;
  const StepSpec& StepAt(size_t i) const { return graph_.steps[i]; }
  size_t IndexOf(const std::string& name) const { return graph_.IndexOf(name); }
  // The direct need of `type`, or -1.
  int NeedOfType(size_t i, StepType type) const;
  std::string SourceUri() const;
  // The pipeline a prep, train or tune step runs: the file's, without its
  // steps, reading what the steps it needs wrote.
  nlohmann::json StepPipeline(size_t i) const;
  // What a step reads directly from files (not through another step).
  std::vector<std::string> InputsOf(size_t i) const;
  std::vector<std::string> ArgvOf(size_t i);
  std::map<std::string, std::string> EnvOf(size_t i);
  nlohmann::json ModelResult(size_t i) const;
  nlohmann::json Evaluate(size_t i);
  nlohmann::json Deploy(size_t i);

  const PipelineSpec& spec_;
  const StepGraph& graph_;
  std::vector<StepState>& states_;
  RunRecorder& recorder_;
  const GraphRunOptions& options_;
  SqliteDatabase& db_;
  StepCache& cache_;
  const std::string work_;
  std::string exe_;
  bool deployed_ = false;
};

}  // namespace sluice
