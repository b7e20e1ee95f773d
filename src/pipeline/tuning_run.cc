#include "pipeline/tuning_run.h"

#include <cmath>
#include <condition_variable>
#include <cstdio>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <thread>

#include "common/atomic_file.h"
#include "common/log.h"
#include "common/error.h"
#include "common/leftover_files.h"
#include "common/format.h"
#include "common/hash.h"
#include "common/memory.h"
#include "common/progress.h"
#include "common/thread_pool.h"
#include "pipeline/run_support.h"
#include "pipeline/training_steps.h"
#include "train/metrics.h"
#include "tune/median_pruner.h"
#include "tune/search_strategy.h"
#include "tune/trial_journal.h"
#include "tune/trial_record.h"

namespace sluice {

namespace {

namespace fs = std::filesystem;

// The pipeline with a trial's values set, parsed as the file itself would be.
PipelineSpec TrialSpec(const PipelineSpec& base, const SearchSpace& space, const ParamValues& values) {
  std::vector<std::string> overrides = base.overrides;
  for (size_t index = 0; index < space.size(); ++index) {
    overrides.push_back(std::string(space.params()[index].key).append("=").append(values[index]));
  }
  PipelineSpec spec = ParsePipeline(base.text, base.file, overrides);
  spec.threads = base.threads;
  return spec;
}

// What decides a trial's prepared data: everything but the train and tune sections.
std::string PrepKey(const PipelineSpec& spec) {
  nlohmann::json prep = spec.resolved;
  for (const char* key : {"train", "tune", "output", "name", "threads", "rejects"}) prep.erase(key);
  return prep.dump();
}

// Prepared data for each distinct prep choice, prepared on first use.
class PreparedCache {
 public:
  struct Entry {
    PreparedData data;
    StagedFiles staged;  // its rejects, until the artifact takes them
  };

  PreparedCache(ThreadPool& pool, RunLog log) : pool_(pool), log_(std::move(log)) {}

  std::shared_ptr<Entry> Get(const PipelineSpec& spec) {
    std::lock_guard<std::mutex> lock(mutex_);
    auto& entry = entries_[PrepKey(spec)];
    if (!entry) {
      auto fresh = std::make_shared<Entry>();
      fresh->data = PrepareData(spec, pool_, fresh->staged, log_);
      entry = std::move(fresh);
    }
    return entry;
  }

 private:
  ThreadPool& pool_;
  RunLog log_;
  std::mutex mutex_;
  std::map<std::string, std::shared_ptr<Entry>> entries_;
};

DenseMatrix Copy(const DenseMatrix& matrix) { return matrix; }

std::string ModelDir(const std::string& work_dir, int number) {
  return work_dir + "/model-" + std::to_string(number);
}

std::string FormatScore(double score) {
  char text[32];
  std::snprintf(text, sizeof text, "%.6g", score);
  return text;
}

}  // namespace

nlohmann::json RunTuning(const PipelineSpec& spec, const RunOptions& options) {
  auto run_start = RunClock::now();
  const TuneSpec& tune = spec.tune;
  const SearchSpace& space = tune.space;
  size_t threads = spec.threads > 0 ? static_cast<size_t>(spec.threads) : ThreadPool::DefaultThreads();
  ThreadPool pool(threads);
  Progress::SetEnabled(!options.quiet);
  RunLog log = [&](const std::string& line) {
    if (options.quiet) return;
    LogInfo(line);
  };

  // What can be checked before any trial runs: the learner's parameter
  // names, and that each range end and choice gives a valid pipeline.
  auto learner = MakeLearner(spec.learner);
  CheckLearnerParams(*learner, spec);
  for (size_t index = 0; index < space.size(); ++index) {
    const SearchParam& param = space.params()[index];
    const std::string name = spec.file + ": tune.space." + param.key;
    if (param.key.rfind("train.params.", 0) == 0 && !learner->KnowsParam(param.key.substr(13))) {
      ThrowUsage(name + ": not a parameter of the " + spec.learner + " learner");
    }
    std::vector<std::string> probes = param.choices;
    if (param.kind != ParamKind::kCategorical) {
      probes = {SearchSpace::FormatValue(param, param.low), SearchSpace::FormatValue(param, param.high)};
    }
    for (const auto& value : probes) {
      try {
        ParsePipeline(spec.text, spec.file, {std::string(param.key).append("=").append(value)});
      } catch (const Error& error) {
        ThrowUsage(name + ": the value " + value + " gives an invalid pipeline: " + error.what());
      }
    }
  }
  auto strategy_options = StrategyOptions{tune.seed, tune.grid_points, tune.initial_points};
  auto strategy = MakeSearchStrategy(tune.strategy, space, strategy_options);
  int total = tune.trials > 0 ? tune.trials : 30;
  if (tune.strategy == "grid" && tune.trials == 0) total = static_cast<int>(strategy->capacity());

  // Warm start: an earlier search's trials inform this one.
  std::vector<TrialRecord> warm;
  if (!tune.warm_start.empty()) {
    std::string path = tune.warm_start;
    if (fs::is_directory(path)) path = (fs::path(path) / "trials.jsonl").string();
    int outside = 0;
    for (const auto& json : TrialJournal::ReadTrials(path)) {
      TrialRecord record;
      try {
        if (!TrialRecord::FromJson(json, space, &record)) {
          ++outside;
          continue;
        }
      } catch (const std::exception& error) {
        ThrowInputData(path + ": a trial record is malformed: " + error.what());
      }
      record.warm = true;
      warm.push_back(std::move(record));
    }
    log("tune: warm start from " + path + ": " + std::to_string(warm.size()) + " trial(s)" +
        (outside ? ", " + std::to_string(outside) + " outside this space left out" : ""));
  }

  // The data: prepared once per distinct prep choice; the file's own first,
  // whose input fingerprint keys the journal.
  CollectLeftovers(spec.output);
  PreparedCache cache(pool, log);
  options.Step("prep");
  auto base = cache.Get(spec);
  if (base->data.splits[1].num_rows() == 0) {
    ThrowUsage(spec.file + ": tune: trials are scored on the validation split, which is empty (set split.valid)");
  }
  log("prep: " + std::to_string(base->data.fitted->num_features()) + " features; train " +
      FormatCount(static_cast<int64_t>(base->data.splits[0].num_rows())) + ", valid " +
      FormatCount(static_cast<int64_t>(base->data.splits[1].num_rows())) + " rows");
  double prep_seconds = SecondsSince(run_start);

  // The journal: the same search (pipeline and data; trial count and
  // parallelism may change) carries on from its finished trials.
  const std::string work_dir = fs::absolute(spec.output).string() + ".tune";
  nlohmann::json key_source = spec.resolved;
  if (key_source.contains("tune")) {
    for (const char* loose : {"trials", "parallel"}) key_source["tune"].erase(loose);
  }
  FingerprintBuilder key;
  key.Add(key_source.dump());
  key.Add(base->data.data.value("fingerprint", ""));
  bool replaced = false;
  TrialJournal journal(work_dir + "/trials.jsonl", key.Hex(), &replaced);
  if (replaced) log("tune: " + journal.path() + " was another search's; starting afresh");
  std::vector<TrialRecord> records;
  for (const auto& json : journal.trials()) {
    TrialRecord record;
    if (!TrialRecord::FromJson(json, space, &record)) ThrowInternal(journal.path() + ": a trial outside its own space");
    records.push_back(std::move(record));
  }
  const int resumed = static_cast<int>(records.size());
  if (resumed > 0) {
    log("tune: resuming: " + std::to_string(resumed) + " trial(s) recorded in " + journal.path() +
        (journal.dropped_lines() ? " (a line cut short by the kill dropped)" : ""));
  }

  // The search's shared state, guarded by `mutex`.
  std::mutex mutex;
  SearchHistory history;
  for (const auto& record : warm) history.done.push_back({record.values, record.Loss()});
  std::map<int, ParamValues> running;
  MedianPruner pruner(tune.early_stopping_warmup > 0 ? tune.early_stopping_warmup : std::max(1, spec.train.rounds / 4),
                      tune.early_stopping_min_trials);
  int best_number = -1;
  double best_loss = INFINITY;
  auto note_finished = [&](const TrialRecord& record) {
    history.done.push_back({record.values, record.Loss()});
    if (record.status == TrialStatus::kOk) {
      std::vector<double> losses = record.curve;
      if (record.higher_is_better) {
        for (auto& value : losses) value = -value;
      }
      pruner.AddFinished(losses);
    }
  };
  for (const auto& record : records) {
    note_finished(record);
    if (record.status == TrialStatus::kOk && record.Loss() < best_loss) {
      best_loss = record.Loss();
      best_number = record.number;
    }
  }
  // Models of trials that are no longer the best (a kill between saving a
  // better one and removing the old) go.
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(work_dir, ec)) {
    if (entry.path().filename().string().rfind("model-", 0) == 0 && entry.path().string() != ModelDir(work_dir, best_number)) {
      fs::remove_all(entry.path(), ec);
    }
  }
  int next_number = 1;
  for (const auto& record : records) next_number = std::max(next_number, record.number + 1);
  int launched = static_cast<int>(records.size());
  bool exhausted = false;

  const int parallel = std::max(1, std::min(tune.parallel, std::max(1, total - launched)));
  const int trial_threads = std::max(1, static_cast<int>(threads) / parallel);
  if (launched < total) {
    log("tune: " + tune.strategy + " search, " + std::to_string(total - launched) + " trial(s) to run" +
        (parallel > 1 ? ", " + std::to_string(parallel) + " at a time with " + std::to_string(trial_threads) + " thread(s) each"
                      : ""));
  }

  auto run_trial = [&](int number, const ParamValues& values) {
    TrialRecord record;
    record.number = number;
    record.values = values;
    record.threads = trial_threads;
    auto start = RunClock::now();
    std::unique_ptr<Model> model;
    try {
      PipelineSpec trial_spec = TrialSpec(spec, space, values);
      auto prepared = cache.Get(trial_spec);
      TrainConfig config = trial_spec.train;
      config.threads = trial_threads;
      config.num_classes = static_cast<int>(prepared->data.fitted->labels().size());
      config.stop_requested = options.stop_requested;
      config.checkpoints = nullptr;
      config.checkpoint_every = 0;
      double best_so_far = INFINITY;
      if (tune.early_stopping == "median") {
        config.prune = [&](const RoundReport& report) {
          double loss = MetricHigherIsBetter(report.metric) ? -report.valid_value : report.valid_value;
          best_so_far = std::min(best_so_far, loss);
          std::lock_guard<std::mutex> lock(mutex);
          return pruner.ShouldPrune(report.round, best_so_far);
        };
      }
      auto observer = [&](const RoundReport& report) {
        if (!report.has_valid) return;
        record.metric = report.metric;
        record.curve.push_back(report.valid_value);
      };
      model = MakeLearner(trial_spec.learner)
                  ->Train(Copy(prepared->data.splits[0]), Copy(prepared->data.splits[1]), config, observer);
      nlohmann::json facts = model->Describe();
      record.higher_is_better = MetricHigherIsBetter(record.metric);
      record.rounds = facts.value("trees", static_cast<int>(record.curve.size()));
      // The score of the model as kept: its best round when early stopping sliced it, else its last.
      record.score = facts.value("stopped_early", false) ? facts.value("best_valid_value", NAN)
                                                          : (record.curve.empty() ? NAN : record.curve.back());
      record.status = facts.value("pruned", false) ? TrialStatus::kPruned : TrialStatus::kOk;
      if (!std::isfinite(record.score)) {
        record.status = TrialStatus::kFailed;
        record.error = "the validation " + (record.metric.empty() ? std::string("metric") : record.metric) + " is " +
                       (record.curve.empty() ? "missing" : FormatScore(record.score));
      }
    } catch (const Error& error) {
      if (error.kind() == ErrorKind::kInterrupted) throw;
      record.status = TrialStatus::kFailed;
      record.error = error.what();
    } catch (const std::exception& error) {
      record.status = TrialStatus::kFailed;
      record.error = error.what();
    }
    if (record.status == TrialStatus::kFailed) record.score = NAN;
    record.seconds = SecondsSince(start);
    {
      std::lock_guard<std::mutex> lock(mutex);
      running.erase(number);
      const bool new_best = record.status == TrialStatus::kOk && record.Loss() < best_loss;
      if (new_best) {
        // The model first, then the journal line that makes it the best:
        // a kill between the two leaves a model no record points to, removed on resume.
        std::string dir = ModelDir(work_dir, number);
        fs::remove_all(dir, ec);
        fs::create_directories(dir);
        WriteFileAtomically(dir + "/saved.json", model->Save(dir).dump());
      }
      journal.Append(record.ToJson(space));
      if (new_best) {
        if (best_number >= 0) fs::remove_all(ModelDir(work_dir, best_number), ec);
        best_loss = record.Loss();
        best_number = number;
      }
      records.push_back(record);
      note_finished(record);
    }
    std::string line = "tune: trial " + std::to_string(number) + "/" + std::to_string(total) + " " +
                       TrialStatusName(record.status) + "  " + space.Describe(values);
    if (record.status != TrialStatus::kFailed) {
      line += "  valid-" + record.metric + " " + FormatScore(record.score) + " (" + std::to_string(record.rounds) + " rounds)";
    } else {
      line += "  " + record.error;
    }
    char seconds[32];
    std::snprintf(seconds, sizeof seconds, "  %.2f s", record.seconds);
    log(line + seconds);
  };

  std::exception_ptr failure;
  auto worker = [&]() {
    for (;;) {
      int number;
      ParamValues values;
      {
        std::lock_guard<std::mutex> lock(mutex);
        if (failure || exhausted || launched >= total) return;
        if (options.stop_requested && options.stop_requested->load()) return;
        history.pending.clear();
        for (const auto& [running_number, running_values] : running) history.pending.push_back(running_values);
        auto proposal = strategy->Propose(history, next_number - 1);
        if (!proposal) {
          exhausted = true;
          return;
        }
        number = next_number++;
        ++launched;
        values = *proposal;
        running[number] = values;
      }
      try {
        run_trial(number, values);
      } catch (...) {
        std::lock_guard<std::mutex> lock(mutex);
        if (!failure) failure = std::current_exception();
        return;
      }
    }
  };
  auto search_start = RunClock::now();
  options.Step("tune");
  {
    std::vector<std::thread> workers;
    for (int slot = 0; slot < parallel; ++slot) workers.emplace_back(worker);
    for (auto& thread : workers) thread.join();
  }
  double search_seconds = SecondsSince(search_start);
  if (failure) {
    try {
      std::rethrow_exception(failure);
    } catch (const Error& error) {
      if (error.kind() == ErrorKind::kInterrupted) {
        ThrowInterrupted("tuning stopped by a signal; " + std::to_string(records.size()) + " finished trial(s) kept in " +
                         journal.path() + " (run the same command again to resume)");
      }
      throw;
    }
  }
  if (options.stop_requested && options.stop_requested->load() && launched < total) {
    ThrowInterrupted("tuning stopped by a signal; " + std::to_string(records.size()) + " finished trial(s) kept in " +
                     journal.path() + " (run the same command again to resume)");
  }
  if (exhausted) log("tune: the space has no untried point left after " + std::to_string(records.size()) + " trial(s)");
  std::sort(records.begin(), records.end(), [](const TrialRecord& a, const TrialRecord& b) { return a.number < b.number; });
  if (best_number < 0) {
    std::string first_error;
    for (const auto& record : records) {
      if (!record.error.empty()) {
        first_error = "; trial " + std::to_string(record.number) + ": " + record.error;
        break;
      }
    }
    ThrowUsage("tune: no trial finished with a score (" + std::to_string(records.size()) + " trial(s))" + first_error);
  }

  // The best trial's model, evaluated on the test split of its own prep, is the artifact.
  const TrialRecord* best = nullptr;
  for (const auto& record : records) {
    if (record.number == best_number) best = &record;
  }
  PipelineSpec best_spec = TrialSpec(spec, space, best->values);
  auto best_data = cache.Get(best_spec);
  std::string model_dir = ModelDir(work_dir, best_number);
  auto best_model = learner->Load(model_dir, nlohmann::json::parse(ReadFileToString(model_dir + "/saved.json")));

  int counts[3] = {0, 0, 0};
  for (const auto& record : records) ++counts[static_cast<int>(record.status)];
  nlohmann::json trials_json = nlohmann::json::array();
  for (const auto& record : warm) trials_json.push_back(record.ToJson(space));
  for (const auto& record : records) trials_json.push_back(record.ToJson(space));
  nlohmann::json tuning = {
      {"strategy", tune.strategy},
      {"trials_run", records.size()},
      {"ok", counts[0]},
      {"pruned", counts[1]},
      {"failed", counts[2]},
      {"warm_trials", warm.size()},
      {"resumed_trials", resumed},
      {"parallel", parallel},
      {"threads_per_trial", trial_threads},
      {"best_trial", best_number},
      {"best_params", space.ToJson(best->values)},
      {"metric", best->metric},
      {"best_score", best->score},
      {"seconds", search_seconds},
  };
  std::vector<TrialRecord> table_rows = warm;
  table_rows.insert(table_rows.end(), records.begin(), records.end());
  std::string table = FormatTrialTable(space, table_rows, best_number);

  nlohmann::json curve = nlohmann::json::array();
  for (size_t round = 0; round < best->curve.size(); ++round) {
    curve.push_back({{"round", round}, {best->metric, best->curve[round]}});
  }
  StagedFiles staged;
  std::string staged_trials = staged.Add(work_dir + "/trials-artifact.jsonl");
  {
    std::string text = ReadFileToString(journal.path());
    WriteFileAtomically(staged_trials, text);
  }
  Task task = learner->TaskOf(best_spec.train.params);
  best_spec.output = spec.output;
  FinishedTraining trained{best_model.get(), task, static_cast<size_t>(trial_threads), curve,
                           {{"tuning", tuning}}, {{"trials.jsonl", staged_trials}}};
  options.Step("evaluate");
  nlohmann::json summary = EvaluateAndSave(best_spec, best_data->data, trained, staged);
  fs::remove_all(work_dir, ec);
  summary["curves"] = {{"valid-" + best->metric, best->curve}};

  tuning["table"] = table;
  tuning["trials"] = trials_json;
  summary["tuning"] = tuning;
  summary["seconds"]["read_fit"] = best_data->data.read_fit_seconds;
  summary["seconds"]["apply"] = best_data->data.apply_seconds;
  summary["seconds"]["prep"] = prep_seconds;
  summary["seconds"]["train"] = search_seconds;
  summary["seconds"]["total"] = SecondsSince(run_start);
  summary["peak_rss_bytes"] = static_cast<double>(PeakRssBytes());
  return summary;
}

}  // namespace sluice
