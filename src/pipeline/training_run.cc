#include "pipeline/training_run.h"

#include <unistd.h>

#include <cstdio>
#include <filesystem>

#include "cluster/communicator.h"
#include "common/atomic_file.h"
#include "common/error.h"
#include "common/format.h"
#include "common/hash.h"
#include "common/leftover_files.h"
#include "common/log.h"
#include "common/progress.h"
#include "common/thread_pool.h"
#include "io/table_source.h"
#include "pipeline/prep_run.h"
#include "pipeline/prepared_data.h"
#include "pipeline/run_support.h"
#include "pipeline/step_journal.h"
#include "pipeline/training_steps.h"
#include "train/checkpoint_store.h"

namespace sluice {

namespace {

namespace fs = std::filesystem;

// The step journal of a checkpointed run, keyed by what the run is: the
// pipeline as resolved, the thread count and the input files (path, size,
// modification time — a changed input is a new run).
std::unique_ptr<StepJournal> OpenStepJournal(const PipelineSpec& spec, size_t threads, const RunLog& log) {
  FingerprintBuilder key;
  key.Add(spec.resolved.dump());
  key.Add(std::to_string(threads));
  // A model trained across ranks is not the one a single process trains.
  if (Job().size() > 1) key.Add("ranks=" + std::to_string(Job().size()));
  if (spec.train_prepared.empty()) {
    auto source = TableSource::Open(spec.source);
    for (size_t f = 0; f < source->files().size(); ++f) {
      // A database has no stamp: its name alone keys the run.
      const TableSource::FileStamp stamp = f < source->stamps().size() ? source->stamps()[f] : TableSource::FileStamp{};
      key.Add(source->files()[f] + "|" + std::to_string(stamp.size) + "|" + std::to_string(stamp.modified_ns));
    }
  }
  bool cleared = false;
  auto steps = std::make_unique<StepJournal>(fs::absolute(spec.output).string() + ".run", key.Hex(), &cleared);
  if (cleared) log("run: " + steps->dir() + " held the steps of another pipeline or input; starting afresh");
  return steps;
}

// Whether `step` finished before a restart, as the journal says (rank 0
// keeps it; `steps` is null on the other ranks), told to every rank.
bool StepFinished(const StepJournal* steps, const std::string& step, std::string* why_not) {
  std::string answer;
  if (steps) answer = steps->Finished(step, why_not) ? "1" : "0" + *why_not;
  answer = Job().Broadcast(answer, 0);
  if (answer.empty()) ThrowInternal("rank 0 keeps no step journal");
  *why_not = answer.substr(1);
  return answer[0] == '1';
}

// Prep as a recorded step: the prepared splits written to OUTPUT.run/prepared
// (as `sluice prep` writes them) and read back; skipped when a killed run
// finished it and its files still hash as recorded. Across MPI ranks, rank 0
// keeps the journal and every rank preps and reads back its own share.
PreparedData PrepareAsStep(const PipelineSpec& spec, const RunOptions& options, StepJournal* steps,
                           const std::string& prepared_dir, ThreadPool& pool, StagedFiles& staged, const RunLog& log) {
  auto start = RunClock::now();
  Communicator& job = Job();
  std::string why_not;
  if (StepFinished(steps, "prep", &why_not)) {
    options.Step("prep", true);
    log("run: step prep finished before the restart (" + prepared_dir + ", verified by content hash); skipped");
  } else {
    options.Step("prep");
    if (!why_not.empty()) log("run: step prep runs again: " + why_not);
    if (steps) steps->Reset("prep", {"prepared"});
    job.Barrier();
    RunOptions prep_options = options;
    RunPrep(spec, prepared_dir, prep_options);
    if (steps) steps->Record("prep", {"prepared"});
  }
  job.Barrier();  // the prepared directory is complete before any rank reads it
  PreparedData prepared = LoadPreparedData(prepared_dir, pool);
  if (job.rank() > 0) prepared.rejects_file.clear();  // rank 0 files them with the artifact
  if (!prepared.rejects_file.empty()) {
    // The artifact takes a copy: the step's own files stay as recorded.
    std::string copy = staged.Add(fs::absolute(spec.output).string() + ".rejects-" + std::to_string(::getpid()));
    FileSystem::Default().LinkOrCopyFile(prepared.rejects_file, copy);
    prepared.rejects_file = copy;
  }
  prepared.read_fit_seconds = SecondsSince(start);
  return prepared;
}

// The checkpoint store of a training that takes checkpoints, with `config`
// pointed at it; null when train.checkpoint_every is 0.
std::unique_ptr<CheckpointStore> OpenCheckpoints(const PipelineSpec& spec, const PreparedData& prepared, size_t threads,
                                                 TrainConfig& config, const std::function<void(const std::string&)>& log) {
  if (config.checkpoint_every <= 0) return nullptr;
  // The key: what makes a checkpoint this training's — the pipeline as
  // resolved, the data's fingerprint, the thread count.
  FingerprintBuilder key;
  key.Add(spec.resolved.dump());
  key.Add(prepared.data.value("fingerprint", ""));
  key.Add(std::to_string(threads));
  if (Job().size() > 1) key.Add("ranks=" + std::to_string(Job().size()));
  auto checkpoints = std::make_unique<CheckpointStore>(fs::absolute(spec.output).string() + ".checkpoints", key.Hex(),
                                                       spec.checkpoint_keep);
  int skipped = 0;
  config.checkpoints = checkpoints.get();
  if (Job().rank() > 0) return checkpoints;  // rank 0 reads and writes them (train/learner.h)
  if (auto latest = checkpoints->Latest(&skipped)) {
    log("train: resuming from " + latest->path + " (" + std::to_string(latest->progress) + " of " +
        std::to_string(config.rounds) + " rounds done)");
  } else if (skipped > 0) {
    log("train: " + std::to_string(skipped) + " checkpoint(s) in " + checkpoints->dir() +
        " are for other data, parameters or threads; starting from round 1");
  }
  return checkpoints;
}

}  // namespace

RunSummary RunTraining(const PipelineSpec& spec, const RunOptions& options) {
  auto run_start = RunClock::now();
  size_t threads = spec.threads > 0 ? static_cast<size_t>(spec.threads) : ThreadPool::DefaultThreads();
  ThreadPool pool(threads);
  Progress::SetEnabled(!options.quiet);
  auto log = [&](const std::string& line) {
    if (!options.quiet) LogInfo(line);
  };
  auto learner = MakeLearner(spec.learner);
  Task task = learner->TaskOf(spec.train.params);
  CheckLearnerParams(*learner, spec);

  // Under MPI the ranks train one model, each on its own share of the rows;
  // rank 0 keeps the journal and the checkpoints and writes the artifact.
  Communicator& job = Job();
  const bool lead = job.rank() == 0;
  if (job.size() > 1 && !learner->TrainsAcrossRanks()) {
    ThrowUsage("train.learner: the " + spec.learner + " learner does not train across MPI ranks; run it in one process");
  }
  if (lead) CollectLeftovers(spec.output);
  StagedFiles staged;
  // A run that checkpoints also records its finished steps (prep, train) in
  // OUTPUT.run/, so that started again after a kill it skips them.
  const bool journaled = spec.train.checkpoint_every > 0;
  std::unique_ptr<StepJournal> steps;
  if (journaled && lead) steps = OpenStepJournal(spec, threads, log);
  job.Barrier();  // the journal's folder is there, or was cleared, before any rank looks into it
  const std::string journal_dir = fs::absolute(spec.output).string() + ".run";
  const bool prep_as_step = journaled && spec.train_prepared.empty();
  if (!prep_as_step) options.Step("prep");
  PreparedData prepared = prep_as_step
                              ? PrepareAsStep(spec, options, steps.get(), journal_dir + "/prepared", pool, staged, log)
                              : PrepareData(spec, pool, staged, log);
  const FittedPrep& fitted = *prepared.fitted;
  DenseMatrix* matrices = prepared.splits;
  const size_t num_features = fitted.num_features();
  // Every rank's rows together.
  log("prep: " + std::to_string(num_features) + " features; train " + FormatCount(prepared.rows.train) + ", valid " +
      FormatCount(prepared.rows.valid) + ", test " + FormatCount(prepared.rows.test) + " rows" +
      (job.size() > 1 ? " across " + std::to_string(job.size()) + " ranks" : std::string()));

  // Train, from the newest matching checkpoint if a killed run left one.
  auto train_start = RunClock::now();
  TrainConfig config = spec.train;
  config.threads = static_cast<int>(threads);
  config.num_classes = static_cast<int>(fitted.labels().size());
  config.stop_requested = options.stop_requested;
  if (job.size() > 1) config.job = &job;
  if (options.stop_requested && options.stop_requested->load()) {
    ThrowInterrupted("stopped by a signal before training started");
  }
  std::unique_ptr<CheckpointStore> checkpoints = OpenCheckpoints(spec, prepared, threads, config, log);
  bool terminal = LogDrawsInPlace();
  nlohmann::json curve = nlohmann::json::array();
  Curves curves;  // series -> values by round, for the run history
  auto observer = [&](const RoundReport& report) {
    if (report.has_valid) curve.push_back({{"round", report.round}, {report.metric, report.valid_value}});
    if (report.has_train) curves["train-" + report.metric].push_back(report.train_value);
    if (report.has_valid) curves["valid-" + report.metric].push_back(report.valid_value);
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
      LogInfo(line);
    }
  };
  std::unique_ptr<Model> model;
  std::string why_not;
  const bool train_finished = journaled && StepFinished(steps.get(), "train", &why_not);
  options.Step("train", train_finished);
  if (train_finished) {
    // Trained before the restart: the model as it was saved, verified by its
    // hash (every rank reads it: each scores its own test rows).
    const std::string dir = journal_dir + "/model";
    model = learner->Load(dir, nlohmann::json::parse(ReadFileToString(dir + "/saved.json")));
    nlohmann::json saved_curves = nlohmann::json::parse(ReadFileToString(dir + "/curve.json"));
    if (saved_curves.is_object()) {
      curve = saved_curves["curve"];
      curves = saved_curves["curves"].get<Curves>();
    } else {
      curve = saved_curves;  // written by a sluice before curves were kept
    }
    log("run: step train finished before the restart (" + dir + ", verified by content hash); skipped");
  } else {
    if (!why_not.empty()) log("run: step train runs again: " + why_not);
    model = learner->Train(std::move(matrices[0]), std::move(matrices[1]), config, observer);
    if (terminal && !options.quiet) std::fprintf(stderr, "\r\033[K");
    if (steps) {
      steps->Reset("train", {"model"});
      const std::string dir = steps->PathOf("model");
      fs::create_directories(dir);
      WriteFileAtomically(dir + "/saved.json", model->Save(dir).dump());
      WriteFileAtomically(dir + "/curve.json", nlohmann::json({{"curve", curve}, {"curves", curves}}).dump());
      steps->Record("train", {"model"});
    }
  }
  if (checkpoints && lead) checkpoints->Clear();
  double train_seconds = SecondsSince(train_start);

  FinishedTraining trained{model.get(), task, threads, curve, nlohmann::json::object(), {}};
  options.Step("evaluate");
  const std::vector<std::string> rank_hosts = job.size() > 1 ? job.AllGather(HostName()) : std::vector<std::string>();
  RunSummary summary = EvaluateAndSave(spec, prepared, trained, staged);
  summary.rank_hosts = rank_hosts;
  summary.curves = std::move(curves);
  if (steps) steps->Remove();
  summary.seconds.read_fit = prepared.read_fit_seconds;
  summary.seconds.apply = prepared.apply_seconds;
  summary.seconds.train = train_seconds;
  summary.seconds.total = SecondsSince(run_start);
  return summary;
}

}  // namespace sluice
