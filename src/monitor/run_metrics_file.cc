#include "monitor/run_metrics_file.h"

#include <chrono>
#include <cstdio>
#include <filesystem>

#include "monitor/prometheus_text.h"

namespace sluice {

namespace {

double UnixNow() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

}  // namespace

RunMetricsFile::RunMetricsFile(std::string path, std::string run_id, std::string pipeline, int attempt, double start_unix,
                               std::function<ResourceSample()> current, int refresh_ms)
    : path_(std::move(path)),
      run_id_(std::move(run_id)),
      pipeline_(std::move(pipeline)),
      attempt_(attempt),
      start_unix_(start_unix),
      current_(std::move(current)) {
  std::error_code ec;
  const std::filesystem::path parent = std::filesystem::path(path_).parent_path();
  if (!parent.empty()) std::filesystem::create_directories(parent, ec);
  Write();  // a bad path fails the run before it starts
  thread_ = std::thread([this, refresh_ms] {
    std::unique_lock<std::mutex> lock(mutex_);
    while (!wake_.wait_for(lock, std::chrono::milliseconds(refresh_ms), [this] { return stopping_; })) {
      lock.unlock();
      try {
        Write();
      } catch (const std::exception& error) {
        // A full disk must not end the run; the next write tries again.
        std::fprintf(stderr, "sluice: warning: %s\n", error.what());
      }
      lock.lock();
    }
  });
}

RunMetricsFile::~RunMetricsFile() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  thread_.join();
}

void RunMetricsFile::Step(int seq, const StepRecord& step) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    steps_[seq] = step;
  }
  Write();
}

void RunMetricsFile::Ended(const std::string& status, const std::map<std::string, double>& metrics,
                           const std::vector<CurvePoint>& curves) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    status_ = status;
    finished_unix_ = UnixNow();
    metrics_ = metrics;
    for (const auto& point : curves) {
      auto& last = last_curve_values_[point.series];
      if (point.step + 1 >= last.first) last = {point.step + 1, point.value};
    }
  }
  Write();
}

void RunMetricsFile::Write() {
  ResourceSample now = current_();
  std::string text;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    text = Render(now);
  }
  WritePrometheusFile(path_, text);
}

std::string RunMetricsFile::Render(const ResourceSample& now) const {
  const MetricLabels run{{"pipeline", pipeline_}, {"run_id", run_id_}};
  PrometheusText out;
  out.Family("sluice_run_info", "gauge", "A sluice run (1); its attempt in a label.")
      .Sample({{"pipeline", pipeline_}, {"run_id", run_id_}, {"attempt", std::to_string(attempt_)}}, 1);
  out.Family("sluice_run_start_time_seconds", "gauge", "When the run's attempt started, Unix seconds.").Sample(run, start_unix_);
  out.Family("sluice_run_status", "gauge", "The run's status: 1 for the current one.");
  for (const char* status : {"running", "succeeded", "failed", "interrupted"}) {
    MetricLabels labels = run;
    labels.emplace_back("status", status);
    out.Sample(labels, status_ == status ? 1 : 0);
  }
  const double end = finished_unix_ > 0 ? finished_unix_ : UnixNow();
  out.Family("sluice_run_duration_seconds", "gauge", "Seconds since the attempt started, or its length once ended.")
      .Sample(run, end - start_unix_);
  out.Family("sluice_process_cpu_seconds_total", "counter", "CPU seconds of the run and the step processes it started.")
      .Sample(run, now.cpu_seconds);
  out.Family("sluice_process_resident_memory_bytes", "gauge", "Resident memory now.").Sample(run, static_cast<double>(now.rss_bytes));
  out.Family("sluice_process_read_bytes_total", "counter", "Bytes read through read calls.").Sample(run, static_cast<double>(now.read_bytes));
  out.Family("sluice_process_written_bytes_total", "counter", "Bytes written through write calls.")
      .Sample(run, static_cast<double>(now.write_bytes));

  auto step_labels = [&](const StepRecord& step, int seq) {
    MetricLabels labels = run;
    labels.emplace_back("step", step.name);
    labels.emplace_back("seq", std::to_string(seq));
    labels.emplace_back("status", step.status);
    return labels;
  };
  struct StepFamily {
    const char* name;
    const char* help;
    double (*value)(const StepRecord&, double);
  };
  const StepFamily families[] = {
      {"sluice_step_duration_seconds", "A step's wall time (so far, while it runs).",
       [](const StepRecord& s, double now_unix) { return (s.finished > 0 ? s.finished : now_unix) - s.started; }},
      {"sluice_step_cpu_seconds", "A finished step's CPU seconds.", [](const StepRecord& s, double) { return s.use.cpu_seconds; }},
      {"sluice_step_peak_resident_memory_bytes", "A finished step's peak resident memory.",
       [](const StepRecord& s, double) { return static_cast<double>(s.use.peak_rss_bytes); }},
      {"sluice_step_read_bytes", "Bytes a finished step read.", [](const StepRecord& s, double) { return static_cast<double>(s.use.read_bytes); }},
      {"sluice_step_written_bytes", "Bytes a finished step wrote.",
       [](const StepRecord& s, double) { return static_cast<double>(s.use.write_bytes); }},
  };
  const double now_unix = UnixNow();
  for (const auto& family : families) {
    if (steps_.empty()) break;
    out.Family(family.name, "gauge", family.help);
    for (const auto& [seq, step] : steps_) out.Sample(step_labels(step, seq), family.value(step, now_unix));
  }
  if (!metrics_.empty()) {
    out.Family("sluice_model_metric", "gauge", "The run's metrics: test-split scores, best validation score, rows, seconds.");
    for (const auto& [name, value] : metrics_) {
      MetricLabels labels = run;
      labels.emplace_back("metric", name);
      out.Sample(labels, value);
    }
  }
  if (!last_curve_values_.empty()) {
    out.Family("sluice_training_last_value", "gauge", "A training curve's last value (train-rmse, valid-loss...).");
    for (const auto& [series, last] : last_curve_values_) {
      MetricLabels labels = run;
      labels.emplace_back("series", series);
      out.Sample(labels, last.second);
    }
    out.Family("sluice_training_rounds", "gauge", "Rounds (epochs) a training curve has.");
    for (const auto& [series, last] : last_curve_values_) {
      MetricLabels labels = run;
      labels.emplace_back("series", series);
      out.Sample(labels, last.first);
    }
  }
  return out.text();
}

}  // namespace sluice
