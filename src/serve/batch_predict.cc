#include "serve/batch_predict.h"

#include "artifact/artifact.h"
#include "common/error.h"
#include "common/format.h"
#include "common/thread_pool.h"
#include "io/ordered_writer.h"
#include "io/reject_file.h"
#include "io/table_source.h"

namespace sluice {

namespace {

bool EndsWith(const std::string& text, const std::string& suffix) {
  return text.size() >= suffix.size() && text.compare(text.size() - suffix.size(), suffix.size(), suffix) == 0;
}

}  // namespace

PredictTotals PredictFile(const PredictOptions& options) {
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

  bool jsonl = EndsWith(options.output, ".jsonl") || EndsWith(options.output, ".ndjson");
  std::string rejects_path = options.rejects.empty() ? options.output + ".rejects.csv" : options.rejects;
  RejectFile rejects(rejects_path);
  OrderedWriter writer(options.output);
  if (!jsonl) writer.Put(0, "prediction\n");

  size_t threads = options.threads > 0 ? static_cast<size_t>(options.threads) : ThreadPool::DefaultThreads();
  ThreadPool pool(threads);
  std::atomic<int64_t> predicted{0};
  ScanTotals totals = source->Scan(pool, [&](size_t index, RecordBatch&& batch) {
    RecordBatch aligned = aligner.Align(std::move(batch));
    std::vector<float> scratch, scores;
    artifact->Predict(aligned, scratch, &scores);
    predicted += static_cast<int64_t>(scores.size());
    // Merge predicted rows and rejected rows back into input (line) order.
    std::string out;
    out.reserve(scores.size() * 12);
    size_t reject_index = 0;
    const auto& rejected = aligned.rejects;
    auto write_reject = [&]() { out += jsonl ? "{\"prediction\":null}\n" : "\n"; };
    for (size_t row = 0; row < scores.size(); ++row) {
      while (reject_index < rejected.size() && rejected[reject_index].line < aligned.lines[row]) {
        write_reject();
        ++reject_index;
      }
      if (jsonl) out += "{\"prediction\":";
      AppendFloat(out, scores[row]);
      out += jsonl ? "}\n" : "\n";
    }
    for (; reject_index < rejected.size(); ++reject_index) write_reject();
    rejects.Add(index, aligned.source_name, std::move(aligned.rejects));
    writer.Put(index + (jsonl ? 0 : 1), std::move(out));
  });
  writer.Close();
  rejects.Close();

  PredictTotals result;
  result.rows_read = totals.rows_read;
  result.rows_predicted = predicted;
  result.rows_rejected = totals.rows_rejected;
  result.first_reject = rejects.first();
  if (rejects.count() > 0) result.rejects_file = rejects_path;
  return result;
}

}  // namespace sluice
