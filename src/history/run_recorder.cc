#include "history/run_recorder.h"

#include <chrono>
#include <filesystem>

#include "history/state_database.h"

namespace sluice {

namespace {

double NowUnix() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

void Flatten(const nlohmann::json& value, const std::string& prefix, std::map<std::string, std::string>& out) {
  if (value.is_object() && !value.empty()) {
    for (const auto& [key, child] : value.items()) Flatten(child, prefix.empty() ? key : prefix + "." + key, out);
  } else {
    out[prefix] = value.dump();
  }
}

}  // namespace

std::map<std::string, std::string> FlattenParams(const nlohmann::json& pipeline) {
  std::map<std::string, std::string> out;
  Flatten(pipeline, "", out);
  return out;
}

std::map<std::string, double> SummaryMetrics(const RunSummary& summary) {
  std::map<std::string, double> metrics;
  for (const auto& [name, value] : summary.metrics.scores) metrics[name] = value;
  for (const auto& [name, count] : summary.metrics.rows) metrics[name] = static_cast<double>(count);
  // The learner's description, where it names its best validation score and size.
  const nlohmann::json& model = summary.model;
  if (model.contains("valid_metric") && model["valid_metric"].is_string() && model.contains("best_valid_value") &&
      model["best_valid_value"].is_number()) {
    metrics["valid_" + model["valid_metric"].get<std::string>()] = model["best_valid_value"].get<double>();
  }
  if (model.contains("trees") && model["trees"].is_number()) metrics["trees"] = model["trees"].get<double>();
  if (summary.tuning) {
    metrics["valid_" + summary.tuning->metric] = summary.tuning->best_score;
    metrics["trials"] = summary.tuning->trials_run;
  }
  for (const auto& [stage, seconds] : summary.seconds.Present()) metrics["seconds_" + stage] = seconds;
  if (summary.trained()) metrics["peak_rss_bytes"] = summary.peak_rss_bytes;
  return metrics;
}

RunRecorder::RunRecorder(const std::string& state_dir, const std::string& name, const RunInvocation& invocation,
                         const std::string& resume_id, int sample_interval_ms)
    : state_dir_(state_dir), name_(name) {
  db_ = OpenStateDatabase(state_dir);
  store_ = std::make_unique<RunStore>(*db_);
  if (resume_id.empty()) {
    id_ = store_->Begin(name, invocation);
  } else {
    id_ = resume_id;
    attempt_ = store_->Resume(resume_id);
  }
  start_unix_ = NowUnix();
  sampler_ = std::make_unique<ResourceSampler>(sample_interval_ms);
}

RunRecorder::~RunRecorder() = default;

void RunRecorder::ExportMetricsTo(const std::string& path) {
  metrics_file_ = std::make_unique<RunMetricsFile>(path, id_, name_, attempt_, start_unix_,
                                                   [] { return ReadProcessResources(); });
}

void RunRecorder::Store(int seq, const StepRecord& record) {
  store_->RecordStep(id_, attempt_, seq, record);
  if (metrics_file_) metrics_file_->Step(seq, record);
}

void RunRecorder::EndStep(const std::string& status, const std::string& error) {
  if (!in_step_) return;
  ResourceSample now = sampler_->Mark();
  step_.status = step_.status == "cached" ? "cached" : status;
  step_.error = error;
  step_.finished = start_unix_ + now.seconds;
  step_.use = sampler_->Between(step_start_, now);
  Store(seq_, step_);
  store_->RecordResources(id_, attempt_, start_unix_, sampler_->Samples());
  in_step_ = false;
}

void RunRecorder::StepStarted(const std::string& step, bool cached) {
  EndStep("succeeded", "");
  ++seq_;
  step_start_ = sampler_->Mark();
  step_ = StepRecord{};
  step_.name = step;
  step_.status = cached ? "cached" : "running";
  step_.started = start_unix_ + step_start_.seconds;
  Store(seq_, step_);
  in_step_ = true;
}

int RunRecorder::StepBegan(const std::string& step) {
  EndStep("succeeded", "");
  StepRecord record;
  record.name = step;
  record.status = "running";
  record.started = NowUnix();
  Store(++seq_, record);
  return seq_;
}

void RunRecorder::StepEnded(int seq, const StepRecord& record) {
  Store(seq, record);
  store_->RecordResources(id_, attempt_, start_unix_, sampler_->Samples());
}

std::vector<ModelVersion> RunRecorder::Succeeded(const RunSummary& summary, const nlohmann::json& pipeline,
                                                 bool register_artifact) {
  EndStep("succeeded", "");
  store_->RecordResources(id_, attempt_, start_unix_, sampler_->Samples());
  RunOutcome outcome;
  outcome.status = "succeeded";
  outcome.summary = summary.ToJson();
  outcome.params = FlattenParams(pipeline);
  if (summary.tuning) {
    for (const auto& [key, value] : summary.tuning->best_params) {
      outcome.params["tune.best." + key] = nlohmann::json(value).dump();
    }
  }
  outcome.metrics = SummaryMetrics(summary);
  for (const auto& [series, values] : summary.curves) {
    for (size_t step = 0; step < values.size(); ++step) outcome.curves.push_back({series, static_cast<int>(step), values[step]});
  }
  outcome.artifact = summary.artifact;
  if (!outcome.artifact.empty()) outcome.artifact = std::filesystem::absolute(outcome.artifact).lexically_normal().string();
  outcome.fingerprint = summary.fingerprint;
  store_->Finish(id_, outcome);
  if (metrics_file_) metrics_file_->Ended("succeeded", outcome.metrics, outcome.curves);

  // Register what was trained: the artifact, or with several learners each
  // learner's model as NAME-LEARNER.
  std::vector<ModelVersion> registered;
  if (!register_artifact) return registered;
  RegisteredModels models(*db_, state_dir_);
  namespace fs = std::filesystem;
  if (!outcome.artifact.empty() && fs::exists(fs::path(outcome.artifact) / "sluice-model.json")) {
    registered.push_back(models.Register(name_, outcome.artifact, id_));
  } else {
    for (const auto& learner : summary.learners) {
      if (!learner.artifact.empty() && fs::exists(fs::path(learner.artifact) / "sluice-model.json")) {
        registered.push_back(models.Register(name_ + "-" + learner.learner, learner.artifact, id_));
      }
    }
  }
  return registered;
}

void RunRecorder::Failed(int exit_code, const std::string& error, bool interrupted) {
  EndStep(interrupted ? "interrupted" : "failed", error);
  store_->RecordResources(id_, attempt_, start_unix_, sampler_->Samples());
  RunOutcome outcome;
  outcome.status = interrupted ? "interrupted" : "failed";
  outcome.exit_code = exit_code;
  outcome.error = error;
  store_->Finish(id_, outcome);
  if (metrics_file_) metrics_file_->Ended(outcome.status, {}, {});
}

}  // namespace sluice
