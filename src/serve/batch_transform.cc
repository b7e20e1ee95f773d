#include "serve/batch_transform.h"

#include <algorithm>
#include <atomic>
#include <functional>
#include <memory>

#include "artifact/artifact.h"
#include "artifact/text_artifact.h"
#include "common/error.h"
#include "common/format.h"
#include "common/thread_pool.h"
#include "io/ordered_batches.h"
#include "io/reject_file.h"
#include "io/table_source.h"
#include "io/table_writer.h"

namespace sluice {

namespace {

// What a model kind contributes to a transform: the types its input columns
// must be read as, its output columns, and how it scores a batch.
struct Scorer {
  std::map<std::string, DataType> input_types;
  std::map<std::string, std::string> input_formats;  // declared timestamp formats
  std::vector<Field> outputs;
  // Moves rows the model cannot score into batch.rejects (with a reason),
  // before the carried columns are taken.
  std::function<void(RecordBatch&)> screen = [](RecordBatch&) {};
  // Appends one value per row of `batch` to each output column.
  std::function<void(RecordBatch&&, std::vector<Column>&)> score;
};

void SortRejects(RecordBatch& batch) {
  std::sort(batch.rejects.begin(), batch.rejects.end(),
            [](const RejectedRow& a, const RejectedRow& b) { return a.line < b.line; });
}

// The tabular model's scorer, less its score function (which needs the
// source's final schema to align rows).
Scorer TabularScorer(std::shared_ptr<const Artifact> artifact, const Schema& input_schema, const std::string& name) {
  Scorer scorer;
  const FittedPrep& prep = artifact->prep();
  for (const auto& field : prep.source_schema().fields()) {
    if (!input_schema.Find(field.name)) continue;
    scorer.input_types[field.name] = field.type;
    if (!field.format.empty()) scorer.input_formats[field.name] = field.format;
  }
  // A multi-class model: the most likely class, then each class's probability.
  if (prep.labels().empty()) {
    scorer.outputs = {{name, DataType::kFloat64}};
  } else {
    scorer.outputs = {{name, DataType::kString}};
    for (const auto& label : prep.labels()) scorer.outputs.push_back({std::string("p_").append(label), DataType::kFloat64});
  }
  // A row with no value in any column the model reads would get the model's
  // answer for "nothing known", a confident-looking number: it is rejected.
  std::vector<std::string> inputs;
  for (const auto& field : prep.source_schema().fields()) {
    if (field.name != prep.target()) inputs.push_back(field.name);
  }
  scorer.screen = [inputs](RecordBatch& batch) {
    std::vector<const Column*> columns;
    for (const auto& input : inputs) {
      if (auto index = batch.schema.Find(input)) columns.push_back(&batch.columns[*index]);
    }
    std::vector<uint8_t> keep(batch.num_rows(), 0);
    bool any = false;
    for (const Column* column : columns) {
      const auto& valid = column->valid();
      for (size_t row = 0; row < keep.size(); ++row) keep[row] |= valid[row];
    }
    for (size_t row = 0; row < keep.size(); ++row) {
      if (keep[row]) continue;
      any = true;
      batch.rejects.push_back({batch.lines[row], "no input values: every column the model reads is empty", ""});
    }
    if (!any) return;
    SortRejects(batch);
    batch.Filter(keep);
  };
  return scorer;
}

Scorer TextScorer(std::shared_ptr<const TextArtifact> artifact, const std::string& name) {
  Scorer scorer;
  const std::string column = artifact->text_column();
  scorer.input_types[column] = DataType::kString;
  scorer.outputs.push_back({name, DataType::kString});
  for (const auto& label : artifact->labels().labels()) scorer.outputs.push_back({"p_" + label, DataType::kFloat64});
  scorer.screen = [column](RecordBatch& batch) {
    auto index = batch.schema.Find(column);
    if (!index) ThrowUsage("the input has no column '" + column + "', the text the model reads");
    const Column& text = batch.columns[*index];
    std::vector<uint8_t> keep(batch.num_rows(), 1);
    bool any = false;
    for (size_t row = 0; row < batch.num_rows(); ++row) {
      if (text.IsNull(row) || text.String(row).empty()) {
        keep[row] = 0;
        any = true;
        batch.rejects.push_back({batch.lines[row], "column " + column + ": empty text", ""});
      }
    }
    if (!any) return;
    SortRejects(batch);
    batch.Filter(keep);
  };
  scorer.score = [artifact, column](RecordBatch&& batch, std::vector<Column>& out) {
    const Column& text = batch.columns[*batch.schema.Find(column)];
    // The batch's texts encoded, then scored in one model call.
    TextExamples docs;
    std::vector<uint8_t> encoded(batch.num_rows());
    for (size_t row = 0; row < batch.num_rows(); ++row) {
      std::string error;
      encoded[row] = artifact->Encode(text.String(row), docs, &error);  // the reader rejects invalid UTF-8 first
    }
    const size_t classes = artifact->labels().size();
    std::vector<float> probabilities(docs.size() * classes);
    artifact->Predict(docs, probabilities.data());
    const float* p = probabilities.data();
    for (size_t row = 0; row < batch.num_rows(); ++row) {
      if (!encoded[row]) {
        for (auto& column_out : out) column_out.AppendNull();
        continue;
      }
      int best = static_cast<int>(std::max_element(p, p + classes) - p);
      out[0].AppendString(artifact->labels().Label(best));
      for (size_t c = 0; c < classes; ++c) out[c + 1].AppendDouble(FloatAsDecimalDouble(p[c]));
      p += classes;
    }
  };
  return scorer;
}

}  // namespace

TransformTotals TransformFile(const TransformOptions& options) {
  // Read the input's columns with the types the model was trained on.
  SourceOptions source_options;
  source_options.uri = options.input;
  auto probe = TableSource::Open(source_options);
  Scorer scorer;
  std::string model_name;
  std::shared_ptr<const Artifact> tabular;
  if (TextArtifact::IsTextModel(options.model_dir)) {
    std::shared_ptr<const TextArtifact> artifact = TextArtifact::Load(options.model_dir);
    model_name = artifact->manifest().value("name", "");
    scorer = TextScorer(artifact, options.prediction_column);
  } else {
    tabular = Artifact::Load(options.model_dir);
    model_name = tabular->manifest().value("name", "");
    scorer = TabularScorer(tabular, probe->schema(), options.prediction_column);
  }
  source_options.column_types = scorer.input_types;
  source_options.column_formats = scorer.input_formats;
  auto source = TableSource::Open(source_options);
  if (tabular) {
    // Rows are mapped onto the training data's layout by column name.
    auto aligner = std::make_shared<Artifact::Aligner>(tabular->prep().source_schema(), tabular->prep().target(),
                                                       source->schema());
    scorer.score = [tabular, aligner](RecordBatch&& batch, std::vector<Column>& out) {
      RecordBatch aligned = aligner->Align(std::move(batch));
      std::vector<float> scratch, scores;
      tabular->Predict(aligned, scratch, &scores);
      const std::vector<std::string>& labels = tabular->prep().labels();
      if (labels.empty()) {
        for (float score : scores) out[0].AppendDouble(FloatAsDecimalDouble(score));
        return;
      }
      const size_t classes = labels.size();
      for (size_t row = 0; row < scores.size() / classes; ++row) {
        const float* p = scores.data() + row * classes;
        out[0].AppendString(labels[static_cast<size_t>(std::max_element(p, p + classes) - p)]);
        for (size_t c = 0; c < classes; ++c) out[c + 1].AppendDouble(FloatAsDecimalDouble(p[c]));
      }
    };
  }

  Schema out_schema;
  std::vector<size_t> carry_index;
  for (const auto& name : options.carry) {
    auto index = source->schema().Find(name);
    if (!index) ThrowUsage("--carry " + name + ": the input has no such column (it has " + source->schema().ToString() + ")");
    for (const auto& output : scorer.outputs) {
      if (name == output.name) ThrowUsage("--carry " + name + ": clashes with the output column of that name");
    }
    carry_index.push_back(*index);
    out_schema.Add(source->schema().field(*index));
  }
  for (const auto& output : scorer.outputs) out_schema.Add(output);
  const size_t num_carried = carry_index.size();

  size_t threads = options.threads > 0 ? static_cast<size_t>(options.threads) : ThreadPool::DefaultThreads();
  ThreadPool pool(threads);
  ThreadPool encode_pool(threads);
  ParquetWriteOptions parquet;
  parquet.pool = &encode_pool;
  parquet.metadata = {{"sluice.model", model_name}};
  auto writer = TableWriter::Open(options.output, out_schema, parquet);
  std::string rejects_path = options.rejects.empty() ? options.output + ".rejects.csv" : options.rejects;
  RejectFile rejects(rejects_path);
  OrderedBatches ordered([&](RecordBatch& batch) { writer->Write(std::move(batch)); });

  std::atomic<int64_t> predicted{0}, screened{0};
  ScanTotals totals = source->Scan(pool, [&](size_t index, RecordBatch&& batch) {
    if (options.stop_requested && options.stop_requested->load()) {
      ThrowInterrupted("stopped by a signal; nothing was written to " + options.output);
    }
    const size_t rejected_before = batch.rejects.size();
    scorer.screen(batch);
    screened += static_cast<int64_t>(batch.rejects.size() - rejected_before);
    // The carried columns, taken before scoring consumes the batch.
    std::vector<Column> carried;
    for (size_t c : carry_index) carried.push_back(batch.columns[c]);
    std::vector<int64_t> lines = batch.lines;
    std::vector<RejectedRow> rejected = std::move(batch.rejects);
    std::string source_name = batch.source_name;
    std::vector<Column> scores;
    for (const auto& output : scorer.outputs) scores.emplace_back(output.type);
    scorer.score(std::move(batch), scores);
    predicted += static_cast<int64_t>(lines.size());

    // Scored rows and rejected rows back into input (line) order.
    RecordBatch out;
    out.schema = out_schema;
    for (const auto& field : out_schema.fields()) out.columns.emplace_back(field.type);
    const size_t total = lines.size() + rejected.size();
    for (auto& column : out.columns) column.Reserve(total);
    out.lines.reserve(total);
    size_t reject_index = 0;
    auto add_reject = [&] {
      for (auto& column : out.columns) column.AppendNull();
      out.lines.push_back(rejected[reject_index++].line);
    };
    for (size_t row = 0; row < lines.size(); ++row) {
      while (reject_index < rejected.size() && rejected[reject_index].line < lines[row]) add_reject();
      for (size_t c = 0; c < num_carried; ++c) out.columns[c].AppendFrom(carried[c], row);
      for (size_t k = 0; k < scores.size(); ++k) out.columns[num_carried + k].AppendFrom(scores[k], row);
      out.lines.push_back(lines[row]);
    }
    while (reject_index < rejected.size()) add_reject();
    rejects.Add(index, source_name, std::move(rejected));
    ordered.Put(index, std::move(out));
  });
  writer->Close();
  rejects.Close();

  TransformTotals result;
  result.rows_read = totals.rows_read;
  result.rows_predicted = predicted;
  result.rows_rejected = totals.rows_rejected + screened;
  result.rows_blank = totals.rows_blank;
  result.first_reject = rejects.first();
  if (rejects.count() > 0) result.rejects_file = rejects_path;
  CheckRejectRate(rejects, result.rows_rejected, totals.rows_read - totals.rows_blank, options.max_reject_rate,
                  "--max-reject-rate",
                  "the output was written (" + options.output + ", a null for each rejected row); rejects -> " + rejects_path);
  return result;
}

}  // namespace sluice
