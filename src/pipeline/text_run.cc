#include "pipeline/text_run.h"

#include "pipeline/prep_passes.h"

#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cmath>
#include <algorithm>
#include <functional>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <map>
#include <optional>
#include <mutex>
#include <string>
#include <utility>

#include "artifact/text_artifact.h"
#include "cluster/communicator.h"
#include "common/atomic_file.h"
#include "common/error.h"
#include "common/format.h"
#include "common/leftover_files.h"
#include "common/log.h"
#include "common/output_guard.h"
#include "common/hash.h"
#include "common/memory.h"
#include "common/progress.h"
#include "common/thread_pool.h"
#include "io/reject_file.h"
#include "io/table_source.h"
#include "pipeline/prep_passes.h"
#include "pipeline/run_manifest.h"
#include "pipeline/run_support.h"
#include "prep/prep_plan.h"
#include "pipeline/text_corpus.h"
#include "pipeline/text_params.h"
#include "text/text_learner.h"
#include "train/checkpoint_store.h"
#include "train/metrics.h"

namespace sluice {

namespace {

namespace fs = std::filesystem;

// Class probabilities of every document, scored in parallel chunks.
std::vector<float> PredictAll(const TextClassifier& model, const TextExamples& docs, ThreadPool& pool) {
  const size_t classes = static_cast<size_t>(model.num_classes());
  std::vector<float> probabilities(docs.size() * classes);
  ParallelFor(pool, docs.size(), [&](size_t begin, size_t end) {
    TextExamples chunk;
    for (size_t i = begin; i < end; ++i) {
      chunk.ids.insert(chunk.ids.end(), docs.doc(i), docs.doc(i) + docs.length(i));
      chunk.offsets.push_back(chunk.ids.size());
      chunk.labels.push_back(docs.labels[i]);
    }
    model.Predict(chunk, probabilities.data() + begin * classes);
  });
  return probabilities;
}

// test_predictions.csv: each test row's file and line, its label, the
// predicted class and each class's probability.
void WriteTestPredictions(const std::string& path, const TextExamples& test,
                          const std::vector<std::pair<uint32_t, int64_t>>& test_rows,
                          const std::vector<float>& probabilities, const LabelMap& labels) {
  const int classes = static_cast<int>(labels.size());
  auto writer = AtomicFileWriter::Open(path);
  std::string out = "file,line,label,prediction";
  for (const auto& name : labels.labels()) out += ",p_" + name;
  out += "\n";
  for (size_t i = 0; i < test.size(); ++i) {
    const float* p = probabilities.data() + i * static_cast<size_t>(classes);
    int predicted = static_cast<int>(std::max_element(p, p + classes) - p);
    AppendInt(out, test_rows[i].first);
    out += ",";
    AppendInt(out, test_rows[i].second);
    out += "," + labels.Label(test.labels[i]) + "," + labels.Label(predicted);
    for (int c = 0; c < classes; ++c) {
      out.push_back(',');
      AppendFloat(out, p[c]);
    }
    out.push_back('\n');
  }
  writer.Write(out);
  writer.Commit();
}

// For a learner that takes checkpoints, with train.checkpoint_every set: the
// store its checkpoints go to, keyed by the pipeline as resolved, the data,
// the thread count and the learner, and `training` set to resume from the
// newest one and write further ones there.
std::unique_ptr<CheckpointStore> OpenCheckpoints(const TextLearner& learner, const std::string& output,
                                                 const PipelineSpec& spec, const TextCorpus& corpus, size_t threads,
                                                 const std::function<void(const std::string&)>& log,
                                                 TextTraining& training) {
  if (!learner.takes_checkpoints() || spec.train.checkpoint_every <= 0) return nullptr;
  Communicator& job = Job();
  FingerprintBuilder key;
  key.Add(spec.resolved.dump());
  key.Add(corpus.data.value("fingerprint", ""));
  key.Add(std::to_string(threads));
  key.Add(learner.name());
  if (job.size() > 1) key.Add("ranks=" + std::to_string(job.size()));
  // Beside the output, not in it: several learners' go to OUTPUT.checkpoints/LEARNER;
  // across MPI ranks each rank's to a folder of its own (rank-N/) in it.
  std::string checkpoint_dir = output == spec.output
                                   ? fs::absolute(output).string() + ".checkpoints"
                                   : (fs::absolute(spec.output).concat(".checkpoints") / learner.name()).string();
  if (job.size() > 1) checkpoint_dir += "/rank-" + std::to_string(job.rank());
  auto store = std::make_unique<CheckpointStore>(checkpoint_dir, key.Hex(), spec.checkpoint_keep);
  int skipped = 0;
  const std::string name = learner.name();
  std::optional<CheckpointStore::Checkpoint> latest = store->Latest(&skipped);
  if (job.size() > 1) {
    // The ranks resume together from the same step: a kill between two
    // ranks' writes leaves them a checkpoint apart, so each takes its newest
    // at or before the step of the rank furthest behind (checkpoint_keep
    // keeps the one before); failing that, all start afresh together.
    auto steps = job.AllGather(std::to_string(latest ? latest->progress : 0));
    int64_t common = INT64_MAX;
    for (const auto& step : steps) common = std::min<int64_t>(common, std::stoll(step));
    if (latest && latest->progress > common) latest = store->LatestAtMost(common);
    steps = job.AllGather(std::to_string(latest ? latest->progress : 0));
    if (std::adjacent_find(steps.begin(), steps.end(), std::not_equal_to<>()) != steps.end()) {
      if (job.rank() == 0) log(name + ": the ranks hold no checkpoint of one same step; starting from the first step");
      latest.reset();
    }
  }
  if (latest) {
    training.resume = std::move(latest->model);
    log(name + ": resuming from " + latest->path + " (" + std::to_string(latest->progress) + " steps done)");
  } else if (skipped > 0) {
    log(name + ": " + std::to_string(skipped) + " checkpoint(s) in " + store->dir() +
        " are for other data, parameters or threads; starting from the first step");
  }
  training.checkpoint_every = spec.train.checkpoint_every;
  const std::atomic<bool>* stop_requested = training.stop_requested;
  CheckpointStore* writer = store.get();
  training.write_checkpoint = [writer, stop_requested](int64_t steps, const std::string& blob) {
    writer->Write(steps, nlohmann::json::object(), blob);
    return stop_requested && stop_requested->load();
  };
  return store;
}

// The test rows of every rank on rank 0, in rank order: their places,
// labels and class probabilities (`scored` takes the labels, which is all
// WriteTestPredictions reads of the examples). False on the other ranks.
bool GatherTestRows(const TextRanks& ranks, int classes, const TextExamples& test,
                    std::vector<std::pair<uint32_t, int64_t>>& rows, std::vector<float>& probabilities,
                    std::vector<int>& labels, TextExamples& scored) {
  std::string mine;
  const uint64_t count = test.size();
  mine.append(reinterpret_cast<const char*>(&count), sizeof count);
  for (size_t i = 0; i < test.size(); ++i) {
    const int32_t label = test.labels[i];
    mine.append(reinterpret_cast<const char*>(&rows[i].first), sizeof rows[i].first);
    mine.append(reinterpret_cast<const char*>(&rows[i].second), sizeof rows[i].second);
    mine.append(reinterpret_cast<const char*>(&label), sizeof label);
  }
  mine.append(reinterpret_cast<const char*>(probabilities.data()), probabilities.size() * sizeof(float));
  const auto all = Job().Gather(mine, 0);
  if (ranks.rank != 0) return false;
  rows.clear();
  probabilities.clear();
  labels.clear();
  for (const auto& theirs : all) {
    uint64_t n = 0;
    std::memcpy(&n, theirs.data(), sizeof n);
    const size_t record = sizeof(uint32_t) + sizeof(int64_t) + sizeof(int32_t);
    const size_t expected = sizeof n + n * record + n * static_cast<size_t>(classes) * sizeof(float);
    if (theirs.size() != expected) ThrowInternal("a rank's test predictions have the wrong size");
    const char* at = theirs.data() + sizeof n;
    for (uint64_t i = 0; i < n; ++i, at += record) {
      std::pair<uint32_t, int64_t> place;
      int32_t label = 0;
      std::memcpy(&place.first, at, sizeof place.first);
      std::memcpy(&place.second, at + sizeof place.first, sizeof place.second);
      std::memcpy(&label, at + sizeof place.first + sizeof place.second, sizeof label);
      rows.push_back(place);
      labels.push_back(label);
      scored.labels.push_back(label);
      scored.offsets.push_back(scored.offsets.back());
    }
    const size_t start = probabilities.size();
    probabilities.resize(start + n * static_cast<size_t>(classes));
    std::memcpy(probabilities.data() + start, at, n * static_cast<size_t>(classes) * sizeof(float));
  }
  return true;
}

// Trains one learner on the corpus, evaluates it on the test split and
// writes its model directory to `save_to` (`output`, or where it is staged
// until every learner is done); returns its part of the run summary.
LearnerSummary TrainLearner(const std::shared_ptr<const TextLearner>& learner_ptr, const std::string& output,
                            const std::string& save_to, const PipelineSpec& spec, const TextParams& params,
                            const TextCorpus& corpus, size_t threads, ThreadPool& pool, StagedFiles& staged,
                            const RunOptions& options, const std::function<void(const std::string&)>& log,
                            const TextRanks* ranks) {
  const TextLearner& text_learner = *learner_ptr;
  const std::string learner = text_learner.name();
  std::error_code ec;
  fs::create_directories(fs::absolute(save_to).parent_path(), ec);
  // The learner's encoding of each split.
  TextExamples splits[3];
  std::vector<std::pair<uint32_t, int64_t>> test_rows;
  std::vector<int32_t> ids;
  for (const auto& part : corpus.parts) {
    for (const auto& row : part) {
      ids.clear();
      text_learner.Encode(corpus.vocabulary, row.tokens, ids);
      splits[static_cast<int>(row.split)].Add(ids, *corpus.labels.Id(row.label));
      if (row.split == SplitPart::kTest) test_rows.push_back({row.file, row.line});
    }
  }
  const int classes = static_cast<int>(corpus.labels.size());

  // Train.
  options.Step(params.learners.size() == 1 ? "train" : "train-" + learner);
  auto train_start = RunClock::now();
  TextTraining training;
  training.train = &splits[0];
  training.valid = &splits[1];
  training.vocabulary = &corpus.vocabulary;
  training.num_classes = classes;
  training.threads = static_cast<int>(threads);
  training.seed = spec.seed;
  training.log = log;
  training.stop_requested = options.stop_requested;
  training.ranks = ranks;
  std::unique_ptr<CheckpointStore> store = OpenCheckpoints(text_learner, output, spec, corpus, threads, log, training);
  TrainedText trained = text_learner.Train(training);
  if (store) {
    store->Clear();
    if (ranks) {
      // The ranks' folders are gone; rank 0 removes the one that held them.
      Job().Barrier();
      std::error_code ec;
      if (ranks->rank == 0) fs::remove(fs::path(store->dir()).parent_path(), ec);
    }
  }
  nlohmann::json curve = std::move(trained.curve);
  nlohmann::json model_summary = std::move(trained.summary);
  std::unique_ptr<TextClassifier> model = std::move(trained.model);
  const double train_seconds = SecondsSince(train_start);

  // Evaluate on the test split.
  options.Step(params.learners.size() == 1 ? "evaluate" : "evaluate-" + learner);
  auto eval_start = RunClock::now();
  const TextExamples& test = splits[2];
  std::vector<float> probabilities = PredictAll(*model, test, pool);
  std::vector<int> test_labels(test.labels.begin(), test.labels.end());
  TextExamples gathered_test;
  if (ranks) {
    // Each rank scored its own test rows: rank 0 gathers them in rank
    // order (input order), scores and saves; the others are done.
    if (!GatherTestRows(*ranks, classes, test, test_rows, probabilities, test_labels, gathered_test)) return LearnerSummary();
  }
  const TextExamples& scored = ranks ? gathered_test : test;
  std::vector<std::vector<int64_t>> confusion;
  MetricList metric_list = ClassificationMetrics(test_labels, probabilities, classes, &confusion);
  const std::string staged_predictions =
      staged.Add(fs::absolute(save_to).string() + ".predictions-" + std::to_string(::getpid()));
  WriteTestPredictions(staged_predictions, scored, test_rows, probabilities, corpus.labels);
  const double eval_seconds = SecondsSince(eval_start);

  TestMetrics metrics;
  for (const auto& [name, value] : metric_list) metrics.scores[name] = value;
  metrics.rows["rows_read"] = corpus.rows.read;
  metrics.rows["rows_rejected"] = corpus.rows_rejected;
  metrics.rows["rows_train"] = corpus.rows.train;
  metrics.rows["rows_test"] = corpus.rows.test;
  metrics.confusion = confusion;

  auto save_start = RunClock::now();
  nlohmann::json manifest =
      RunManifest(spec, corpus.data, corpus.rows, corpus.raw_schema, "classification", threads, curve);
  if (model_summary.contains("pretrained_vectors")) manifest["pretrained_vectors"] = model_summary["pretrained_vectors"];
  std::vector<std::pair<std::string, std::string>> extra = {{"test_predictions.csv", staged_predictions}};
  std::string rejects_name;
  if (corpus.rows_rejected > 0) {
    // Every learner's directory gets the run's rejects: a link to the staged
    // file (a copy where links cannot be made), moved in on save.
    const std::string rejects =
        staged.Add(fs::absolute(save_to).string() + ".rejects-" + learner + "-" + std::to_string(::getpid()));
    FileSystem::Default().LinkOrCopyFile(corpus.rejects_staged, rejects);
    extra.push_back({"rejects.csv", rejects});
    rejects_name = (fs::path(output) / "rejects.csv").string();
  }
  TextArtifact artifact(spec.text_column, spec.prep.target, params.tokenizer, corpus.vocabulary, corpus.labels,
                        learner_ptr, std::move(model));
  artifact.Save(save_to, manifest, metrics.ToJson(), extra);
  const double save_seconds = SecondsSince(save_start);

  LearnerSummary summary;
  summary.learner = learner;
  summary.artifact = output;
  summary.rejects_file = rejects_name;
  summary.metrics = std::move(metrics);
  summary.model = model_summary;
  // The epochs' curves as series for the run history: train-loss, valid-loss, valid-accuracy.
  for (const auto& point : curve) {
    for (const char* key : {"train_loss", "valid_loss", "valid_accuracy"}) {
      if (!point.contains(key) || !point[key].is_number()) continue;
      std::string series = key;
      series[series.find('_')] = '-';
      summary.curves[series].push_back(point[key].get<double>());
    }
  }
  summary.features = static_cast<int64_t>(text_learner.num_features(corpus.vocabulary));
  summary.matrix_bytes = static_cast<double>(splits[0].ids.size() + splits[1].ids.size() + splits[2].ids.size()) * 4;
  summary.seconds.train = train_seconds;
  summary.seconds.evaluate = eval_seconds;
  summary.seconds.save = save_seconds;
  return summary;
}

}  // namespace

RunSummary RunTextTraining(const PipelineSpec& spec, const RunOptions& options) {
  if (!spec.checks.empty()) ThrowUsage("checks: data checks run on tabular jobs only so far, not on a text job (train.text)");
  auto run_start = RunClock::now();
  const TextParams params = ParseTextParams(spec.learner, spec.train.params);
  size_t threads = spec.threads > 0 ? static_cast<size_t>(spec.threads) : ThreadPool::DefaultThreads();
  ThreadPool pool(threads);
  Progress::SetEnabled(!options.quiet);
  auto log = [&](const std::string& line) {
    if (!options.quiet) LogInfo(line);
  };
  // Under MPI each rank reads and trains on its own share (TextRanks);
  // rank 0 scores the test rows of all and writes the artifact.
  Communicator& job = Job();
  TextRanks ranks;
  ranks.rank = job.rank();
  ranks.size = job.size();
  ranks.sum_floats = [&job](float* values, size_t count) { job.SumInPlace(values, count); };
  ranks.sum_doubles = [&job](double* values, size_t count) { job.SumInPlace(values, count); };
  const TextRanks* across = job.size() > 1 ? &ranks : nullptr;
  const bool lead = job.rank() == 0;
  if (lead) CollectLeftovers(spec.output);
  StagedFiles staged;
  options.Step("read");
  const TextCorpus corpus = ReadCorpus(spec, params, pool, staged, log);

  // Each learner on the same tokens; with several, each model directory is
  // named after its learner under the output directory. Those are staged
  // together and replace the output at the end, so that a run stopped after
  // its first learner leaves nothing of itself under the output.
  std::vector<LearnerSummary> learners;
  const bool several = params.learners.size() > 1;
  const std::string output_dir = fs::absolute(spec.output).lexically_normal().string();
  const std::string staged_root = output_dir + ".staging-" + std::to_string(::getpid());
  if (several && lead) {
    CheckOutputPath(spec.output, OutputKind::kArtifact);
    FileSystem::Default().RemoveAll(staged_root);
    FileSystem::Default().CreateDirectories(staged_root);
  }
  try {
    for (const auto& text_learner : params.learners) {
      const std::string learner = text_learner->name();
      if (options.stop_requested && options.stop_requested->load()) {
        ThrowInterrupted("stopped by a signal before training " + learner);
      }
      const std::string output = several ? (fs::path(spec.output) / learner).string() : spec.output;
      const std::string save_to = several ? (fs::path(staged_root) / learner).string() : spec.output;
      learners.push_back(
          TrainLearner(text_learner, output, save_to, spec, params, corpus, threads, pool, staged, options, log, across));
    }
    if (several && lead) ReplaceDirectory(staged_root, output_dir);
  } catch (...) {
    if (several && lead) FileSystem::Default().RemoveAll(staged_root);
    throw;
  }

  RunSummary summary;
  summary.name = spec.name;
  summary.task = "classification";
  summary.text = true;
  summary.rows = corpus.rows;
  summary.split = SharesOf(spec.prep.split);
  summary.first_reject = corpus.first_reject;
  summary.fingerprint = corpus.data.value("fingerprint", "");
  summary.vocabulary = static_cast<int64_t>(corpus.vocabulary.size());
  summary.classes = corpus.labels.labels();
  for (const auto& learner : learners) {
    for (const auto& [series, values] : learner.curves) {
      summary.curves[learners.size() == 1 ? series : learner.learner + ":" + series] = values;
    }
  }
  summary.peak_rss_bytes = static_cast<double>(PeakRssBytes());
  if (across) summary.rank_hosts = job.AllGather(HostName());
  summary.seconds.read_fit = corpus.read_seconds;
  summary.seconds.total = SecondsSince(run_start);
  if (learners.size() == 1) {
    // One learner: its facts at the top, as a tabular run gives them.
    const LearnerSummary& only = learners[0];
    summary.artifact = only.artifact;
    summary.rejects_file = only.rejects_file;
    summary.metrics = only.metrics;
    summary.model = only.model;
    summary.features = only.features;
    summary.matrix_bytes = only.matrix_bytes;
    summary.seconds.train = only.seconds.train;
    summary.seconds.evaluate = only.seconds.evaluate;
    summary.seconds.save = only.seconds.save;
    summary.seconds.apply = 0.0;
  } else {
    summary.artifact = spec.output;
    summary.rejects_file = learners[0].rejects_file;
  }
  summary.learners = std::move(learners);
  return summary;
}

}  // namespace sluice
