#include "pipeline/text_run.h"

#include <unistd.h>

#include <chrono>
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
#include "common/memory.h"
#include "common/progress.h"
#include "common/thread_pool.h"
#include "io/reject_file.h"
#include "io/table_source.h"
#include "pipeline/run_support.h"
#include "prep/prep_plan.h"
#include "text/ngram_features.h"
#include "train/metrics.h"

namespace sluice {

namespace {

namespace fs = std::filesystem;
// The learner settings train.params may hold for a text job, with defaults.
struct TextParams {
  TokenizerOptions tokenizer;
  int64_t min_count = 1;
  size_t max_vocabulary = 200000;
  uint32_t buckets = 200000;
  NgramConfig ngram;
};

TextParams ParseTextParams(const std::map<std::string, std::string>& params) {
  TextParams out;
  auto number = [](const std::string& key, const std::string& text, double low, double high) {
    char* end = nullptr;
    double value = std::strtod(text.c_str(), &end);
    if (end == text.c_str() || *end != '\0' || value < low || value > high) {
      ThrowUsage("train.params." + key + ": '" + text + "' is not a number in [" + FormatDouble(low) + ", " +
                 FormatDouble(high) + "]");
    }
    return value;
  };
  auto flag = [](const std::string& key, const std::string& text) {
    if (text == "true") return true;
    if (text == "false") return false;
    ThrowUsage("train.params." + key + ": expected true or false, got '" + text + "'");
  };
  for (const auto& [key, value] : params) {
    if (key == "dim") {
      out.ngram.dim = static_cast<int>(number(key, value, 1, 1024));
    } else if (key == "epochs") {
      out.ngram.epochs = static_cast<int>(number(key, value, 1, 10000));
    } else if (key == "learning_rate") {
      out.ngram.learning_rate = number(key, value, 1e-6, 100);
    } else if (key == "buckets") {
      out.buckets = static_cast<uint32_t>(number(key, value, 0, 1 << 26));
    } else if (key == "min_count") {
      out.min_count = static_cast<int64_t>(number(key, value, 1, 1e9));
    } else if (key == "max_vocabulary") {
      out.max_vocabulary = static_cast<size_t>(number(key, value, 1, 1e8));
    } else if (key == "max_tokens") {
      out.tokenizer.max_tokens = static_cast<size_t>(number(key, value, 0, 1e6));
    } else if (key == "lowercase") {
      out.tokenizer.lowercase = flag(key, value);
    } else if (key == "strip_html") {
      out.tokenizer.strip_html = flag(key, value);
    } else if (key == "strip_urls") {
      out.tokenizer.strip_urls = flag(key, value);
    } else if (key == "shuffle") {
      out.ngram.shuffle = flag(key, value);
    } else {
      ThrowUsage("train.params." + key + ": not a setting of the ngram learner (dim, epochs, learning_rate, buckets, "
                 "min_count, max_vocabulary, max_tokens, lowercase, strip_html, strip_urls, shuffle)");
    }
  }
  return out;
}

// One usable row: where it came from, its split, tokens and label.
struct TextRow {
  uint32_t file;
  int64_t line;
  SplitPart split;
  std::vector<std::string> tokens;
  std::string label;
};

}  // namespace

nlohmann::json RunTextTraining(const PipelineSpec& spec, const RunOptions& options) {
  auto run_start = RunClock::now();
  if (spec.learner != "ngram") {
    ThrowUsage("train.learner: '" + spec.learner + "' cannot train on text (ngram; bilstm is not built yet)");
  }
  const TextParams params = ParseTextParams(spec.train.params);
  size_t threads = spec.threads > 0 ? static_cast<size_t>(spec.threads) : ThreadPool::DefaultThreads();
  ThreadPool pool(threads);
  Progress::SetEnabled(!options.quiet);
  auto log = [&](const std::string& line) {
    if (!options.quiet) std::fprintf(stderr, "%s\n", line.c_str());
  };

  // Ingest: the text and label columns, both read as strings.
  SourceOptions source_options = spec.source;
  source_options.column_types[spec.text_column] = DataType::kString;
  source_options.column_types[spec.prep.target] = DataType::kString;
  auto source = TableSource::Open(source_options);
  const Schema raw_schema = source->schema();
  for (const auto& name : {spec.text_column, spec.prep.target}) {
    if (!source->schema().Find(name)) {
      ThrowUsage("train." + std::string(name == spec.text_column ? "text" : "target") + ": the source has no column '" +
                 name + "' (it has " + source->schema().ToString() + ")");
    }
  }
  source->Project({spec.text_column, spec.prep.target});
  const size_t text_index = *source->schema().Find(spec.text_column);
  const size_t label_index = *source->schema().Find(spec.prep.target);

  auto read_start = RunClock::now();
  StagedFiles staged;
  const std::string staged_rejects = staged.Add(fs::absolute(spec.output).string() + ".rejects-" + std::to_string(::getpid()));
  std::error_code ec;
  fs::create_directories(fs::absolute(spec.output).parent_path(), ec);
  RejectFile rejects(staged_rejects);
  const Tokenizer tokenizer(params.tokenizer);
  std::vector<std::vector<TextRow>> parts;
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
    if (parts.size() <= index) {
      parts.resize(index + 1);
      part_counts.resize(index + 1);
    }
    parts[index] = std::move(rows);
    part_counts[index] = std::move(counts);
  });
  rejects.Close();
  const int64_t rows_rejected = rejects.count();

  // θ on the train split: vocabulary and labels, merged in input order.
  TokenCounts counts;
  std::vector<std::string> train_labels;
  for (size_t i = 0; i < parts.size(); ++i) {
    counts.Merge(part_counts[i]);
    for (const auto& row : parts[i]) {
      if (row.split == SplitPart::kTrain) train_labels.push_back(row.label);
    }
  }
  if (train_labels.empty()) ThrowInputData(spec.source.uri + ": no usable row is left in the train split");
  Vocabulary vocabulary = Vocabulary::Fit(counts, params.min_count, params.max_vocabulary);
  LabelMap labels = LabelMap::Fit(train_labels);
  const double read_seconds = SecondsSince(read_start);
  log("text: " + FormatCount(totals.rows_read) + " rows, vocabulary " + FormatCount(static_cast<int64_t>(vocabulary.size())) +
      ", " + std::to_string(labels.size()) + " classes");

  // Features; valid and test rows whose label training never saw are filtered.
  TextExamples splits[3];
  std::vector<std::pair<uint32_t, int64_t>> test_rows;
  int64_t unseen_label = 0;
  std::vector<int32_t> features;
  for (const auto& part : parts) {
    for (const auto& row : part) {
      auto id = labels.Id(row.label);
      if (!id) {
        ++unseen_label;
        continue;
      }
      features.clear();
      NgramFeatures(vocabulary, row.tokens, params.buckets, features);
      splits[static_cast<int>(row.split)].Add(features, *id);
      if (row.split == SplitPart::kTest) test_rows.push_back({row.file, row.line});
    }
  }
  parts.clear();

  // Train.
  auto train_start = RunClock::now();
  NgramConfig config = params.ngram;
  config.num_features = vocabulary.size() + params.buckets;
  config.num_classes = static_cast<int>(labels.size());
  config.threads = static_cast<int>(threads);
  config.seed = spec.seed;
  nlohmann::json curve = nlohmann::json::array();
  NgramModel model = NgramModel::Train(splits[0], config, [&](int epoch, double loss) {
    curve.push_back({{"epoch", epoch}, {"train_loss", loss}});
    char line[96];
    std::snprintf(line, sizeof line, "train: epoch %d/%d  loss %.4f", epoch + 1, config.epochs, loss);
    log(line);
  });
  const double train_seconds = SecondsSince(train_start);

  // Evaluate on the test split.
  auto eval_start = RunClock::now();
  const TextExamples& test = splits[2];
  const int classes = static_cast<int>(labels.size());
  std::vector<float> probabilities(test.size() * static_cast<size_t>(classes));
  std::vector<int> test_labels(test.labels.begin(), test.labels.end());
  for (size_t i = 0; i < test.size(); ++i) {
    model.Predict(test.ids.data() + test.offsets[i], test.offsets[i + 1] - test.offsets[i],
                  probabilities.data() + i * static_cast<size_t>(classes));
  }
  std::vector<std::vector<int64_t>> confusion;
  MetricList metric_list = ClassificationMetrics(test_labels, probabilities, classes, &confusion);
  const std::string staged_predictions =
      staged.Add(fs::absolute(spec.output).string() + ".predictions-" + std::to_string(::getpid()));
  {
    auto writer = AtomicFileWriter::Open(staged_predictions);
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
  const double eval_seconds = SecondsSince(eval_start);

  const int64_t split_rows[3] = {static_cast<int64_t>(splits[0].size()), static_cast<int64_t>(splits[1].size()),
                                 static_cast<int64_t>(splits[2].size())};
  const int64_t kept = split_rows[0] + split_rows[1] + split_rows[2];
  nlohmann::json rows = {{"read", totals.rows_read},
                         {"rejected", rows_rejected},
                         {"filtered", unseen_label},
                         {"filtered_by_filter", 0},
                         {"filtered_missing_target", 0},
                         {"filtered_missing_value", 0},
                         {"filtered_unseen_label", unseen_label},
                         {"kept", kept},
                         {"train", split_rows[0]},
                         {"valid", split_rows[1]},
                         {"test", split_rows[2]},
                         {"truncated_texts", truncated.load()}};
  if (kept + unseen_label + rows_rejected != totals.rows_read) {
    ThrowInternal("row accounting is off: read " + std::to_string(totals.rows_read) + ", accounted " +
                  std::to_string(kept + unseen_label + rows_rejected));
  }
  nlohmann::json metrics = nlohmann::json::object();
  for (const auto& [name, value] : metric_list) metrics[name] = value;
  metrics["rows_read"] = totals.rows_read;
  metrics["rows_rejected"] = rows_rejected;
  metrics["rows_train"] = split_rows[0];
  metrics["rows_test"] = split_rows[2];
  metrics["confusion_matrix"] = confusion;

  auto save_start = RunClock::now();
  nlohmann::json manifest;
  manifest["name"] = spec.name;
  manifest["created_unix"] = static_cast<int64_t>(std::time(nullptr));
  manifest["pipeline"] = spec.resolved;
  manifest["data"] = {{"uri", spec.source.uri}, {"files", source->files()}, {"fingerprint", totals.fingerprint}};
  manifest["rows"] = rows;
  manifest["raw_schema"] = raw_schema.ToJson();
  manifest["task"] = "classification";
  manifest["seed"] = spec.seed;
  manifest["threads"] = threads;
  manifest["curve"] = curve;
  std::vector<std::pair<std::string, std::string>> extra = {{"test_predictions.csv", staged_predictions}};
  std::string rejects_name;
  if (rows_rejected > 0) {
    extra.push_back({"rejects.csv", staged_rejects});
    rejects_name = (fs::path(spec.output) / "rejects.csv").string();
  }
  TextArtifact artifact(spec.text_column, spec.prep.target, params.tokenizer, std::move(vocabulary), std::move(labels),
                        params.buckets, std::move(model));
  artifact.Save(spec.output, manifest, metrics, extra);
  const double save_seconds = SecondsSince(save_start);

  nlohmann::json summary;
  summary["name"] = spec.name;
  summary["artifact"] = spec.output;
  summary["rejects_file"] = rejects_name;
  summary["first_reject"] = rejects.first();
  summary["rows"] = rows;
  summary["features"] = config.num_features;
  summary["unused_columns"] = nlohmann::json::array();
  summary["metrics"] = metrics;
  summary["task"] = "classification";
  summary["model"] = {{"learner", "ngram"}, {"classes", classes}, {"dim", config.dim}, {"epochs", config.epochs}};
  summary["fingerprint"] = totals.fingerprint;
  summary["matrix_bytes"] = static_cast<double>(splits[0].ids.size() + splits[1].ids.size() + splits[2].ids.size()) * 4;
  summary["peak_rss_bytes"] = static_cast<double>(PeakRssBytes());
  summary["seconds"] = {{"read_fit", read_seconds}, {"apply", 0.0},           {"train", train_seconds},
                        {"evaluate", eval_seconds}, {"save", save_seconds}, {"total", SecondsSince(run_start)}};
  return summary;
}

}  // namespace sluice
