#include "pipeline/tuning_run.h"

#include <chrono>
#include <cmath>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <thread>

#include "cluster/communicator.h"
#include "common/atomic_file.h"
#include "common/log.h"
#include "common/error.h"
#include "common/leftover_files.h"
#include "common/format.h"
#include "common/hash.h"
#include "common/memory.h"
#include "common/progress.h"
#include "common/thread_pool.h"
#include "train/learner.h"
#include "pipeline/run_support.h"
#include "pipeline/training_steps.h"
#include "train/metrics.h"
#include "tune/median_pruner.h"
#include "tune/parallel_trials.h"
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
      // Whole on every rank: each runs whole trials by itself.
      fresh->data = PrepareData(spec, pool_, fresh->staged, log_, /*shard=*/false);
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


// A worker's training data, kept from trial to trial: the next trial on the
// same prepared data and data key (only learner parameters changed) trains
// on it instead of building it again.
struct WorkerData {
  std::shared_ptr<PreparedCache::Entry> prepared;
  std::string key;
  std::unique_ptr<TrainingData> data;
};

// One search, stage by stage: check the space, read a warm start, prepare
// the data, open (or resume) the journal, run the trials, make the best
// trial's model the artifact. Trials run on `parallel` workers; the state
// they share is guarded by mutex_.
class TuningSearch {
 public:
  TuningSearch(const PipelineSpec& spec, const RunOptions& options)
      : spec_(spec),
        options_(options),
        tune_(spec.tune),
        space_(spec.tune.space),
        threads_(spec.threads > 0 ? static_cast<size_t>(spec.threads) : ThreadPool::DefaultThreads()),
        pool_(threads_),
        log_([quiet = options.quiet](const std::string& line) {
          if (!quiet) LogInfo(line);
        }),
        cache_(pool_, log_),
        work_dir_(fs::absolute(spec.output).string() + ".tune") {}

  // Under MPI rank 0 runs the search (the strategy, the journal, the
  // artifact) and trials of its own, and hands further trials to the other
  // ranks as they free up, each of which has prepared the whole source and
  // runs one trial at a time with all its threads.
  RunSummary Run() {
    run_start_ = RunClock::now();
    Progress::SetEnabled(!options_.quiet);
    CheckSpace();
    if (lead_) ReadWarmStart();
    PrepareBaseData();
    if (!lead_) {
      ServeTrials();
      return RunSummary();
    }
    OpenJournal();
    Search();
    return MakeArtifact();
  }

 private:
  // What can be checked before any trial runs: the learner's parameter
  // names, and that each range end and choice gives a valid pipeline.
  void CheckSpace() {
    learner_ = MakeLearner(spec_.learner);
    CheckLearnerParams(*learner_, spec_);
    for (size_t index = 0; index < space_.size(); ++index) {
      const SearchParam& param = space_.params()[index];
      const std::string name = spec_.file + ": tune.space." + param.key;
      if (param.key.rfind("train.params.", 0) == 0 && !learner_->KnowsParam(param.key.substr(13))) {
        ThrowUsage(name + ": not a parameter of the " + spec_.learner + " learner");
      }
      std::vector<std::string> probes = param.choices;
      if (param.kind != ParamKind::kCategorical) {
        probes = {SearchSpace::FormatValue(param, param.low), SearchSpace::FormatValue(param, param.high)};
      }
      for (const auto& value : probes) {
        try {
          ParsePipeline(spec_.text, spec_.file, {std::string(param.key).append("=").append(value)});
        } catch (const Error& error) {
          ThrowUsage(name + ": the value " + value + " gives an invalid pipeline: " + error.what());
        }
      }
    }
    strategy_ = MakeSearchStrategy(tune_.strategy, space_, StrategyOptions{tune_.seed, tune_.grid_points, tune_.initial_points});
    total_ = tune_.trials > 0 ? tune_.trials : 30;
    if (tune_.strategy == "grid" && tune_.trials == 0) total_ = static_cast<int>(strategy_->capacity());
  }

  // Warm start: an earlier search's trials inform this one.
  void ReadWarmStart() {
    if (tune_.warm_start.empty()) return;
    std::string path = tune_.warm_start;
    if (fs::is_directory(path)) path = (fs::path(path) / "trials.jsonl").string();
    int outside = 0;
    for (const auto& json : TrialJournal::ReadTrials(path)) {
      TrialRecord record;
      try {
        if (!TrialRecord::FromJson(json, space_, &record)) {
          ++outside;
          continue;
        }
      } catch (const std::exception& error) {
        ThrowInputData(path + ": a trial record is malformed: " + error.what());
      }
      record.warm = true;
      warm_.push_back(std::move(record));
    }
    log_("tune: warm start from " + path + ": " + std::to_string(warm_.size()) + " trial(s)" +
         (outside ? ", " + std::to_string(outside) + " outside this space left out" : ""));
    for (const auto& record : warm_) history_.done.push_back({record.values, record.Loss()});
  }

  // The data: prepared once per distinct prep choice; the file's own first,
  // whose input fingerprint keys the journal.
  void PrepareBaseData() {
    if (lead_) CollectLeftovers(spec_.output);
    options_.Step("prep");
    base_ = cache_.Get(spec_);
    if (base_->data.splits[1].num_rows() == 0) {
      ThrowUsage(spec_.file + ": tune: trials are scored on the validation split, which is empty (set split.valid)");
    }
    log_("prep: " + std::to_string(base_->data.fitted->num_features()) + " features; train " +
         FormatCount(static_cast<int64_t>(base_->data.splits[0].num_rows())) + ", valid " +
         FormatCount(static_cast<int64_t>(base_->data.splits[1].num_rows())) + " rows");
    prep_seconds_ = SecondsSince(run_start_);
  }

  // The journal: the same search (pipeline and data; trial count and
  // parallelism may change) carries on from its finished trials.
  void OpenJournal() {
    nlohmann::json key_source = spec_.resolved;
    if (key_source.contains("tune")) {
      for (const char* loose : {"trials", "parallel"}) key_source["tune"].erase(loose);
    }
    FingerprintBuilder key;
    key.Add(key_source.dump());
    key.Add(base_->data.data.value("fingerprint", ""));
    bool replaced = false;
    journal_ = std::make_unique<TrialJournal>(work_dir_ + "/trials.jsonl", key.Hex(), &replaced);
    if (replaced) log_("tune: " + journal_->path() + " was another search's; starting afresh");
    for (const auto& json : journal_->trials()) {
      TrialRecord record;
      if (!TrialRecord::FromJson(json, space_, &record)) ThrowInternal(journal_->path() + ": a trial outside its own space");
      records_.push_back(std::move(record));
    }
    resumed_ = static_cast<int>(records_.size());
    if (resumed_ > 0) {
      log_("tune: resuming: " + std::to_string(resumed_) + " trial(s) recorded in " + journal_->path() +
           (journal_->dropped_lines() ? " (a line cut short by the kill dropped)" : ""));
    }
    for (const auto& record : records_) {
      NoteFinished(record);
      if (record.status == TrialStatus::kOk && record.Loss() < best_loss_) {
        best_loss_ = record.Loss();
        best_number_ = record.number;
      }
      recorded_.insert(record.number);
      values_[record.number] = record.values;
    }
    // Models of trials that are no longer the best (a kill between saving a
    // better one and removing the old) go.
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator(work_dir_, ec)) {
      if (entry.path().filename().string().rfind("model-", 0) == 0 &&
          entry.path().string() != ModelDir(work_dir_, best_number_)) {
        fs::remove_all(entry.path(), ec);
      }
    }
    launched_ = static_cast<int>(records_.size());
  }

  void NoteFinished(const TrialRecord& record) {
    history_.done.push_back({record.values, record.Loss()});
    if (record.status != TrialStatus::kOk) return;
    finished_losses_.push_back(Losses(record));  // for the other ranks' pruners
  }

  // A finished trial's validation curve as losses (minimised).
  static std::vector<double> Losses(const TrialRecord& record) {
    std::vector<double> losses = record.curve;
    if (record.higher_is_better) {
      for (auto& value : losses) value = -value;
    }
    return losses;
  }

  void Search() {
    // The workers come from the whole search (not the trials left), so a
    // resumed search proposes with the lag and threads the first one had.
    int workers = tune_.parallel;
    if (workers == 0) {
      workers = job_.size() > 1 ? 1
                                : AutoParallelTrials({tune_.strategy, total_, static_cast<int>(threads_), WorkerBytes(),
                                                      PhysicalMemoryBytes()});
    }
    trial_threads_ = std::max(1, static_cast<int>(threads_) / workers);
    // Under MPI trials finish on other ranks in an order no rank decides:
    // proposals there see what has finished when they are made.
    lag_ = job_.size() > 1 ? -1 : ProposalLag(workers);
    parallel_ = std::max(1, std::min(workers, std::max(1, total_ - launched_)));
    if (launched_ < total_) {
      log_("tune: " + tune_.strategy + " search, " + std::to_string(total_ - launched_) + " trial(s) to run" +
           (parallel_ > 1 ? ", " + std::to_string(parallel_) + " at a time with " + std::to_string(trial_threads_) +
                                " thread(s) each"
                          : ""));
    }
    auto search_start = RunClock::now();
    options_.Step("tune");
    if (job_.size() > 1) {
      log_("tune: and " + std::to_string(job_.size() - 1) + " other MPI rank(s), one trial at a time each");
    }
    {
      std::vector<std::thread> workers;
      for (int slot = 0; slot < parallel_; ++slot) workers.emplace_back([this] { Work(); });
      // MPI from this thread alone (the plugin's threading level).
      if (job_.size() > 1) CoordinateRanks();
      for (auto& thread : workers) thread.join();
    }
    search_seconds_ = SecondsSince(search_start);
    if (failure_) {
      try {
        std::rethrow_exception(failure_);
      } catch (const Error& error) {
        if (error.kind() == ErrorKind::kInterrupted) ThrowStopped();
        throw;
      }
    }
    if (options_.stop_requested && options_.stop_requested->load() && launched_ < total_) ThrowStopped();
    if (exhausted_) log_("tune: the space has no untried point left after " + std::to_string(records_.size()) + " trial(s)");
    std::sort(records_.begin(), records_.end(),
              [](const TrialRecord& a, const TrialRecord& b) { return a.number < b.number; });
    if (best_number_ < 0) {
      std::string first_error;
      for (const auto& record : records_) {
        if (!record.error.empty()) {
          first_error = "; trial " + std::to_string(record.number) + ": " + record.error;
          break;
        }
      }
      ThrowUsage("tune: no trial finished with a score (" + std::to_string(records_.size()) + " trial(s))" + first_error);
    }
  }

  [[noreturn]] void ThrowStopped() const {
    ThrowInterrupted("tuning stopped by a signal; " + std::to_string(records_.size()) + " finished trial(s) kept in " +
                     journal_->path() + " (run the same command again to resume)");
  }

  // One worker's training data, estimated for tune.parallel: auto (the
  // float copies of train and valid it starts from, twice over for what
  // the learner builds from them).
  uint64_t WorkerBytes() const {
    uint64_t bytes = 0;
    for (size_t split = 0; split < 2; ++split) bytes += base_->data.splits[split].size_bytes();
    return 2 * bytes;
  }

  struct Launch {
    int number;
    ParamValues values;
    MedianPruner pruner;  // the finished trials this one is compared with
  };

  bool Stopping() const {
    return failure_ || exhausted_ || (options_.stop_requested && options_.stop_requested->load());
  }

  // The next trial to launch, under `lock` on mutex_; none once the trials
  // are all launched, the space is exhausted, a stop is asked or a trial
  // threw. Numbers a killed search left unfinished come first. With a lag
  // (tune/parallel_trials.h) it waits until every trial below number - lag
  // has finished and every lower number has its proposal (a worker may be
  // waiting with one), and proposes from those alone.
  std::optional<Launch> NextTrial(std::unique_lock<std::mutex>& lock) {
    if (Stopping() || launched_ >= total_) return std::nullopt;
    while (recorded_.count(next_number_)) ++next_number_;
    const int number = next_number_++;
    ++launched_;
    unproposed_.insert(number);
    auto give_back = [&] {
      --launched_;
      unproposed_.erase(number);
      finished_.notify_all();
      return std::nullopt;
    };
    SearchHistory view;
    MedianPruner pruner = FreshPruner();
    if (lag_ >= 0) {
      const int seen_below = number - lag_;
      auto waits = [&] {
        return *unproposed_.begin() < number || (!running_.empty() && running_.begin()->first < seen_below);
      };
      while (!Stopping() && waits()) finished_.wait_for(lock, std::chrono::milliseconds(100));
      if (Stopping()) return give_back();
      for (const auto& record : warm_) view.done.push_back({record.values, record.Loss()});
      std::vector<const TrialRecord*> seen;
      for (const auto& record : records_) {
        if (record.number < seen_below) seen.push_back(&record);
      }
      std::sort(seen.begin(), seen.end(), [](const TrialRecord* a, const TrialRecord* b) { return a->number < b->number; });
      for (const TrialRecord* record : seen) {
        view.done.push_back({record->values, record->Loss()});
        if (record->status == TrialStatus::kOk) pruner.AddFinished(Losses(*record));
      }
      for (int earlier = std::max(1, seen_below); earlier < number; ++earlier) {
        auto values = values_.find(earlier);
        if (values != values_.end()) view.pending.push_back(values->second);
      }
    } else {
      view.done = history_.done;
      for (const auto& [running_number, running_values] : running_) view.pending.push_back(running_values);
      for (const auto& losses : finished_losses_) pruner.AddFinished(losses);
    }
    auto proposal = strategy_->Propose(view, number - 1);
    if (!proposal) {
      exhausted_ = true;
      return give_back();
    }
    running_[number] = *proposal;
    values_[number] = *proposal;
    unproposed_.erase(number);
    finished_.notify_all();
    return Launch{number, *proposal, std::move(pruner)};
  }

  // A worker: proposes a trial, runs it, and again, until NextTrial has none.
  void Work() {
    WorkerData kept;
    for (;;) {
      std::optional<Launch> next;
      {
        std::unique_lock<std::mutex> lock(mutex_);
        next = NextTrial(lock);
      }
      if (!next) return;
      try {
        std::unique_ptr<Model> model;
        TrialRecord record = RunTrial(next->number, next->values, next->pruner, kept, &model);
        Record(record, model.get());
        LogTrial(record);
      } catch (...) {
        std::lock_guard<std::mutex> lock(mutex_);
        if (!failure_) failure_ = std::current_exception();
        finished_.notify_all();
        return;
      }
    }
  }

  // Rank 0's side of the other ranks: a trial to each, and to each that
  // reports one finished the next, until there are none; then "stop" to
  // all. A rank busy with a trial says it is alive every second; one silent
  // for SLUICE_MPI_TIMEOUT seconds is lost (only a job started with mpirun
  // --enable-recovery lives on to notice): its trial fails, the search goes on.
  void CoordinateRanks() {
    struct Busy {
      int trial;
      RunClock::time_point started, heard;
    };
    const double silence = RankSilenceSeconds();
    std::map<int, Busy> busy;
    std::vector<int> idle, lost;
    auto assign = [&](int rank) {
      if (auto trial = Assign(rank)) {
        busy[rank] = {*trial, RunClock::now(), RunClock::now()};
      } else {
        idle.push_back(rank);
      }
    };
    for (int rank = 1; rank < job_.size(); ++rank) assign(rank);
    while (!busy.empty()) {
      auto message = job_.Poll(-1);
      if (!message) {
        for (auto it = busy.begin(); it != busy.end();) {
          if (SecondsSince(it->second.heard) <= silence) {
            ++it;
            continue;
          }
          FailLostTrial(it->first, it->second.trial, silence, SecondsSince(it->second.started));
          lost.push_back(it->first);
          job_.RankLost(it->first);
          it = busy.erase(it);
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
        continue;
      }
      const int from = message->first;
      auto entry = busy.find(from);
      if (entry == busy.end()) continue;  // a rank already given up as lost
      const nlohmann::json said = nlohmann::json::parse(message->second);
      if (said.contains("alive")) {
        entry->second.heard = RunClock::now();
        continue;
      }
      busy.erase(entry);
      if (said.contains("interrupted")) {
        std::lock_guard<std::mutex> lock(mutex_);
        if (!failure_) failure_ = std::make_exception_ptr(Error(ErrorKind::kInterrupted, "rank " + std::to_string(from) + " stopped"));
        idle.push_back(from);
        continue;
      }
      TrialRecord record;
      if (!TrialRecord::FromJson(said.at("record"), space_, &record)) ThrowInternal("a rank's trial is outside the space");
      record.rank = from;
      try {
        Record(record, nullptr);
      } catch (...) {
        std::lock_guard<std::mutex> lock(mutex_);
        if (!failure_) failure_ = std::current_exception();
      }
      LogTrial(record);
      assign(from);
    }
    // Last, so that every rank learns which ranks were lost: their end must
    // not wait for them.
    const std::string stop = nlohmann::json({{"stop", true}, {"lost", lost}}).dump();
    for (int rank : idle) job_.Send(stop, rank);
  }

  // A lost rank's trial, recorded as failed.
  void FailLostTrial(int rank, int number, double silence, double seconds) {
    TrialRecord record;
    record.number = number;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      record.values = running_.at(number);
    }
    record.status = TrialStatus::kFailed;
    record.score = NAN;
    record.rank = rank;
    record.seconds = seconds;
    char why[160];
    std::snprintf(why, sizeof why, "rank %d was lost: nothing heard from it for %.0f s (SLUICE_MPI_TIMEOUT)", rank, silence);
    record.error = why;
    Record(record, nullptr);
    LogTrial(record);
  }

  static double RankSilenceSeconds() {
    const char* value = std::getenv("SLUICE_MPI_TIMEOUT");
    return value && std::atof(value) > 0 ? std::atof(value) : 600;
  }

  // Hands rank `rank` the next trial, with the finished trials' curves for
  // its pruning; its number, or none when there is no trial left to hand.
  std::optional<int> Assign(int rank) {
    nlohmann::json message;
    int number = 0;
    {
      std::unique_lock<std::mutex> lock(mutex_);
      auto next = NextTrial(lock);
      if (!next) return std::nullopt;
      TrialRecord trial;
      trial.number = number = next->number;
      trial.values = next->values;
      message = {{"trial", trial.ToJson(space_)}, {"finished", finished_losses_}};
    }
    job_.Send(message.dump(), rank);
    return number;
  }

  // A rank other than 0: the trials rank 0 hands out, one at a time with
  // every thread, each trial's model left in the search's folder (a shared
  // file system) for rank 0 to keep or remove. The trial runs on a thread
  // of its own; this one (MPI's) tells rank 0 every second that it lives.
  void ServeTrials() {
    trial_threads_ = static_cast<int>(threads_);
    WorkerData kept;
    for (;;) {
      const nlohmann::json message = nlohmann::json::parse(job_.Receive(0).second);
      if (message.contains("stop")) {
        for (const auto& rank : message.value("lost", nlohmann::json::array())) job_.RankLost(rank.get<int>());
        return;
      }
      TrialRecord assignment;
      if (!TrialRecord::FromJson(message.at("trial"), space_, &assignment)) ThrowInternal("rank 0 sent a trial outside the space");
      MedianPruner pruner = FreshPruner();
      for (const auto& losses : message.at("finished")) pruner.AddFinished(losses.get<std::vector<double>>());
      std::unique_ptr<Model> model;
      TrialRecord record;
      std::exception_ptr error;
      std::mutex done_mutex;
      std::condition_variable done_signal;
      bool done = false;
      std::thread trial([&] {
        try {
          record = RunTrial(assignment.number, assignment.values, pruner, kept, &model);
        } catch (...) {
          error = std::current_exception();
        }
        std::lock_guard<std::mutex> lock(done_mutex);
        done = true;
        done_signal.notify_all();
      });
      const std::string alive = nlohmann::json({{"alive", assignment.number}}).dump();
      for (;;) {
        std::unique_lock<std::mutex> lock(done_mutex);
        if (done_signal.wait_for(lock, std::chrono::seconds(1), [&] { return done; })) break;
        lock.unlock();
        job_.Send(alive, 0);
      }
      trial.join();
      if (error) {
        try {
          std::rethrow_exception(error);
        } catch (const Error& failure) {
          if (failure.kind() != ErrorKind::kInterrupted) throw;
          job_.Send(R"({"interrupted": true})", 0);
          return;
        }
      }
      if (model && record.status != TrialStatus::kFailed) SaveTrialModel(ModelDir(work_dir_, record.number), *model);
      job_.Send(nlohmann::json({{"record", record.ToJson(space_)}}).dump(), 0);
    }
  }

  MedianPruner FreshPruner() const {
    return MedianPruner(tune_.early_stopping_warmup > 0 ? tune_.early_stopping_warmup : std::max(1, spec_.train.rounds / 4),
                        tune_.early_stopping_min_trials);
  }

  static void SaveTrialModel(const std::string& dir, const Model& model) {
    std::error_code ec;
    fs::remove_all(dir, ec);
    fs::create_directories(dir);
    WriteFileAtomically(dir + "/saved.json", model.Save(dir).dump());
  }

  // Trains and scores one trial; a failure of its own is its record's.
  TrialRecord RunTrial(int number, const ParamValues& values, const MedianPruner& pruner, WorkerData& kept,
                       std::unique_ptr<Model>* model) {
    TrialRecord record;
    record.number = number;
    record.values = values;
    record.threads = trial_threads_;
    auto start = RunClock::now();
    try {
      *model = Train(TrialSpec(spec_, space_, values), pruner, kept, record);
      Score(**model, record);
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
    return record;
  }

  void LogTrial(const TrialRecord& record) const {
    std::string line = "tune: trial " + std::to_string(record.number) + "/" + std::to_string(total_) + " " +
                       TrialStatusName(record.status) + "  " + space_.Describe(record.values);
    if (record.status != TrialStatus::kFailed) {
      line += "  valid-" + record.metric + " " + FormatScore(record.score) + " (" + std::to_string(record.rounds) + " rounds)";
    } else {
      line += "  " + record.error;
    }
    char seconds[32];
    std::snprintf(seconds, sizeof seconds, "  %.2f s", record.seconds);
    log_(line + seconds + (record.rank > 0 ? " on rank " + std::to_string(record.rank) : std::string()));
  }

  // Trains the trial's model, on the worker's kept data when the trial's
  // prepared data and data key are the ones it was built for.
  std::unique_ptr<Model> Train(const PipelineSpec& trial_spec, const MedianPruner& pruner, WorkerData& kept,
                               TrialRecord& record) {
    auto prepared = cache_.Get(trial_spec);
    TrainConfig config = trial_spec.train;
    config.threads = trial_threads_;
    config.num_classes = static_cast<int>(prepared->data.fitted->labels().size());
    config.stop_requested = options_.stop_requested;
    config.checkpoints = nullptr;
    config.checkpoint_every = 0;
    double best_so_far = INFINITY;
    if (tune_.early_stopping == "median") {
      config.prune = [&](const RoundReport& report) {
        double loss = MetricHigherIsBetter(report.metric) ? -report.valid_value : report.valid_value;
        best_so_far = std::min(best_so_far, loss);
        return pruner.ShouldPrune(report.round, best_so_far);
      };
    }
    auto observer = [&](const RoundReport& report) {
      if (!report.has_valid) return;
      record.metric = report.metric;
      record.curve.push_back(report.valid_value);
    };
    auto learner = MakeLearner(trial_spec.learner);
    const std::string key = trial_spec.learner + "\n" + learner->DataKey(config);
    if (!kept.data || kept.prepared != prepared || kept.key != key) {
      kept.data.reset();
      kept.data = learner->Prepare(Copy(prepared->data.splits[0]), Copy(prepared->data.splits[1]), config);
      kept.prepared = prepared;
      kept.key = key;
    }
    return learner->TrainOn(*kept.data, config, observer);
  }

  static void Score(const Model& model, TrialRecord& record) {
    nlohmann::json facts = model.Describe();
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
  }

  // Journals a finished trial; a new best trial's model is kept. `model`
  // is null for another rank's trial: its model is on disk already, kept
  // when it is the new best, else removed.
  void Record(const TrialRecord& record, const Model* model) {
    std::lock_guard<std::mutex> lock(mutex_);
    std::error_code ec;
    running_.erase(record.number);
    const bool new_best = record.status == TrialStatus::kOk && record.Loss() < best_loss_;
    // The model first, then the journal line that makes it the best:
    // a kill between the two leaves a model no record points to, removed on resume.
    if (new_best && model) SaveTrialModel(ModelDir(work_dir_, record.number), *model);
    if (!model && !new_best) fs::remove_all(ModelDir(work_dir_, record.number), ec);
    if (new_best && !model && !fs::exists(ModelDir(work_dir_, record.number) + "/saved.json")) {
      ThrowIo(ModelDir(work_dir_, record.number) + ": rank " + std::to_string(record.rank) +
              "'s model is not there (the output must be on a file system every rank sees)");
    }
    journal_->Append(record.ToJson(space_));
    if (new_best) {
      if (best_number_ >= 0) fs::remove_all(ModelDir(work_dir_, best_number_), ec);
      best_loss_ = record.Loss();
      best_number_ = record.number;
    }
    records_.push_back(record);
    NoteFinished(record);
    finished_.notify_all();
  }

  TuningRecord SearchRecord(const TrialRecord& best) const {
    int counts[3] = {0, 0, 0};
    for (const auto& record : records_) ++counts[static_cast<int>(record.status)];
    TuningRecord out;
    out.strategy = tune_.strategy;
    out.trials_run = static_cast<int>(records_.size());
    out.ok = counts[0];
    out.pruned = counts[1];
    out.failed = counts[2];
    out.warm_trials = static_cast<int>(warm_.size());
    out.resumed_trials = resumed_;
    out.parallel = parallel_;
    out.threads_per_trial = trial_threads_;
    out.best_trial = best_number_;
    const nlohmann::json best_params = space_.ToJson(best.values);
    for (const auto& [key, value] : best_params.items()) {
      out.best_params[key] = value.is_string() ? value.get<std::string>() : value.dump();
    }
    out.metric = best.metric;
    out.best_score = best.score;
    out.seconds = search_seconds_;
    return out;
  }

  // The best trial's model, evaluated on the test split of its own prep, is the artifact.
  RunSummary MakeArtifact() {
    const TrialRecord* best = nullptr;
    for (const auto& record : records_) {
      if (record.number == best_number_) best = &record;
    }
    PipelineSpec best_spec = TrialSpec(spec_, space_, best->values);
    auto best_data = cache_.Get(best_spec);
    std::string model_dir = ModelDir(work_dir_, best_number_);
    auto best_model = learner_->Load(model_dir, nlohmann::json::parse(ReadFileToString(model_dir + "/saved.json")));

    TuningRecord tuning = SearchRecord(*best);
    nlohmann::json trials_json = nlohmann::json::array();
    for (const auto& record : warm_) trials_json.push_back(record.ToJson(space_));
    for (const auto& record : records_) trials_json.push_back(record.ToJson(space_));
    std::vector<TrialRecord> table_rows = warm_;
    table_rows.insert(table_rows.end(), records_.begin(), records_.end());
    std::string table = FormatTrialTable(space_, table_rows, best_number_);

    nlohmann::json curve = nlohmann::json::array();
    for (size_t round = 0; round < best->curve.size(); ++round) {
      curve.push_back({{"round", round}, {best->metric, best->curve[round]}});
    }
    StagedFiles staged;
    std::string staged_trials = staged.Add(work_dir_ + "/trials-artifact.jsonl");
    WriteFileAtomically(staged_trials, ReadFileToString(journal_->path()));
    Task task = learner_->TaskOf(best_spec.train.params);
    best_spec.output = spec_.output;
    FinishedTraining trained{best_model.get(), task, static_cast<size_t>(trial_threads_), curve,
                             {{"tuning", tuning.ToJson()}}, {{"trials.jsonl", staged_trials}}};
    options_.Step("evaluate");
    RunSummary summary = EvaluateAndSave(best_spec, best_data->data, trained, staged);
    std::error_code ec;
    fs::remove_all(work_dir_, ec);
    summary.curves = {{"valid-" + best->metric, best->curve}};

    tuning.table = table;
    tuning.trials = trials_json;
    summary.tuning = std::move(tuning);
    summary.seconds.read_fit = best_data->data.read_fit_seconds;
    summary.seconds.apply = best_data->data.apply_seconds;
    summary.seconds.prep = prep_seconds_;
    summary.seconds.train = search_seconds_;
    summary.seconds.total = SecondsSince(run_start_);
    summary.peak_rss_bytes = static_cast<double>(PeakRssBytes());
    return summary;
  }

  const PipelineSpec& spec_;
  const RunOptions& options_;
  const TuneSpec& tune_;
  const SearchSpace& space_;
  const size_t threads_;
  ThreadPool pool_;
  RunLog log_;
  PreparedCache cache_;
  const std::string work_dir_;
  RunClock::time_point run_start_;
  std::unique_ptr<Learner> learner_;
  std::unique_ptr<SearchStrategy> strategy_;
  int total_ = 0;
  std::vector<TrialRecord> warm_;
  std::shared_ptr<PreparedCache::Entry> base_;
  double prep_seconds_ = 0;
  std::unique_ptr<TrialJournal> journal_;
  int resumed_ = 0;
  int parallel_ = 1;
  int trial_threads_ = 1;
  int lag_ = 0;  // tune/parallel_trials.h; -1: proposals see what has finished (MPI)
  double search_seconds_ = 0;

  // Shared by the workers, under mutex_.
  std::mutex mutex_;
  SearchHistory history_;
  std::map<int, ParamValues> running_;
  std::condition_variable finished_;  // a trial was recorded, or one threw
  std::map<int, ParamValues> values_;  // every trial launched or recorded, by number
  std::set<int> recorded_;
  std::set<int> unproposed_;  // numbers taken by a worker still waiting to propose
  std::vector<TrialRecord> records_;
  int best_number_ = -1;
  double best_loss_ = INFINITY;
  int next_number_ = 1;
  int launched_ = 0;
  bool exhausted_ = false;
  std::exception_ptr failure_;
  std::vector<std::vector<double>> finished_losses_;

  Communicator& job_ = Job();
  const bool lead_ = Job().rank() == 0;
};

}  // namespace

RunSummary RunTuning(const PipelineSpec& spec, const RunOptions& options) {
  return TuningSearch(spec, options).Run();
}

}  // namespace sluice
