#include "pipeline/prep_run.h"

#include <chrono>
#include <filesystem>
#include <future>
#include <memory>
#include <mutex>

#include "common/atomic_file.h"
#include "common/error.h"
#include "common/leftover_files.h"
#include "common/output_guard.h"
#include "common/format.h"
#include "common/hash.h"
#include "common/progress.h"
#include "common/thread_pool.h"
#include "common/uri.h"
#include "io/dataset_writer.h"
#include "io/ordered_batches.h"
#include "io/reject_file.h"
#include "pipeline/prep_passes.h"
#include "pipeline/prepared_data.h"
#include "cluster/rank_outputs.h"

namespace sluice {

namespace fs = std::filesystem;

PrepSummary RunPrep(const PipelineSpec& spec, const std::string& out_dir, const RunOptions& options) {
  auto start = std::chrono::steady_clock::now();
  // Under MPI each rank preps its share of the source (io/source_shard.h);
  // rank 0 checks and finishes the output, once every rank is done.
  Communicator& job = Job();
  const bool lead = job.rank() == 0;
  if (lead) CheckOutputPath(out_dir, OutputKind::kPreparedData, "--out");
  size_t threads = spec.threads > 0 ? static_cast<size_t>(spec.threads) : ThreadPool::DefaultThreads();
  ThreadPool pool(threads);
  Progress::SetEnabled(!options.quiet);
  auto source = TableSource::Open(spec.source);
  auto plan = PrepPlan::Make(spec.prep, source->schema(), source->key_columns());
  const Schema raw_schema = source->schema();
  // Read only what prep uses; the plan is bound again to the narrower schema.
  const std::vector<std::string> used = plan->SourceColumnsUsed();
  if (used.size() < source->schema().size()) {
    source->Project(used);
    plan = PrepPlan::Make(spec.prep, source->schema(), source->key_columns());
  }
  source->SetPruningPredicates(plan->PruningPredicates());
  std::unique_ptr<DataChecks> checks = BindChecks(spec, *source, raw_schema, used);
  if (job.size() > 1) {
    source->SetShard({job.rank(), job.size(), [&job](const std::string& mine) { return job.AllGather(mine); }});
  }
  const std::string rejects_path = (fs::path(out_dir) / "rejects.csv").string();
  if (lead) {
    std::error_code ec;
    fs::create_directories(out_dir, ec);
    if (ec) ThrowIo("cannot create " + out_dir + ": " + ec.message());
    CollectLeftovers(rejects_path);
    CollectLeftovers((fs::path(out_dir) / "prep.json").string());
    CollectLeftovers((fs::path(out_dir) / "manifest.json").string());
  }
  job.Barrier();  // the directory is there

  RejectFile rejects(RankPath(rejects_path, job));
  PrepCache cache(DefaultPrepCacheBytes());
  FitPassResult fit = FitPass(*source, *plan, pool, rejects, RedactUri(spec.source.uri), &cache, checks.get());
  JoinRankFiles(rejects_path, true, job);
  CheckRejectRate(rejects, fit.totals.rows_rejected, fit.totals.rows_read - fit.totals.rows_blank,
                  spec.source.max_reject_rate, "source.max_reject_rate",
                  "rejects -> " + rejects_path + "; nothing else was written");
  std::vector<CheckOutcome> check_results = FinishChecks(checks.get(), fit.totals, RedactUri(spec.source.uri));
  const FittedPrep& fitted = *fit.fitted;
  if (lead) WriteFileAtomically((fs::path(out_dir) / "prep.json").string(), fitted.ToJson().dump(2) + "\n");

  static const char* kNames[3] = {"train", "valid", "test"};
  Schema out_schema;
  for (const auto& name : fitted.feature_names()) out_schema.Add({name, DataType::kFloat64});
  out_schema.Add({spec.prep.target, DataType::kFloat64});
  ThreadPool encode_pool(threads);
  ParquetWriteOptions parquet;
  parquet.pool = &encode_pool;
  // Prepared splits are working data, read back soon: zstd's fastest level
  // (measured on 10M taxi rows: 140 MB against DuckDB's 201 MB for the same job).
  parquet.zstd_level = 1;
  // Features and target were float32 when encoded: FLOAT holds them exactly
  // in half the bytes. The target is never null.
  for (const auto& field : out_schema.fields()) parquet.column_storage[field.name] = ParquetStorage::kFloat;
  parquet.required_columns = {spec.prep.target};
  const std::string theta = fitted.ToJson().dump();
  parquet.metadata = {{"sluice.prep", theta}, {"sluice.prep_fingerprint", ToHex64(Hash64(theta))}};
  std::unique_ptr<DatasetWriter> writers[3];
  std::unique_ptr<OrderedBatches> ordered[3];
  for (int part = 0; part < 3; ++part) {
    writers[part] = DatasetWriter::Open(RankPath((fs::path(out_dir) / kNames[part]).string(), job), out_schema, parquet);
    DatasetWriter* writer = writers[part].get();
    ordered[part] = std::make_unique<OrderedBatches>([writer](RecordBatch& batch) { writer->Write(batch); });
  }
  size_t num_features = fitted.num_features();
  std::mutex mutex;
  FilterCounts filtered;
  ApplyPass(*source, *plan, fitted, pool, [&](size_t index, const EncodedRows& rows) {
    RecordBatch parts[3];
    size_t sizes[3] = {0, 0, 0};
    for (uint8_t part : rows.split) ++sizes[part];
    for (int p = 0; p < 3; ++p) {
      parts[p].schema = out_schema;
      for (size_t c = 0; c <= num_features; ++c) {
        parts[p].columns.emplace_back(DataType::kFloat64);
        parts[p].columns.back().Reserve(sizes[p]);
      }
      parts[p].lines.reserve(sizes[p]);
    }
    for (size_t row = 0; row < rows.split.size(); ++row) {
      RecordBatch& out = parts[rows.split[row]];
      const float* values = rows.features.data() + row * num_features;
      for (size_t k = 0; k < num_features; ++k) {
        // A missing feature (NaN) is a null.
        if (values[k] == values[k]) {
          out.columns[k].AppendDouble(values[k]);
        } else {
          out.columns[k].AppendNull();
        }
      }
      out.columns[num_features].AppendDouble(rows.labels[row]);
      out.lines.push_back(rows.batch.lines[row]);
    }
    {
      std::lock_guard<std::mutex> lock(mutex);
      filtered.Add(rows.filtered);
    }
    for (int part = 0; part < 3; ++part) ordered[part]->Put(index, std::move(parts[part]));
  }, &cache);
  // Row groups the filter's statistics ruled out were filtered without being read.
  filtered.by_filter += fit.totals.rows_pruned;
  // Each writer finishes its last row group: in parallel.
  int64_t rows_out[3];
  {
    // Not on encode_pool: closing waits for encoding tasks that run there.
    std::future<void> closing[3];
    for (int part = 0; part < 3; ++part) closing[part] = std::async(std::launch::async, [&, part] { writers[part]->Close(); });
    for (auto& done : closing) done.get();
  }
  for (int part = 0; part < 3; ++part) rows_out[part] = writers[part]->rows_written();
  // A job's ranks: their rows and filter counts summed, their datasets joined.
  const std::vector<int64_t> sums =
      SumOverRanks({rows_out[0], rows_out[1], rows_out[2], filtered.by_filter - fit.totals.rows_pruned,
                    filtered.missing_target, filtered.missing_value, filtered.unseen_label},
                   job);
  for (int part = 0; part < 3; ++part) rows_out[part] = sums[static_cast<size_t>(part)];
  filtered = {sums[3] + fit.totals.rows_pruned, sums[4], sums[5], sums[6]};
  for (int part = 0; part < 3; ++part) JoinRankDatasets((fs::path(out_dir) / kNames[part]).string(), job);
  RowCounts rows = RowAccounting(fit.totals, filtered, rows_out);
  // Last, so a directory with a manifest is a complete one.
  if (lead) {
    WritePreparedManifest(out_dir, raw_schema,
                          {{"uri", RedactUri(spec.source.uri)}, {"files", source->files()}, {"fingerprint", fit.totals.fingerprint}},
                          rows, SharesOf(spec.prep.split));
  }

  PrepSummary summary;
  summary.output = out_dir;
  summary.rows = rows;
  summary.features = fitted.feature_names();
  summary.checks = std::move(check_results);
  summary.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return summary;
}

nlohmann::json PrepSummary::ToJson() const {
  nlohmann::json check_list = nlohmann::json::array();
  for (const auto& check : checks) check_list.push_back(check.ToJson());
  return {{"output", output}, {"rows", rows.ToJson()}, {"features", features}, {"checks", check_list}, {"seconds", seconds}};
}

}  // namespace sluice
