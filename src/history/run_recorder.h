#pragma once
// Records one run of `sluice run` / `sluice tune` in the state directory as
// it goes: the run when it starts (so a run killed at any moment is in the
// history, as killed), each step with its time and resource use when the
// next one starts, the resource samples, and the outcome — parameters (the
// resolved pipeline, flattened to dotted keys), metrics, curves, artifact,
// fingerprint — when it ends. A successful run's artifact is registered in
// the model registry under the pipeline's name.
//
// The store is opened before the run starts: if it cannot be written the
// run is refused, not run unrecorded.

#include <memory>
#include <string>

#include "history/registered_models.h"
#include "monitor/run_metrics_file.h"
#include "history/run_store.h"
#include "history/sqlite_database.h"
#include "monitor/resource_sampler.h"
#include "monitor/run_summary.h"
#include "nlohmann/json.hpp"

namespace sluice {

class RunRecorder {
 public:
  // Records a new run, or with `resume_id` a new attempt of that run.
  RunRecorder(const std::string& state_dir, const std::string& name, const RunInvocation& invocation,
              const std::string& resume_id, int sample_interval_ms = 250);
  ~RunRecorder();

  const std::string& id() const { return id_; }
  int attempt() const { return attempt_; }

  // A step starts; the one before it ended (succeeded). `cached`: taken from
  // an earlier attempt's finished work.
  void StepStarted(const std::string& step, bool cached);
  // Steps that overlap (a pipeline graph's, run as child processes that
  // measure themselves): one recorded as running, then with its outcome.
  int StepBegan(const std::string& step);
  void StepEnded(int seq, const StepRecord& record);
  double start_unix() const { return start_unix_; }
  // Keeps a Prometheus text file of the run (run_metrics_file.h) from now on.
  void ExportMetricsTo(const std::string& path);
  // The run ended well: `summary` is what --json prints, `pipeline` the
  // resolved pipeline. Returns the registered model versions (may be empty).
  // `register_artifact` false: registered already (a graph's deploy step)
  // or not new (taken from the step cache).
  std::vector<ModelVersion> Succeeded(const RunSummary& summary, const nlohmann::json& pipeline,
                                      bool register_artifact = true);
  // The run ended with an error (interrupted: stopped by a signal).
  void Failed(int exit_code, const std::string& error, bool interrupted);

 private:
  void EndStep(const std::string& status, const std::string& error);
  void Store(int seq, const StepRecord& record);

  std::unique_ptr<SqliteDatabase> db_;
  std::unique_ptr<RunStore> store_;
  std::string state_dir_, name_, id_;
  int attempt_ = 1;
  double start_unix_ = 0;
  std::unique_ptr<ResourceSampler> sampler_;
  // The step in progress.
  int seq_ = 0;
  StepRecord step_;
  ResourceSample step_start_;
  bool in_step_ = false;
  std::unique_ptr<RunMetricsFile> metrics_file_;
};

// The resolved pipeline as dotted keys -> JSON text ("train.params.eta" -> "0.1").
std::map<std::string, std::string> FlattenParams(const nlohmann::json& pipeline);
// The numbers worth comparing across runs from a run summary: test metrics,
// the best validation score, row counts, seconds, peak memory.
std::map<std::string, double> SummaryMetrics(const RunSummary& summary);

}  // namespace sluice
