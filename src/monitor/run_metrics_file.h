#pragma once
// `--metrics-file PATH`: a run's metrics in the Prometheus text format, for
// node-exporter's textfile collector (point it at the folder) or any
// scraper of files. Rewritten atomically when a step starts or ends, when
// the run ends, and every few seconds in between with the process's
// current CPU, memory and I/O, so a scrape sees a long step progress.
//
// Families (labels: pipeline, run_id; steps also step, attempt, status):
// sluice_run_info, sluice_run_start_time_seconds, sluice_run_status (one
// sample per status, 1 for the current), sluice_run_duration_seconds,
// sluice_process_cpu_seconds_total, sluice_process_resident_memory_bytes,
// sluice_process_read_bytes_total, sluice_process_written_bytes_total,
// sluice_step_duration_seconds, sluice_step_cpu_seconds,
// sluice_step_peak_resident_memory_bytes, sluice_step_read_bytes,
// sluice_step_written_bytes, sluice_model_metric{metric}, and
// sluice_training_last_value{series} with sluice_training_rounds{series}.

#include <condition_variable>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <thread>

#include "monitor/resource_sampler.h"
#include "monitor/step_record.h"

namespace sluice {

class RunMetricsFile {
 public:
  // `current` gives the process's use now (called from the refresh thread).
  RunMetricsFile(std::string path, std::string run_id, std::string pipeline, int attempt, double start_unix,
                 std::function<ResourceSample()> current, int refresh_ms = 5000);
  ~RunMetricsFile();
  RunMetricsFile(const RunMetricsFile&) = delete;
  RunMetricsFile& operator=(const RunMetricsFile&) = delete;

  void Step(int seq, const StepRecord& step);
  // The run ended: its status, metrics and curves; the file is final.
  void Ended(const std::string& status, const std::map<std::string, double>& metrics, const std::vector<CurvePoint>& curves);

 private:
  void Write();
  std::string Render(const ResourceSample& now) const;

  const std::string path_, run_id_, pipeline_;
  const int attempt_;
  const double start_unix_;
  std::function<ResourceSample()> current_;
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::string status_ = "running";
  double finished_unix_ = 0;
  std::map<int, StepRecord> steps_;
  std::map<std::string, double> metrics_;
  std::map<std::string, std::pair<int, double>> last_curve_values_;  // series -> (rounds, last value)
  std::thread thread_;
};

}  // namespace sluice
