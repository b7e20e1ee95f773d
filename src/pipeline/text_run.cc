#include "pipeline/text_run.h"

#include "pipeline/prep_passes.h"

#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cmath>
#include <functional>
#include <cstdio>
#include <filesystem>
#include <map>
#include <mutex>
#include <string>
#include <utility>

#include "artifact/text_artifact.h"
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
#include "pipeline/text_params.h"
#include "text/text_learner.h"
#include "train/checkpoint_store.h"
#include "train/metrics.h"

namespace sluice {

namespace {

// The share of cut texts past which a run warns (the summary always says).
constexpr double kTruncatedWarningShare = 0.05;

namespace fs = std::filesystem;

// One usable row: where it came from, its split, tokens and label.
// One usable row: where it came from, its split, tokens and label.
struct TextRow {
  uint32_t file;
  int64_t line;
  SplitPart split;
  std::vector<std::string> tokens;
  std::string label;
};

// The tokenized input every learner of the run trains on, with θ.
struct TextCorpus {
  std::vector<std::vector<TextRow>> parts;  // in input order
  Vocabulary vocabulary;
  LabelMap labels;
  nlohmann::json rows;  // the row accounting
  nlohmann::json data;  // uri, files, fingerprint
  Schema raw_schema;
  std::string rejects_staged;
  int64_t rows_rejected = 0;
  std::string first_reject;
  double read_seconds = 0;
};

TextCorpus ReadCorpus(const PipelineSpec& spec, const TextParams& params, ThreadPool& pool, StagedFiles& staged,
                      const std::function<void(const std::string&)>& log) {
  auto read_start = RunClock::now();
  // Ingest: the text and label columns, both read as strings.
  SourceOptions source_options = spec.source;
  source_options.column_types[spec.text_column] = DataType::kString;
  source_options.column_types[spec.prep.target] = DataType::kString;
  auto source = TableSource::Open(source_options);
  TextCorpus corpus;
  corpus.raw_schema = source->schema();
  for (const auto& name : {spec.text_column, spec.prep.target}) {
    if (!source->schema().Find(name)) {
      ThrowUsage("train." + std::string(name == spec.text_column ? "text" : "target") + ": the source has no column '" +
                 name + "' (it has " + source->schema().ToString() + ")");
    }
  }
  source->Project({spec.text_column, spec.prep.target});
  const size_t text_index = *source->schema().Find(spec.text_column);
  const size_t label_index = *source->schema().Find(spec.prep.target);

  corpus.rejects_staged = staged.Add(fs::absolute(spec.output).string() + ".rejects-" + std::to_string(::getpid()));
  std::error_code ec;
  fs::create_directories(fs::absolute(spec.output).parent_path(), ec);
  RejectFile rejects(corpus.rejects_staged);
  const Tokenizer tokenizer(params.tokenizer);
  std::vector<TokenCounts> part_counts;
  std::mutex mutex;
  std::atomic<int64_t> truncated{0};
  ScanTotals totals = source->Scan(pool, [&](size_t index, RecordBatch&& batch) {
    std::vector<TextRow> rows;
    TokenCounts counts;
    std::vector<RejectedRow> unusable = std::move(batch.rejects);
    const Column& text = batch.columns[text_index];
    const Column& label = batch.columns[label_index];
    for (size_t row = 0; row < batch.num_rows(); ++row) {
      auto reject = [&](std::string reason) { unusable.push_back({batch.lines[row], std::move(reason), ""}); };
      if (text.IsNull(row) || text.String(row).empty()) {
        reject("column " + spec.text_column + ": empty text");
        continue;
      }
      if (label.IsNull(row) || label.String(row).empty()) {
        reject("column " + spec.prep.target + ": missing label");
        continue;
      }
      TextRow out{batch.file_index, batch.lines[row], SplitOfRow(spec.prep.split, batch.file_index, batch.lines[row]), {},
                  std::string(label.String(row))};
      std::string error;
      bool cut = false;
      if (!tokenizer.Tokenize(text.String(row), out.tokens, &error, &cut)) {
        reject("column " + spec.text_column + ": " + error);
        continue;
      }
      if (out.tokens.empty()) {
        reject("column " + spec.text_column + ": no words in the text");
        continue;
      }
      truncated += cut;
      if (out.split == SplitPart::kTrain) counts.Add(out.tokens);
      rows.push_back(std::move(out));
    }
    std::sort(unusable.begin(), unusable.end(), [](const RejectedRow& a, const RejectedRow& b) { return a.line < b.line; });
    rejects.Add(index, batch.source_name, std::move(unusable));
    std::lock_guard<std::mutex> lock(mutex);
    if (corpus.parts.size() <= index) {
      corpus.parts.resize(index + 1);
      part_counts.resize(index + 1);
    }
    corpus.parts[index] = std::move(rows);
    part_counts[index] = std::move(counts);
  });
  rejects.Close();
  CheckSourceRejectRate(spec, totals, rejects, corpus.rejects_staged);
  corpus.rows_rejected = rejects.count();
  corpus.first_reject = rejects.first();

  // θ on the train split: vocabulary and labels, merged in input order.
  TokenCounts counts;
  std::vector<std::string> train_labels;
  for (size_t i = 0; i < corpus.parts.size(); ++i) {
    counts.Merge(part_counts[i]);
    for (const auto& row : corpus.parts[i]) {
      if (row.split == SplitPart::kTrain) train_labels.push_back(row.label);
    }
  }
  if (train_labels.empty()) ThrowInputData(spec.source.uri + ": no usable row is left in the train split");
  corpus.vocabulary = Vocabulary::Fit(counts, params.min_count, params.max_vocabulary);
  corpus.labels = LabelMap::Fit(train_labels);

  // Valid and test rows whose label training never saw are filtered.
  int64_t split_rows[3] = {0, 0, 0}, unseen_label = 0;
  for (auto& part : corpus.parts) {
    std::erase_if(part, [&](const TextRow& row) {
      if (corpus.labels.Id(row.label)) {
        ++split_rows[static_cast<int>(row.split)];
        return false;
      }
      ++unseen_label;
      return true;
    });
  }
  const int64_t kept = split_rows[0] + split_rows[1] + split_rows[2];
  if (kept + unseen_label + corpus.rows_rejected + totals.rows_blank != totals.rows_read) {
    ThrowInternal("row accounting is off: read " + std::to_string(totals.rows_read) + ", accounted " +
                  std::to_string(kept + unseen_label + corpus.rows_rejected + totals.rows_blank));
  }
  corpus.rows = {{"read", totals.rows_read},
                 {"rejected", corpus.rows_rejected},
                 {"blank", totals.rows_blank},
                 {"filtered", unseen_label},
                 {"filtered_by_filter", 0},
                 {"filtered_missing_target", 0},
                 {"filtered_missing_value", 0},
                 {"filtered_unseen_label", unseen_label},
                 {"kept", kept},
                 {"train", split_rows[0]},
                 {"valid", split_rows[1]},
                 {"test", split_rows[2]},
                 {"truncated_texts", truncated.load()},
                 {"tokenized_texts", kept + unseen_label},
                 {"max_tokens", static_cast<int64_t>(params.tokenizer.max_tokens)}};
  // A cut text loses its end, where reviews often say what they think: past
  // a few percent the default max_tokens is hiding part of the data.
  const double cut_share = kept + unseen_label > 0 ? static_cast<double>(truncated.load()) / static_cast<double>(kept + unseen_label) : 0;
  if (cut_share > kTruncatedWarningShare) {
    char warning[256];
    std::snprintf(warning, sizeof warning,
                  "sluice: warning: %.1f%% of the texts (%s) are longer than max_tokens (%zu) and were cut; "
                  "raise train.params.max_tokens to read them whole",
                  100 * cut_share, FormatCount(truncated.load()).c_str(), params.tokenizer.max_tokens);
    Log(LogLevel::kWarning, warning);
  }
  corpus.data = {{"uri", spec.source.uri}, {"files", source->files()}, {"fingerprint", totals.fingerprint}};
  corpus.read_seconds = SecondsSince(read_start);
  log("text: " + FormatCount(totals.rows_read) + " rows, vocabulary " +
      FormatCount(static_cast<int64_t>(corpus.vocabulary.size())) + ", " + std::to_string(corpus.labels.size()) +
      " classes");
  return corpus;
}

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

// For a learner that takes checkpoints, with train.checkpoint_every set: the
// store its checkpoints go to, keyed by the pipeline as resolved, the data,
// the thread count and the learner, and `training` set to resume from the
// newest one and write further ones there.
std::unique_ptr<CheckpointStore> OpenCheckpoints(const TextLearner& learner, const std::string& output,
                                                 const PipelineSpec& spec, const TextCorpus& corpus, size_t threads,
                                                 const std::function<void(const std::string&)>& log,
                                                 TextTraining& training) {
  if (!learner.takes_checkpoints() || spec.train.checkpoint_every <= 0) return nullptr;
  FingerprintBuilder key;
  key.Add(spec.resolved.dump());
  key.Add(corpus.data.value("fingerprint", ""));
  key.Add(std::to_string(threads));
  key.Add(learner.name());
  // Beside the output, not in it: several learners' go to OUTPUT.checkpoints/LEARNER.
  const std::string checkpoint_dir = output == spec.output
                                         ? fs::absolute(output).string() + ".checkpoints"
                                         : (fs::absolute(spec.output).concat(".checkpoints") / learner.name()).string();
  auto store = std::make_unique<CheckpointStore>(checkpoint_dir, key.Hex(), spec.checkpoint_keep);
  int skipped = 0;
  const std::string name = learner.name();
  if (auto latest = store->Latest(&skipped)) {
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

// Trains one learner on the corpus, evaluates it on the test split and
// writes its model directory to `save_to` (`output`, or where it is staged
// until every learner is done); returns its part of the run summary.
nlohmann::json TrainLearner(const std::shared_ptr<const TextLearner>& learner_ptr, const std::string& output, const std::string& save_to,
                            const PipelineSpec& spec,
                            const TextParams& params, const TextCorpus& corpus, size_t threads, ThreadPool& pool,
                            StagedFiles& staged, const RunOptions& options,
                            const std::function<void(const std::string&)>& log) {
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
  std::unique_ptr<CheckpointStore> store = OpenCheckpoints(text_learner, output, spec, corpus, threads, log, training);
  TrainedText trained = text_learner.Train(training);
  if (store) store->Clear();
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
  std::vector<std::vector<int64_t>> confusion;
  MetricList metric_list = ClassificationMetrics(test_labels, probabilities, classes, &confusion);
  const std::string staged_predictions =
      staged.Add(fs::absolute(save_to).string() + ".predictions-" + std::to_string(::getpid()));
  {
    auto writer = AtomicFileWriter::Open(staged_predictions);
    std::string out = "file,line,label,prediction";
    for (const auto& name : corpus.labels.labels()) out += ",p_" + name;
    out += "\n";
    for (size_t i = 0; i < test.size(); ++i) {
      const float* p = probabilities.data() + i * static_cast<size_t>(classes);
      int predicted = static_cast<int>(std::max_element(p, p + classes) - p);
      AppendInt(out, test_rows[i].first);
      out += ",";
      AppendInt(out, test_rows[i].second);
      out += "," + corpus.labels.Label(test.labels[i]) + "," + corpus.labels.Label(predicted);
      for (int c = 0; c < classes; ++c) {
        out.push_back(',');
        AppendFloat(out, p[c]);
      }
      out.push_back('\n');
    }
    writer.Write(out);
    writer.Commit();
  }
  const double eval_seconds = SecondsSince(eval_start);

  nlohmann::json metrics = nlohmann::json::object();
  for (const auto& [name, value] : metric_list) metrics[name] = value;
  metrics["rows_read"] = corpus.rows["read"];
  metrics["rows_rejected"] = corpus.rows_rejected;
  metrics["rows_train"] = splits[0].size();
  metrics["rows_test"] = splits[2].size();
  metrics["confusion_matrix"] = confusion;

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
  artifact.Save(save_to, manifest, metrics, extra);
  const double save_seconds = SecondsSince(save_start);

  nlohmann::json summary;
  summary["learner"] = learner;
  summary["artifact"] = output;
  summary["rejects_file"] = rejects_name;
  summary["metrics"] = metrics;
  summary["model"] = model_summary;
  // The epochs' curves as series for the run history: train-loss, valid-loss, valid-accuracy.
  nlohmann::json curves = nlohmann::json::object();
  for (const auto& point : curve) {
    for (const char* key : {"train_loss", "valid_loss", "valid_accuracy"}) {
      if (!point.contains(key)) continue;
      std::string series = key;
      series[series.find('_')] = '-';
      curves[series].push_back(point[key]);
    }
  }
  summary["curves"] = std::move(curves);
  summary["features"] = text_learner.num_features(corpus.vocabulary);
  summary["matrix_bytes"] = static_cast<double>(splits[0].ids.size() + splits[1].ids.size() + splits[2].ids.size()) * 4;
  summary["seconds"] = {{"train", train_seconds}, {"evaluate", eval_seconds}, {"save", save_seconds}};
  return summary;
}

}  // namespace

nlohmann::json RunTextTraining(const PipelineSpec& spec, const RunOptions& options) {
  if (!spec.checks.empty()) ThrowUsage("checks: data checks run on tabular jobs only so far, not on a text job (train.text)");
  auto run_start = RunClock::now();
  const TextParams params = ParseTextParams(spec.learner, spec.train.params);
  size_t threads = spec.threads > 0 ? static_cast<size_t>(spec.threads) : ThreadPool::DefaultThreads();
  ThreadPool pool(threads);
  Progress::SetEnabled(!options.quiet);
  auto log = [&](const std::string& line) {
    if (!options.quiet) LogInfo(line);
  };
  CollectLeftovers(spec.output);
  StagedFiles staged;
  options.Step("read");
  const TextCorpus corpus = ReadCorpus(spec, params, pool, staged, log);

  // Each learner on the same tokens; with several, each model directory is
  // named after its learner under the output directory. Those are staged
  // together and replace the output at the end, so that a run stopped after
  // its first learner leaves nothing of itself under the output.
  nlohmann::json learners = nlohmann::json::array();
  const bool several = params.learners.size() > 1;
  const std::string output_dir = fs::absolute(spec.output).lexically_normal().string();
  const std::string staged_root = output_dir + ".staging-" + std::to_string(::getpid());
  if (several) {
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
          TrainLearner(text_learner, output, save_to, spec, params, corpus, threads, pool, staged, options, log));
    }
    if (several) ReplaceDirectory(staged_root, output_dir);
  } catch (...) {
    if (several) FileSystem::Default().RemoveAll(staged_root);
    throw;
  }

  nlohmann::json summary;
  summary["name"] = spec.name;
  summary["task"] = "classification";
  summary["kind"] = "text";
  summary["rows"] = corpus.rows;
  summary["split"] = SplitShares(spec.prep.split);
  summary["first_reject"] = corpus.first_reject;
  summary["fingerprint"] = corpus.data["fingerprint"];
  summary["vocabulary"] = corpus.vocabulary.size();
  summary["classes"] = corpus.labels.labels();
  summary["unused_columns"] = nlohmann::json::array();
  summary["learners"] = learners;
  summary["curves"] = nlohmann::json::object();
  for (const auto& learner : learners) {
    for (const auto& [series, values] : learner["curves"].items()) {
      summary["curves"][learners.size() == 1 ? series : learner["learner"].get<std::string>() + ":" + series] = values;
    }
  }
  summary["peak_rss_bytes"] = static_cast<double>(PeakRssBytes());
  summary["seconds"] = {{"read_fit", corpus.read_seconds}, {"total", SecondsSince(run_start)}};
  if (learners.size() == 1) {
    // One learner: its facts at the top, as a tabular run gives them.
    for (const char* key : {"artifact", "rejects_file", "metrics", "model", "features", "matrix_bytes"}) {
      summary[key] = learners[0][key];
    }
    summary["seconds"].update(learners[0]["seconds"]);
    summary["seconds"]["apply"] = 0.0;
  } else {
    summary["artifact"] = spec.output;
    summary["rejects_file"] = learners[0]["rejects_file"];
  }
  return summary;
}

}  // namespace sluice
