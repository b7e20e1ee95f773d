#include "pipeline/training_run.h"

#include <unistd.h>

#include <cstdio>
#include <filesystem>

#include "common/error.h"
#include "common/format.h"
#include "common/hash.h"
#include "common/progress.h"
#include "common/thread_pool.h"
#include "pipeline/run_support.h"
#include "pipeline/training_steps.h"
#include "train/checkpoint_store.h"

namespace sluice {

namespace fs = std::filesystem;

nlohmann::json RunTraining(const PipelineSpec& spec, const RunOptions& options) {
  auto run_start = RunClock::now();
  size_t threads = spec.threads > 0 ? static_cast<size_t>(spec.threads) : ThreadPool::DefaultThreads();
  ThreadPool pool(threads);
  Progress::SetEnabled(!options.quiet);
  auto log = [&](const std::string& line) {
    if (!options.quiet) std::fprintf(stderr, "%s\n", line.c_str());
  };
  auto learner = MakeLearner(spec.learner);
  Task task = learner->TaskOf(spec.train.params);
  CheckLearnerParams(*learner, spec);

  StagedFiles staged;
  PreparedData prepared = PrepareData(spec, pool, staged, log);
  const FittedPrep& fitted = *prepared.fitted;
  DenseMatrix* matrices = prepared.splits;
  const size_t num_features = fitted.num_features();
  const int64_t split_rows[3] = {static_cast<int64_t>(matrices[0].num_rows()), static_cast<int64_t>(matrices[1].num_rows()),
                                 static_cast<int64_t>(matrices[2].num_rows())};
  log("prep: " + std::to_string(num_features) + " features; train " + FormatCount(split_rows[0]) + ", valid " +
      FormatCount(split_rows[1]) + ", test " + FormatCount(split_rows[2]) + " rows");

  // Train, from the newest matching checkpoint if a killed run left one.
  auto train_start = RunClock::now();
  TrainConfig config = spec.train;
  config.threads = static_cast<int>(threads);
  config.stop_requested = options.stop_requested;
  if (options.stop_requested && options.stop_requested->load()) {
    ThrowInterrupted("stopped by a signal before training started");
  }
  std::unique_ptr<CheckpointStore> checkpoints;
  if (config.checkpoint_every > 0) {
    // The key: what makes a checkpoint this training's — the pipeline as
    // resolved, the data's fingerprint, the thread count.
    FingerprintBuilder key;
    key.Add(spec.resolved.dump());
    key.Add(prepared.data.value("fingerprint", ""));
    key.Add(std::to_string(threads));
    checkpoints = std::make_unique<CheckpointStore>(fs::absolute(spec.output).string() + ".checkpoints", key.Hex(),
                                                    spec.checkpoint_keep);
    int skipped = 0;
    if (auto latest = checkpoints->Latest(&skipped)) {
      log("train: resuming from " + latest->path + " (" + std::to_string(latest->progress) + " of " +
          std::to_string(config.rounds) + " rounds done)");
    } else if (skipped > 0) {
      log("train: " + std::to_string(skipped) + " checkpoint(s) in " + checkpoints->dir() +
          " are for other data, parameters or threads; starting from round 1");
    }
    config.checkpoints = checkpoints.get();
  }
  bool terminal = ::isatty(STDERR_FILENO) != 0;
  nlohmann::json curve = nlohmann::json::array();
  auto observer = [&](const RoundReport& report) {
    if (report.has_valid) curve.push_back({{"round", report.round}, {report.metric, report.valid_value}});
    if (options.quiet || report.replayed) return;
    bool last = report.round + 1 == config.rounds;
    std::string line = "train: round " + std::to_string(report.round + 1) + "/" + std::to_string(config.rounds);
    if (report.has_valid) {
      char value[32];
      std::snprintf(value, sizeof value, "%.6g", report.valid_value);
      line += "  valid-" + report.metric + " " + value;
    }
    if (terminal) {
      std::fprintf(stderr, "\r\033[K%s%s", line.c_str(), last ? "\n" : "");
    } else if (report.round % 10 == 0 || last) {
      std::fprintf(stderr, "%s\n", line.c_str());
    }
  };
  auto model = learner->Train(std::move(matrices[0]), std::move(matrices[1]), config, observer);
  if (terminal && !options.quiet) std::fprintf(stderr, "\r\033[K");
  if (checkpoints) checkpoints->Clear();
  double train_seconds = SecondsSince(train_start);

  FinishedTraining trained{model.get(), task, threads, curve, nlohmann::json::object(), {}};
  nlohmann::json summary = EvaluateAndSave(spec, prepared, trained, staged);
  summary["seconds"]["read_fit"] = prepared.read_fit_seconds;
  summary["seconds"]["apply"] = prepared.apply_seconds;
  summary["seconds"]["train"] = train_seconds;
  summary["seconds"]["total"] = SecondsSince(run_start);
  return summary;
}

}  // namespace sluice
