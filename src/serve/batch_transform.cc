#include "serve/batch_transform.h"

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <functional>
#include <memory>

#include "artifact/scoring_artifact.h"
#include "cluster/communicator.h"
#include "cluster/rank_outputs.h"
#include "common/error.h"
#include "common/format.h"
#include "common/hash.h"
#include "common/state_directory.h"
#include "common/thread_pool.h"
#include "common/output_guard.h"
#include "common/uri.h"
#include "io/file_set.h"
#include "io/ordered_batches.h"
#include "io/postgres/postgres_sink.h"
#include "io/reject_file.h"
#include "io/s3/s3_file.h"
#include "io/s3/s3_output.h"
#include "io/table_source.h"
#include "io/table_writer.h"
#include "nlohmann/json.hpp"

namespace sluice {

namespace {

enum class OutputPlace { kFile, kDataset, kTable };

// A job's ranks: their outputs and rejects joined by rank 0 in rank order,
// and the whole input's totals and first rejects on every rank.
void JoinRankOutputs(const TransformOptions& options, const std::string& rejects_path, OutputPlace place,
                     ScanTotals& totals, RejectFile& rejects, Communicator& job) {
  // A table's rows were joined in its COPY.
  if (place == OutputPlace::kFile) {
    JoinRankFiles(options.output, EndsWith(options.output, ".csv"), job);
  } else if (place == OutputPlace::kDataset) {
    JoinRankDatasets(options.output, job);
  }
  JoinRankFiles(rejects_path, true, job);
  const std::vector<int64_t> sums = SumOverRanks({totals.rows_read, totals.rows_rejected, totals.rows_blank}, job);
  totals.rows_read = sums[0];
  totals.rows_rejected = sums[1];
  totals.rows_blank = sums[2];
  std::vector<std::string> firsts;
  for (const auto& theirs :
       job.AllGather(nlohmann::json(rejects.firsts()).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace))) {
    for (const auto& first : nlohmann::json::parse(theirs)) firsts.push_back(first.get<std::string>());
  }
  int64_t count = 0;
  for (int64_t part : SumOverRanks({rejects.count()}, job)) count += part;
  rejects.SetWholeSource(std::move(firsts), count);
}

// A local file, dataset or a database table.
TransformTotals TransformToPlace(const TransformOptions& options);

std::string RankCopyFile(const std::string& folder, int rank) {
  return folder + "/rank-" + std::to_string(rank) + ".copy";
}

// The output table's writer on this rank of a job: rank 0 opens the table
// (its transaction and COPY) before any rank reads and says so to the
// others, with the folder under the state directory where they write their
// rows as COPY text; a refusal (a table sluice may not replace, a server
// that will not take it) ends every rank with rank 0's message.
std::unique_ptr<TableWriter> OpenRankTableWriter(const std::string& uri, const Schema& schema, Communicator& job,
                                                 PostgresTableSink** sink, std::string* folder) {
  std::unique_ptr<PostgresTableSink> opened;
  nlohmann::json verdict;
  if (job.rank() == 0) {
    try {
      const std::string path = (std::filesystem::absolute(StateDirectory()) / "pg-staging" /
                                (ToHex64(Hash64(uri)) + "-" + std::to_string(::getpid())))
                                   .string();
      std::filesystem::create_directories(path);
      verdict["folder"] = path;
      opened = OpenPostgresTableWriter(uri, schema);
    } catch (const Error& error) {
      verdict = {{"error", error.what()}, {"kind", static_cast<int>(error.kind())}};
    } catch (const std::exception& error) {
      verdict = {{"error", RedactUri(uri) + ": " + error.what()}, {"kind", static_cast<int>(ErrorKind::kIo)}};
    }
  }
  verdict = nlohmann::json::parse(job.AllGather(verdict.dump())[0]);
  if (verdict.contains("error")) {
    if (job.rank() == 0 && verdict.contains("folder")) {
      std::error_code ignored;
      std::filesystem::remove_all(verdict.at("folder").get<std::string>(), ignored);
    }
    throw Error(static_cast<ErrorKind>(verdict.at("kind").get<int>()), verdict.at("error").get<std::string>());
  }
  *folder = verdict.at("folder").get<std::string>();
  if (job.rank() != 0) return OpenCopyTextFileWriter(RankCopyFile(*folder, job.rank()));
  *sink = opened.get();
  return opened;
}

}  // namespace

TransformTotals TransformFile(const TransformOptions& options) {
  if (!IsS3Uri(options.output)) return TransformToPlace(options);
  // An s3:// output is written locally, then uploaded once complete.
  const OutputKind kind = options.output.back() == '/' ? OutputKind::kDataset : OutputKind::kFile;
  S3Output s3_output(options.output, kind, SourceShard{Job().rank(), Job().size(), [](const std::string& mine) {
                                                         return Job().AllGather(mine);
                                                       }});
  TransformOptions local = options;
  local.output = s3_output.local_path();
  CheckOutputPath(local.output, kind, "--output");
  TransformTotals totals = TransformToPlace(local);
  s3_output.Publish();
  if (!totals.rejects_file.empty() && options.rejects.empty()) totals.rejects_file = DefaultRejectsPath(options.output);
  return totals;
}

namespace {

TransformTotals TransformToPlace(const TransformOptions& options) {
  // Under MPI each rank scores its share of the input (docs/distributed.md);
  // rank 0 joins the ranks' outputs in input order.
  Communicator& job = Job();
  const bool output_is_file = options.output.empty() || options.output.back() != '/';
  const bool output_is_table = IsPostgresUri(options.output);
  const std::string output_name = RedactUri(options.output);
  const bool table_across_ranks = job.size() > 1 && output_is_table;
  if (job.size() > 1 && output_is_file && !output_is_table && !EndsWith(options.output, ".csv") &&
      !EndsWith(options.output, ".jsonl") && !EndsWith(options.output, ".ndjson") &&
      !EndsWith(options.output, ".json")) {
    ThrowUsage("--output " + options.output + ": several ranks write a .csv or .jsonl file, or a directory (ending " +
               "in /) for a Parquet dataset; one Parquet file cannot be written by several ranks");
  }
  // Rank 0 puts the output in place at the end: it is checked before any work.
  if (job.size() > 1 && job.rank() == 0 && !output_is_table) {
    CheckOutputPath(options.output, output_is_file ? OutputKind::kFile : OutputKind::kDataset, "--output");
  }
  // Read the input's columns with the types the model was trained on.
  SourceOptions source_options;
  source_options.uri = options.input;
  auto probe = TableSource::Open(source_options);
  std::shared_ptr<const ScoringArtifact> artifact = ScoringArtifact::Load(options.model_dir);
  const std::string model_name = artifact->manifest().value("name", "");
  artifact->InputTypes(probe->schema(), &source_options.column_types, &source_options.column_formats);
  auto source = TableSource::Open(source_options);
  if (job.size() > 1) {
    source->SetShard({job.rank(), job.size(), [&job](const std::string& mine) { return job.AllGather(mine); }});
  }
  // Rows are mapped onto the model's input by column name.
  std::unique_ptr<RowScorer> scorer = artifact->ScorerFor(source->schema());
  const std::vector<Field> outputs = artifact->Outputs(options.prediction_column);

  Schema out_schema;
  std::vector<size_t> carry_index;
  for (const auto& name : options.carry) {
    auto index = source->schema().Find(name);
    if (!index)
      ThrowUsage("--carry " + name + ": the input has no such column (it has " + source->schema().ToString() + ")");
    for (const auto& output : outputs) {
      if (name == output.name) ThrowUsage("--carry " + name + ": clashes with the output column of that name");
    }
    carry_index.push_back(*index);
    out_schema.Add(source->schema().field(*index));
  }
  for (const auto& output : outputs) out_schema.Add(output);
  const size_t num_carried = carry_index.size();

  size_t threads = options.threads > 0 ? static_cast<size_t>(options.threads) : ThreadPool::DefaultThreads();
  ThreadPool pool(threads);
  ThreadPool encode_pool(threads);
  ParquetWriteOptions parquet;
  parquet.pool = &encode_pool;
  parquet.metadata = {{"sluice.model", model_name}};
  // A table across ranks: one transaction, rank 0's (io/postgres/postgres_sink.h).
  PostgresTableSink* table_sink = nullptr;
  std::string copy_folder;
  std::unique_ptr<TableWriter> writer;
  if (table_across_ranks) {
    writer = OpenRankTableWriter(options.output, out_schema, job, &table_sink, &copy_folder);
  } else {
    writer = TableWriter::Open(RankPath(options.output, job), out_schema, parquet);
  }
  // Rank 0 removes the other ranks' COPY text, whatever happens.
  struct RemoveFolder {
    std::string path;
    ~RemoveFolder() {
      std::error_code ignored;
      if (!path.empty()) std::filesystem::remove_all(path, ignored);
    }
  } copy_folder_guard{job.rank() == 0 ? copy_folder : ""};
  const std::string rejects_path = !options.rejects.empty() ? options.rejects : DefaultRejectsPath(options.output);
  RejectFile rejects(RankPath(rejects_path, job));
  OrderedBatches ordered([&](RecordBatch& batch) { writer->Write(std::move(batch)); });

  std::atomic<int64_t> predicted{0}, screened{0};
  ScanTotals totals = source->Scan(pool, [&](size_t index, RecordBatch&& batch) {
    if (options.stop_requested && options.stop_requested->load()) {
      ThrowInterrupted("stopped by a signal; nothing was written to " + output_name);
    }
    const size_t rejected_before = batch.rejects.size();
    scorer->Screen(batch);
    screened += static_cast<int64_t>(batch.rejects.size() - rejected_before);
    // The carried columns, taken before scoring consumes the batch.
    std::vector<Column> carried;
    for (size_t c : carry_index) carried.push_back(batch.columns[c]);
    std::vector<int64_t> lines = batch.lines;
    std::vector<RejectedRow> rejected = std::move(batch.rejects);
    std::string source_name = batch.source_name;
    std::vector<Column> scores;
    for (const auto& output : outputs) scores.emplace_back(output.type);
    scorer->Score(std::move(batch), scores);
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
  if (table_across_ranks) {
    // Rank 0's rows are in the COPY; the other ranks' follow in rank order.
    if (!table_sink) writer->Close();
    const std::vector<bool> wrote = RanksThatWrote([&](int rank) { return RankCopyFile(copy_folder, rank); }, job);
    for (int rank = 1; table_sink && rank < job.size(); ++rank) {
      if (!wrote[static_cast<size_t>(rank)])
        ThrowIo(RankCopyFile(copy_folder, rank) + ": rank " + std::to_string(rank) + " wrote no rows file");
      table_sink->AppendCopyTextFile(RankCopyFile(copy_folder, rank));
    }
  }
  if (!table_across_ranks || table_sink) writer->Close();
  rejects.Close();
  if (job.size() > 1) JoinRankOutputs(options, rejects_path, output_is_table ? OutputPlace::kTable
                                                             : output_is_file ? OutputPlace::kFile
                                                                              : OutputPlace::kDataset,
                                      totals, rejects, job);

  TransformTotals result;
  result.rows_read = totals.rows_read;
  result.rows_predicted = predicted;
  result.rows_rejected = totals.rows_rejected + screened;
  if (job.size() > 1) {
    const std::vector<int64_t> sums = SumOverRanks({predicted, screened}, job);
    result.rows_predicted = sums[0];
    result.rows_rejected = totals.rows_rejected + sums[1];
  }
  result.rows_blank = totals.rows_blank;
  result.first_reject = rejects.first();
  if (rejects.count() > 0) result.rejects_file = rejects_path;
  CheckRejectRate(
      rejects, result.rows_rejected, totals.rows_read - totals.rows_blank, options.max_reject_rate, "--max-reject-rate",
      "the output was written (" + output_name + ", a null for each rejected row); rejects -> " + rejects_path);
  return result;
}

}  // namespace

}  // namespace sluice
