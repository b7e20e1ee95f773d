#include "serve/batch_transform.h"

#include <atomic>

#include "artifact/artifact.h"
#include "common/error.h"
#include "common/format.h"
#include "common/thread_pool.h"
#include "io/ordered_batches.h"
#include "io/reject_file.h"
#include "io/table_source.h"
#include "io/table_writer.h"

namespace sluice {

TransformTotals TransformFile(const TransformOptions& options) {
  auto artifact = Artifact::Load(options.model_dir);
  const FittedPrep& prep = artifact->prep();

  // Read the input's columns with the types the model was trained on.
  SourceOptions source_options;
  source_options.uri = options.input;
  auto probe = TableSource::Open(source_options);
  for (const auto& field : prep.source_schema().fields()) {
    if (probe->schema().Find(field.name)) source_options.column_types[field.name] = field.type;
  }
  auto source = TableSource::Open(source_options);
  Artifact::Aligner aligner(prep.source_schema(), prep.target(), source->schema());

  Schema out_schema;
  std::vector<size_t> carry_index;
  for (const auto& name : options.carry) {
    auto index = source->schema().Find(name);
    if (!index) ThrowUsage("--carry " + name + ": the input has no such column (it has " + source->schema().ToString() + ")");
    if (name == options.prediction_column) ThrowUsage("--carry " + name + ": clashes with the prediction column's name");
    carry_index.push_back(*index);
    out_schema.Add(source->schema().field(*index));
  }
  out_schema.Add({options.prediction_column, DataType::kFloat64});

  size_t threads = options.threads > 0 ? static_cast<size_t>(options.threads) : ThreadPool::DefaultThreads();
  ThreadPool pool(threads);
  ThreadPool encode_pool(threads);
  ParquetWriteOptions parquet;
  parquet.pool = &encode_pool;
  parquet.metadata = {{"sluice.model", artifact->manifest().value("name", "")}};
  auto writer = TableWriter::Open(options.output, out_schema, parquet);
  std::string rejects_path = options.rejects.empty() ? options.output + ".rejects.csv" : options.rejects;
  RejectFile rejects(rejects_path);
  OrderedBatches ordered([&](RecordBatch& batch) { writer->Write(std::move(batch)); });

  std::atomic<int64_t> predicted{0};
  ScanTotals totals = source->Scan(pool, [&](size_t index, RecordBatch&& batch) {
    // The carried columns, taken before alignment reorders the batch.
    std::vector<Column> carried;
    for (size_t c : carry_index) carried.push_back(batch.columns[c]);
    RecordBatch aligned = aligner.Align(std::move(batch));
    std::vector<float> scratch, scores;
    artifact->Predict(aligned, scratch, &scores);
    predicted += static_cast<int64_t>(scores.size());

    // Scored rows and rejected rows back into input (line) order.
    RecordBatch out;
    out.schema = out_schema;
    for (const auto& field : out_schema.fields()) out.columns.emplace_back(field.type);
    const size_t total = scores.size() + aligned.rejects.size();
    for (auto& column : out.columns) column.Reserve(total);
    out.lines.reserve(total);
    const auto& rejected = aligned.rejects;
    size_t reject_index = 0;
    auto add_reject = [&] {
      for (auto& column : out.columns) column.AppendNull();
      out.lines.push_back(rejected[reject_index++].line);
    };
    Column& prediction = out.columns.back();
    for (size_t row = 0; row < scores.size(); ++row) {
      while (reject_index < rejected.size() && rejected[reject_index].line < aligned.lines[row]) add_reject();
      for (size_t c = 0; c < carried.size(); ++c) out.columns[c].AppendFrom(carried[c], row);
      prediction.AppendDouble(FloatAsDecimalDouble(scores[row]));
      out.lines.push_back(aligned.lines[row]);
    }
    while (reject_index < rejected.size()) add_reject();
    rejects.Add(index, aligned.source_name, std::move(aligned.rejects));
    ordered.Put(index, std::move(out));
  });
  writer->Close();
  rejects.Close();

  TransformTotals result;
  result.rows_read = totals.rows_read;
  result.rows_predicted = predicted;
  result.rows_rejected = totals.rows_rejected;
  result.first_reject = rejects.first();
  if (rejects.count() > 0) result.rejects_file = rejects_path;
  return result;
}

}  // namespace sluice
