#include "pipeline/prep_run.h"

#include <chrono>
#include <filesystem>
#include <memory>
#include <mutex>

#include "common/atomic_file.h"
#include "common/error.h"
#include "common/format.h"
#include "common/progress.h"
#include "common/thread_pool.h"
#include "io/ordered_writer.h"
#include "io/reject_file.h"
#include "pipeline/prep_passes.h"

namespace sluice {

namespace fs = std::filesystem;

nlohmann::json RunPrep(const PipelineSpec& spec, const std::string& out_dir, const RunOptions& options) {
  auto start = std::chrono::steady_clock::now();
  size_t threads = spec.threads > 0 ? static_cast<size_t>(spec.threads) : ThreadPool::DefaultThreads();
  ThreadPool pool(threads);
  Progress::SetEnabled(!options.quiet);
  auto source = TableSource::Open(spec.source);
  auto plan = PrepPlan::Make(spec.prep, source->schema());
  std::error_code ec;
  fs::create_directories(out_dir, ec);
  if (ec) ThrowIo("cannot create " + out_dir + ": " + ec.message());

  RejectFile rejects((fs::path(out_dir) / "rejects.csv").string());
  FitPassResult fit = FitPass(*source, *plan, pool, rejects, spec.source.uri);
  const FittedPrep& fitted = *fit.fitted;
  WriteFileAtomically((fs::path(out_dir) / "prep.json").string(), fitted.ToJson().dump(2) + "\n");

  static const char* kNames[3] = {"train.csv", "valid.csv", "test.csv"};
  std::string header;
  for (const auto& name : fitted.feature_names()) {
    AppendCsvField(header, name);
    header.push_back(',');
  }
  AppendCsvField(header, spec.prep.target);
  header.push_back('\n');
  std::unique_ptr<OrderedWriter> writers[3];
  for (int part = 0; part < 3; ++part) {
    writers[part] = std::make_unique<OrderedWriter>((fs::path(out_dir) / kNames[part]).string());
    writers[part]->Put(0, header);
  }
  size_t num_features = fitted.num_features();
  std::mutex mutex;
  FilterCounts filtered;
  int64_t rows_out[3] = {0, 0, 0};
  ApplyPass(*source, *plan, fitted, pool, [&](size_t index, const EncodedRows& rows) {
    std::string text[3];
    int64_t counts[3] = {0, 0, 0};
    for (size_t row = 0; row < rows.split.size(); ++row) {
      std::string& out = text[rows.split[row]];
      const float* values = rows.features.data() + row * num_features;
      for (size_t k = 0; k < num_features; ++k) {
        // A missing value is an empty field.
        if (values[k] == values[k]) AppendFloat(out, values[k]);
        out.push_back(',');
      }
      AppendFloat(out, rows.labels[row]);
      out.push_back('\n');
      ++counts[rows.split[row]];
    }
    for (int part = 0; part < 3; ++part) writers[part]->Put(index + 1, std::move(text[part]));
    std::lock_guard<std::mutex> lock(mutex);
    filtered.Add(rows.filtered);
    for (int part = 0; part < 3; ++part) rows_out[part] += counts[part];
  });
  for (auto& writer : writers) writer->Close();

  nlohmann::json summary;
  summary["output"] = out_dir;
  summary["rows"] = {{"read", fit.totals.rows_read},
                     {"rejected", fit.totals.rows_rejected},
                     {"filtered", filtered.total()},
                     {"train", rows_out[0]},
                     {"valid", rows_out[1]},
                     {"test", rows_out[2]}};
  summary["features"] = fitted.feature_names();
  summary["seconds"] = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return summary;
}

}  // namespace sluice
