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

std::map<std::string, double> SummaryMetrics(const nlohmann::json& summary) {
  std::map<std::string, double> metrics;
  if (summary.contains("metrics")) {
    for (const auto& [key, value] : summary["metrics"].items()) {
      if (value.is_number()) metrics[key] = value.get<double>();
    }
  }
  const nlohmann::json model = summary.value("model", nlohmann::json::object());
  if (model.contains("best_valid_value") && model.contains("valid_metric")) {
    metrics["valid_" + model["valid_metric"].get<std::string>()] = model["best_valid_value"].get<double>();
  }
  if (model.contains("trees")) metrics["trees"] = model["trees"].get<double>();
  if (summary.contains("tuning")) {
    const auto& tuning = summary["tuning"];
    if (tuning.contains("best_score") && tuning["best_score"].is_number()) {
      metrics["valid_" + tuning.value("metric", std::string("score"))] = tuning["best_score"].get<double>();
    }
    if (tuning.contains("trials_run")) metrics["trials"] = tuning["trials_run"].get<double>();
  }
  if (summary.contains("seconds")) {
    for (const auto& [key, value] : summary["seconds"].items()) {
      if (value.is_number()) metrics["seconds_" + key] = value.get<double>();
    }
  }
  if (summary.contains("peak_rss_bytes")) metrics["peak_rss_bytes"] = summary["peak_rss_bytes"].get<double>();
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

std::vector<ModelVersion> RunRecorder::Succeeded(const nlohmann::json& summary, const nlohmann::json& pipeline,
                                                 bool register_artifact) {
  EndStep("succeeded", "");
  store_->RecordResources(id_, attempt_, start_unix_, sampler_->Samples());
  RunOutcome outcome;
  outcome.status = "succeeded";
  outcome.summary = summary;
  outcome.params = FlattenParams(pipeline);
  if (summary.contains("tuning") && summary["tuning"].contains("best_params")) {
    for (const auto& [key, value] : summary["tuning"]["best_params"].items()) {
      outcome.params["tune.best." + key] = value.dump();
    }
  }
  outcome.metrics = SummaryMetrics(summary);
  const nlohmann::json curves = summary.value("curves", nlohmann::json::object());
  for (const auto& [series, values] : curves.items()) {
    for (size_t step = 0; step < values.size(); ++step) {
      if (values[step].is_number()) outcome.curves.push_back({series, static_cast<int>(step), values[step].get<double>()});
    }
  }
  outcome.artifact = summary.value("artifact", "");
  if (!outcome.artifact.empty()) outcome.artifact = std::filesystem::absolute(outcome.artifact).lexically_normal().string();
  outcome.fingerprint = summary.value("fingerprint", "");
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
  } else if (summary.contains("learners")) {
    for (const auto& learner : summary["learners"]) {
      const std::string dir = learner.value("artifact", "");
      if (!dir.empty() && fs::exists(fs::path(dir) / "sluice-model.json")) {
        registered.push_back(models.Register(name_ + "-" + learner.value("learner", ""), dir, id_));
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
