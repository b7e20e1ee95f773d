#include "pipeline/training_steps.h"

#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <mutex>

#include "artifact/artifact.h"
#include "cluster/communicator.h"
#include "cluster/rank_outputs.h"
#include "common/atomic_file.h"
#include "common/error.h"
#include "common/format.h"
#include "common/memory.h"
#include "common/thread_pool.h"
#include "common/uri.h"
#include "io/reject_file.h"
#include "pipeline/pipeline_keys.h"
#include "pipeline/prep_passes.h"
#include "pipeline/run_manifest.h"
#include "prep/prep_plan.h"
#include "train/metrics.h"

namespace sluice {

namespace {


namespace fs = std::filesystem;
// One batch's rows after prep, encoded, by split.
struct EncodedBatch {
  DenseBlock parts[3];
  std::vector<int64_t> test_lines;
  uint32_t file_index = 0;
};

// Ingest and prep in this run: the fit pass, then the apply pass building
// the three matrices.
PreparedData PrepareFromSource(const PipelineSpec& spec, ThreadPool& pool, StagedFiles& staged, const RunLog& log,
                               bool shard) {
  PreparedData prepared;
  auto source = TableSource::Open(spec.source);
  auto plan = PrepPlan::Make(spec.prep, source->schema(), source->key_columns());
  // Every column of the training data, before projection: serving accepts
  // rows of these (and ignores the ones the model does not read).
  prepared.raw_schema = source->schema();
  prepared.used_columns = plan->feature_columns();
  for (const auto& unused : plan->unused_columns()) {
    prepared.unused_columns.push_back({unused.name, unused.reason});
  }
  // Read only what prep uses; the plan is bound again to the narrower schema.
  const std::vector<std::string> used = plan->SourceColumnsUsed();
  if (used.size() < source->schema().size()) {
    source->Project(used);
    plan = PrepPlan::Make(spec.prep, source->schema(), source->key_columns());
  }
  source->SetPruningPredicates(plan->PruningPredicates());
  // Checks may read more columns; the batches are narrowed back for prep.
  std::unique_ptr<DataChecks> checks = BindChecks(spec, *source, prepared.raw_schema, used);
  // Under MPI each rank reads its own share of the source (io/source_shard.h).
  // Otherwise this process is a job of its own.
  Communicator& job = shard ? Job() : SingleProcessJob();
  prepared.sharded = job.size() > 1;
  if (job.size() > 1) {
    source->SetShard({job.rank(), job.size(), [&job](const std::string& mine) { return job.AllGather(mine); }});
  }
  log("source: " + std::to_string(source->files().size()) + " file(s), " + FormatBytes(source->total_bytes()) +
      "; schema: " + source->schema().ToString());

  // Pass 1: fit θ on the train split.
  auto fit_start = RunClock::now();
  // Named by rank 0's process: the ranks' own files are joined into it.
  const std::string run_pid = job.Broadcast(std::to_string(::getpid()), 0);
  const std::string staged_rejects = fs::absolute(spec.output).string() + ".rejects-" + run_pid;
  // Each rank removes only its own files: the joined one is rank 0's.
  if (job.rank() == 0) staged.Add(staged_rejects);
  if (job.size() > 1) staged.Add(RankPath(staged_rejects, job));
  std::error_code ec;
  fs::create_directories(fs::absolute(spec.output).parent_path(), ec);
  RejectFile rejects(RankPath(staged_rejects, job));
  PrepCache cache(DefaultPrepCacheBytes());
  FitPassResult fit = FitPass(*source, *plan, pool, rejects, RedactUri(spec.source.uri), &cache, checks.get());
  JoinRankFiles(staged_rejects, true, job);
  CheckSourceRejectRate(spec, fit.totals, rejects, staged_rejects);
  prepared.checks = FinishChecks(checks.get(), fit.totals, RedactUri(spec.source.uri));
  prepared.fitted = std::move(fit.fitted);
  const FittedPrep& fitted = *prepared.fitted;
  prepared.read_fit_seconds = SecondsSince(fit_start);

  // Pass 2: apply θ and build the matrices, one block per batch and split.
  auto apply_start = RunClock::now();
  size_t num_features = fitted.num_features();
  std::vector<EncodedBatch> encoded;
  std::mutex encoded_mutex;
  FilterCounts filtered;
  ApplyPass(*source, *plan, fitted, pool, [&](size_t index, const EncodedRows& rows) {
    EncodedBatch out;
    out.file_index = rows.batch.file_index;
    size_t sizes[3] = {0, 0, 0};
    for (uint8_t part : rows.split) ++sizes[part];
    for (int part = 0; part < 3; ++part) {
      out.parts[part].values.reserve(sizes[part] * num_features);
      out.parts[part].labels.reserve(sizes[part]);
    }
    for (size_t row = 0; row < rows.split.size(); ++row) {
      DenseBlock& block = out.parts[rows.split[row]];
      const float* first = rows.features.data() + row * num_features;
      block.values.insert(block.values.end(), first, first + num_features);
      block.labels.push_back(rows.labels[row]);
      if (rows.split[row] == static_cast<uint8_t>(SplitPart::kTest)) out.test_lines.push_back(rows.batch.lines[row]);
    }
    std::lock_guard<std::mutex> lock(encoded_mutex);
    filtered.Add(rows.filtered);
    if (encoded.size() <= index) encoded.resize(index + 1);
    encoded[index] = std::move(out);
  }, &cache);
  // Row groups the filter's statistics ruled out were filtered without being read.
  filtered.by_filter += fit.totals.rows_pruned;
  DenseMatrix* matrices = prepared.splits;
  for (auto& batch : encoded) {
    for (int part = 0; part < 3; ++part) {
      if (batch.parts[part].rows() > 0) matrices[part].blocks.push_back(std::move(batch.parts[part]));
    }
    prepared.test_lines.insert(prepared.test_lines.end(), batch.test_lines.begin(), batch.test_lines.end());
    prepared.test_files.insert(prepared.test_files.end(), batch.test_lines.size(), batch.file_index);
  }
  encoded.clear();
  encoded.shrink_to_fit();
  for (int part = 0; part < 3; ++part) matrices[part].num_features = num_features;
  prepared.apply_seconds = SecondsSince(apply_start);

  // Each rank keeps its own rows; the accounting is every rank's together.
  const std::vector<int64_t> sums =
      SumOverRanks({static_cast<int64_t>(matrices[0].num_rows()), static_cast<int64_t>(matrices[1].num_rows()),
                    static_cast<int64_t>(matrices[2].num_rows()), filtered.by_filter - fit.totals.rows_pruned,
                    filtered.missing_target, filtered.missing_value, filtered.unseen_label},
                   job);
  const int64_t split_rows[3] = {sums[0], sums[1], sums[2]};
  filtered = {sums[3] + fit.totals.rows_pruned, sums[4], sums[5], sums[6]};
  prepared.rows = RowAccounting(fit.totals, filtered, split_rows);
  prepared.data = {{"uri", RedactUri(spec.source.uri)}, {"files", source->files()}, {"fingerprint", fit.totals.fingerprint}};
  prepared.split = SharesOf(spec.prep.split);
  if (rejects.count() > 0 && job.rank() == 0) {
    prepared.rejects_file = staged_rejects;
    prepared.first_reject = rejects.first();
  }
  return prepared;
}

}  // namespace

PreparedData PrepareData(const PipelineSpec& spec, ThreadPool& pool, StagedFiles& staged, const RunLog& log,
                         bool shard) {
  if (spec.train_prepared.empty()) return PrepareFromSource(spec, pool, staged, log, shard);
  if (!spec.checks.empty()) {
    ThrowUsage("checks: the source is not read when training from train.prepared; run the checks with `sluice prep`");
  }
  auto load_start = RunClock::now();
  log("prepared data: " + spec.train_prepared + " (its source, prep and split stand for the pipeline's)");
  PreparedData prepared = LoadPreparedData(spec.train_prepared, pool, shard);
  if (prepared.fitted->target() != spec.prep.target) {
    ThrowUsage("train.target is '" + spec.prep.target + "' but " + spec.train_prepared + " was prepared for '" +
               prepared.fitted->target() + "'");
  }
  prepared.read_fit_seconds = SecondsSince(load_start);
  return prepared;
}

void CheckLearnerParams(const Learner& learner, const PipelineSpec& spec) {
  for (const auto& [name, value] : spec.train.params) {
    if (!learner.KnowsParam(name)) {
      ThrowUsage(spec.file + ": train.params." + name + ": not a parameter of the " + spec.learner + " learner");
    }
  }
}

namespace {

// The test split's metrics for the model's task; a multi-class model's
// confusion matrix into `confusion`, and each class's precision, recall and F1.
MetricList ScoreTestSplit(Task task, const std::vector<float>& test_labels, const std::vector<float>& test_predictions,
                       size_t outputs, const std::vector<std::string>& classes,
                       std::vector<std::vector<int64_t>>* confusion) {
  MetricList metric_list;
  if (task == Task::kMultiClassification) {
    std::vector<int> ids(test_labels.begin(), test_labels.end());
    metric_list = ClassificationMetrics(ids, test_predictions, static_cast<int>(outputs), confusion);
    // Each class's precision, recall and F1, from the confusion matrix.
    for (size_t c = 0; c < outputs; ++c) {
      int64_t predicted = 0, actual = 0;
      for (size_t k = 0; k < outputs; ++k) {
        predicted += (*confusion)[k][c];
        actual += (*confusion)[c][k];
      }
      const double tp = static_cast<double>((*confusion)[c][c]);
      const double precision = predicted > 0 ? tp / static_cast<double>(predicted) : 0;
      const double recall = actual > 0 ? tp / static_cast<double>(actual) : 0;
      metric_list.push_back({"precision[" + classes[c] + "]", precision});
      metric_list.push_back({"recall[" + classes[c] + "]", recall});
      metric_list.push_back({"f1[" + classes[c] + "]", precision + recall > 0 ? 2 * precision * recall / (precision + recall) : 0});
    }
  } else if (task == Task::kRegression) {
    metric_list = RegressionMetrics(test_labels, test_predictions);
  } else {
    metric_list = BinaryMetrics(test_labels, test_predictions);
  }
  return metric_list;
}

// test_predictions.csv: each test row's file and line, its label and the
// prediction (a multi-class model: the label and the predicted class as
// text, then each class's probability).
void WriteTestPredictions(const std::string& path, const PreparedData& prepared, const std::vector<float>& test_labels,
                          const std::vector<float>& test_predictions, size_t outputs,
                          const std::vector<std::string>& classes) {
  auto writer = AtomicFileWriter::Open(path);
  // A multi-class model: the label and the predicted class as text, then
  // each class's probability.
  std::string out = "file,line,label,prediction";
  if (!classes.empty()) {
    for (const auto& label : classes) {
      out.push_back(',');
      AppendCsvField(out, std::string("p_").append(label));
    }
  }
  out.push_back('\n');
  for (size_t i = 0; i < test_labels.size(); ++i) {
    AppendInt(out, prepared.test_files[i]);
    out.push_back(',');
    AppendInt(out, prepared.test_lines[i]);
    out.push_back(',');
    if (classes.empty()) {
      AppendFloat(out, test_labels[i]);
      out.push_back(',');
      AppendFloat(out, test_predictions[i]);
    } else {
      const float* p = test_predictions.data() + i * outputs;
      AppendCsvField(out, classes[static_cast<size_t>(test_labels[i])]);
      out.push_back(',');
      AppendCsvField(out, classes[static_cast<size_t>(std::max_element(p, p + outputs) - p)]);
      for (size_t c = 0; c < outputs; ++c) {
        out.push_back(',');
        AppendFloat(out, p[c]);
      }
    }
    out.push_back('\n');
    if (out.size() > (1 << 20)) {
      writer.Write(out);
      out.clear();
    }
  }
  writer.Write(out);
  writer.Commit();
}

// A rank's scored test rows as bytes: the count, then labels, predictions,
// source files and lines, each a native-endian array.
template <typename T>
void AppendArray(std::string& out, const std::vector<T>& values) {
  out.append(reinterpret_cast<const char*>(values.data()), values.size() * sizeof(T));
}

template <typename T>
void ReadArray(const std::string& in, size_t& at, size_t count, std::vector<T>& out) {
  if (at + count * sizeof(T) > in.size()) ThrowInternal("a rank's test rows are cut short");
  const size_t start = out.size();
  out.resize(start + count);
  std::memcpy(out.data() + start, in.data() + at, count * sizeof(T));
  at += count * sizeof(T);
}

std::string PackTestRows(const std::vector<float>& labels, const std::vector<float>& predictions,
                         const PreparedData& prepared) {
  std::string out;
  const uint64_t rows = labels.size();
  out.append(reinterpret_cast<const char*>(&rows), sizeof rows);
  AppendArray(out, labels);
  AppendArray(out, predictions);
  AppendArray(out, prepared.test_files);
  AppendArray(out, prepared.test_lines);
  return out;
}

void UnpackTestRows(const std::string& in, size_t outputs, std::vector<float>& labels, std::vector<float>& predictions,
                    PreparedData& prepared) {
  uint64_t rows = 0;
  if (in.size() < sizeof rows) ThrowInternal("a rank's test rows are cut short");
  std::memcpy(&rows, in.data(), sizeof rows);
  size_t at = sizeof rows;
  ReadArray(in, at, rows, labels);
  ReadArray(in, at, rows * outputs, predictions);
  ReadArray(in, at, rows, prepared.test_files);
  ReadArray(in, at, rows, prepared.test_lines);
}

}  // namespace

RunSummary EvaluateAndSave(const PipelineSpec& spec, PreparedData& prepared, const FinishedTraining& trained,
                           StagedFiles& staged) {
  // Evaluate on the test split, and keep the test predictions.
  auto eval_start = RunClock::now();
  std::vector<float> test_labels = prepared.splits[2].AllLabels();
  const size_t outputs = trained.model->num_outputs();
  const std::vector<std::string>& classes = prepared.fitted->labels();
  std::vector<float> test_predictions;
  test_predictions.reserve(test_labels.size() * outputs);
  for (const auto& block : prepared.splits[2].blocks) {
    std::vector<float> out(block.rows() * outputs);
    trained.model->Predict(block.values.data(), block.rows(), out.data());
    test_predictions.insert(test_predictions.end(), out.begin(), out.end());
  }
  // Across ranks each scored its own test rows: rank 0 gathers them, in
  // rank order (input order), and goes on alone.
  Communicator& job = Job();
  if (prepared.sharded) {
    const auto all = job.Gather(PackTestRows(test_labels, test_predictions, prepared), 0);
    if (job.rank() > 0) return RunSummary();
    test_labels.clear();
    test_predictions.clear();
    prepared.test_files.clear();
    prepared.test_lines.clear();
    for (const auto& rows : all) UnpackTestRows(rows, outputs, test_labels, test_predictions, prepared);
  }
  std::vector<std::vector<int64_t>> confusion;
  MetricList metric_list = ScoreTestSplit(trained.task, test_labels, test_predictions, outputs, classes, &confusion);
  std::string staged_predictions =
      staged.Add(fs::absolute(spec.output).string() + ".predictions-" + std::to_string(::getpid()));
  WriteTestPredictions(staged_predictions, prepared, test_labels, test_predictions, outputs, classes);
  double eval_seconds = SecondsSince(eval_start);

  const RowCounts& counts = prepared.rows;
  TestMetrics metrics;
  for (const auto& [name, value] : metric_list) metrics.scores[name] = value;
  if (!confusion.empty()) {
    metrics.confusion = confusion;
    metrics.classes = classes;
  }
  metrics.rows["rows_read"] = counts.read;
  metrics.rows["rows_rejected"] = counts.rejected;
  metrics.rows["rows_filtered"] = counts.filtered;
  // From the row accounting: training has taken the train and valid matrices over.
  metrics.rows["rows_train"] = counts.train;
  metrics.rows["rows_valid"] = counts.valid;
  metrics.rows["rows_test"] = counts.test;

  auto save_start = RunClock::now();
  nlohmann::json manifest = RunManifest(spec, prepared.data, counts, prepared.raw_schema,
                                        TaskName(trained.task), trained.threads,
                                        trained.curve);
  for (const auto& [key, value] : trained.manifest.items()) manifest[key] = value;
  std::vector<std::pair<std::string, std::string>> extra = trained.files;
  extra.push_back({"test_predictions.csv", staged_predictions});
  std::string rejects_name = prepared.rejects_file;
  if (spec.train_prepared.empty() && !prepared.rejects_file.empty()) {
    if (spec.rejects.empty()) {
      extra.push_back({"rejects.csv", prepared.rejects_file});
      rejects_name = (fs::path(spec.output) / "rejects.csv").string();
    } else {
      FileSystem::Default().Rename(prepared.rejects_file, spec.rejects);
      rejects_name = spec.rejects;
    }
  }
  Artifact::Save(spec.output, *prepared.fitted, *trained.model, manifest, metrics.ToJson(), extra);
  double save_seconds = SecondsSince(save_start);

  RunSummary summary;
  summary.name = spec.name;
  summary.artifact = spec.output;
  summary.rejects_file = rejects_name;
  summary.first_reject = prepared.first_reject;
  summary.rows = counts;
  summary.split = prepared.split;
  summary.features = static_cast<int64_t>(prepared.fitted->num_features());
  summary.used_columns = prepared.used_columns;
  summary.checks = prepared.checks;
  summary.unused_columns = prepared.unused_columns;
  summary.task = manifest["task"].get<std::string>();
  summary.model = trained.model->Describe();
  summary.fingerprint = prepared.data.value("fingerprint", "");
  summary.matrix_bytes = static_cast<double>((counts.train + counts.valid + counts.test) * summary.features) * sizeof(float);
  summary.metrics = std::move(metrics);
  summary.peak_rss_bytes = static_cast<double>(PeakRssBytes());
  summary.seconds.evaluate = eval_seconds;
  summary.seconds.save = save_seconds;
  return summary;
}

}  // namespace sluice
