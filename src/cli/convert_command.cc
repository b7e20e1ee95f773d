#include <chrono>
#include <cstdio>
#include <vector>
#include <memory>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "common/error.h"
#include "common/format.h"
#include "common/output_guard.h"
#include "io/s3/s3_file.h"
#include "io/s3/s3_output.h"
#include "common/uri.h"
#include "common/thread_pool.h"
#include "io/ordered_batches.h"
#include "io/reject_file.h"
#include "io/table_source.h"
#include "io/table_writer.h"
#include "pipeline/pipeline_spec.h"

namespace sluice {

namespace {
struct ConvertArgs {
  std::string input, output, compression = "zstd", rejects;
  int64_t row_group_rows = 1 << 20;
  int threads = 0;
  bool preload = false;
  std::string source_of;
  std::vector<std::string> partition_by;
  std::vector<std::string> parquet_types;
  std::vector<std::string> parquet_required;
};
}  // namespace

CommandAction AddConvertCommand(CLI::App& app) {
  auto args = std::make_shared<ConvertArgs>();
  CLI::App* command = app.add_subcommand("convert", "Convert between CSV, JSON Lines and Parquet (by file extension)");
  command->add_option("input", args->input, "Input file, directory or glob")->required();
  command->add_option("output", args->output, "Output file: .csv, .jsonl or .parquet; or a dataset directory (ending in /, or with --partition-by); "
                      "or postgres://.../db?table=NAME for a PostgreSQL table")->required();
  command->add_option("--compression", args->compression, "Parquet codec: zstd, snappy, gzip, none");
  command->add_option("--row-group-rows", args->row_group_rows, "Rows per Parquet row group")->check(CLI::PositiveNumber);
  command->add_option("--rejects", args->rejects, "Rejected rows (default: OUTPUT.rejects.csv; TABLE.rejects.csv for a database table)");
  command->add_option("--threads", args->threads, "Worker threads (default: every core)");
  command->add_option("--partition-by", args->partition_by,
                      "Write a Parquet dataset with Hive-style folders (COLUMN=value/) by these columns");
  command->add_option("--parquet-type", args->parquet_types,
                      "Store a column in a narrower Parquet type: COLUMN=date (a timestamp at midnight UTC), "
                      "COLUMN=int8|int16|int32|uint8|uint16|uint32 (an int64), COLUMN=float (a float64, rounded); "
                      "values that do not fit are an error");
  command->add_option("--parquet-required", args->parquet_required,
                      "Write this column REQUIRED (no definition levels); a null in it is an error");
  command->add_flag("--preload", args->preload,
                    "Read the whole input into memory first, then write; prints both times (benchmarks the writer alone)");
  command->add_option("--source-of", args->source_of,
                      "Read the input as this pipeline file's source section says (format, delimiter, quote, header, "
                      "null values, schema); a graph's ingest step passes its pipeline");
  return [args]() {
    SourceOptions source_options;
    if (!args->source_of.empty()) source_options = LoadPipeline(args->source_of, {}).source;
    source_options.uri = args->input;
    auto source = TableSource::Open(source_options);
    size_t threads = args->threads > 0 ? static_cast<size_t>(args->threads) : ThreadPool::DefaultThreads();
    ThreadPool pool(threads);
    ThreadPool encode_pool(threads);
    ParquetWriteOptions parquet;
    parquet.codec = ParquetWriteOptions::ParseCodec(args->compression);
    parquet.row_group_rows = args->row_group_rows;
    parquet.pool = &encode_pool;
    parquet.metadata = {{"sluice.schema", source->schema().ToJson().dump()}};
    for (const auto& spec : args->parquet_types) {
      auto equals = spec.find('=');
      if (equals == std::string::npos) ThrowUsage("--parquet-type " + spec + ": expected COLUMN=TYPE");
      std::string column = spec.substr(0, equals);
      if (!source->schema().Find(column)) ThrowUsage("--parquet-type " + spec + ": the input has no column '" + column + "'");
      parquet.column_storage[column] = ParquetWriteOptions::ParseStorage(spec.substr(equals + 1));
    }
    parquet.required_columns.insert(args->parquet_required.begin(), args->parquet_required.end());
    // An s3:// output is written locally, then uploaded once complete.
    std::string output = args->output;
    std::optional<S3Output> s3_output;
    if (IsS3Uri(output)) {
      const bool dataset = output.back() == '/' || !args->partition_by.empty();
      s3_output.emplace(output, dataset ? OutputKind::kDataset : OutputKind::kFile);
      output = s3_output->local_path();
    }
    auto writer = TableWriter::Open(output, source->schema(), parquet, args->partition_by);
    std::string rejects_path = args->rejects.empty() ? DefaultRejectsPath(output) : args->rejects;
    CheckOutputPath(rejects_path, OutputKind::kFile, "--rejects");
    RejectFile rejects(rejects_path);
    // Batches finish in any order; the writer takes them in input order.
    int64_t written = 0;
    std::vector<RecordBatch> preloaded;
    OrderedBatches ordered([&](RecordBatch& batch) {
      if (args->preload) {
        preloaded.push_back(std::move(batch));
        return;
      }
      writer->Write(batch);
      written += static_cast<int64_t>(batch.num_rows());
    });
    auto start = std::chrono::steady_clock::now();
    ScanTotals totals = source->Scan(pool, [&](size_t index, RecordBatch&& batch) {
      rejects.Add(index, batch.source_name, std::move(batch.rejects));
      ordered.Put(index, std::move(batch));
    });
    auto read_end = std::chrono::steady_clock::now();
    for (auto& batch : preloaded) {
      written += static_cast<int64_t>(batch.num_rows());
      writer->Write(std::move(batch));
    }
    writer->Close();
    if (args->preload) {
      auto write_end = std::chrono::steady_clock::now();
      std::printf("read %.3f s, write %.3f s\n", std::chrono::duration<double>(read_end - start).count(),
                  std::chrono::duration<double>(write_end - read_end).count());
    }
    rejects.Close();
    if (s3_output) {
      s3_output->Publish();
      if (args->rejects.empty()) rejects_path = DefaultRejectsPath(args->output);
    }
    std::printf("converted %s rows -> %s\n", FormatCount(written).c_str(), RedactUri(args->output).c_str());
    if (totals.rows_rejected > 0) {
      std::printf("rejected %s rows -> %s; first: %s\n", FormatCount(totals.rows_rejected).c_str(),
                  rejects_path.c_str(), rejects.first().c_str());
    }
    return 0;
  };
}

}  // namespace sluice
