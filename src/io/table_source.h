#pragma once
// A table read from files: one file, a directory of files or a glob, in CSV
// (optionally gzip), JSON Lines or Parquet, named by a path or a file:// URI;
// or from a PostgreSQL / Redshift query (a postgres:// URI).
// Parquet files are read a row group at a time, in parallel. Open()
// resolves the files and infers the schema from a sample; Scan() streams every
// row as record batches, parsed in parallel on the pool with a bounded number
// of chunks in flight, so memory does not grow with the input.

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/progress.h"
#include "common/thread_pool.h"
#include "data/expression.h"
#include "data/record_batch.h"
#include "io/batch_builder.h"
#include "io/csv_tokenizer.h"
#include "io/file_set.h"
#include "io/record_chunker.h"
#include "io/scan_totals.h"
#include "io/source_shard.h"
#include "io/postgres/postgres_source.h"
#include "io/reject_file.h"

namespace sluice {

struct SourceOptions {
  std::string uri;
  // A postgres:// or postgresql:// uri reads a database instead of files:
  // one of these names what (io/postgres/postgres_source.h).
  std::string query;
  std::string table;
  // A column whose value ranges are read on connections of their own.
  std::string partition_by;
  int64_t partitions = 0;  // source.partitions: how many ranges of partition_by (0: one per reader)
  // The S3-compatible endpoint of s3:// URIs (io/s3/s3_settings.h).
  std::string endpoint;
  // "auto" picks by extension (.jsonl, .ndjson, .json: JSON Lines; .tsv:
  // tab-separated CSV; .parquet, .parq, .pq: Parquet).
  std::string format = "auto";
  CsvOptions csv;
  TextConversion conversion;
  // Types that override inference, by column name.
  std::map<std::string, DataType> column_types;
  // Declared text formats (Field::format), by column name: timestamp columns only.
  std::map<std::string, std::string> column_formats;
  size_t chunk_bytes = 1u << 20;
  size_t sample_bytes = 1u << 20;
  // A CSV record or JSON line longer than this is rejected (skipped to the
  // next newline) rather than read: memory stays bounded by it.
  size_t max_line_bytes = kDefaultMaxRecordBytes;
  // The largest share of rows (blank lines left out) that may be rejected
  // before the command reading the source fails: checked by its reader
  // (training, prep), not by TableSource. 1 accepts any share, 0 none.
  double max_reject_rate = kDefaultMaxRejectRate;
};


class TableSource {
 public:
  static std::unique_ptr<TableSource> Open(const SourceOptions& options);

  const Schema& schema() const { return schema_; }
  // Data columns of the first file's sample that look like row keys (a row
  // index or an identifier, data/key_column.h), by name, with the reason.
  const std::map<std::string, std::string>& key_columns() const { return key_columns_; }
  // Reads only `columns` from now on (batches then hold those, in file
  // order): a CSV skips converting the others, Parquet skips their column
  // chunks. Throws a usage error for a column the source does not have.
  void Project(const std::vector<std::string>& columns);
  // Parquet row groups whose min/max statistics show that no row satisfies
  // all of `predicates` are skipped (and counted in rows_pruned). The caller
  // must drop such rows anyway: these are conjuncts of its filter.
  void SetPruningPredicates(std::vector<SimplePredicate> predicates) { predicates_ = std::move(predicates); }
  const std::vector<std::string>& files() const { return files_; }
  // Each file's size and modification time when opened: a file that changes
  // before or while it is scanned is an error, not a different table.
  struct FileStamp {
    uint64_t size = 0;
    int64_t modified_ns = 0;
  };
  const std::vector<FileStamp>& stamps() const { return stamps_; }
  FileFormat format() const { return format_; }
  uint64_t total_bytes() const { return total_bytes_; }

  ScanTotals Scan(ThreadPool& pool, const BatchConsumer& consume, Progress* progress = nullptr) const;

  // From now on Scan() reads only `shard`'s share of the rows (io/
  // source_shard.h); every shard must then call Scan() alike, as it holds
  // collectives. The totals are this shard's; the fingerprint is the whole
  // source's. Batch indexes count this shard's batches.
  void SetShard(SourceShard shard) { shard_ = std::move(shard); }
  const SourceShard& shard() const { return shard_; }

 private:
  TableSource() = default;
  void InferSchema();
  // Column names and guessed types of a CSV or JSON Lines file, from a sample.
  std::vector<Field> InferTextFields(const std::string& path);
  ScanTotals ScanParquet(ThreadPool& pool, const BatchConsumer& consume, Progress* progress) const;
  // The text files' shares to read: every file whole without a shard.
  std::vector<TextShare> TextShares() const;
  // The first file's first rows, typed as the schema says: the text sample
  // InferTextFields kept, or a Parquet file's first row group's head.
  RecordBatch ReadSample() const;
  void FindKeyColumns();

  SourceOptions options_;
  FileFormat format_ = FileFormat::kCsv;
  std::vector<std::string> files_;
  std::vector<FileStamp> stamps_;
  uint64_t total_bytes_ = 0;
  void AddPartitionColumns(RecordBatch& batch) const;

  Schema schema_;       // the columns read: data columns, then partition columns
  Schema file_schema_;  // every data column of the files
  Schema data_schema_;  // the data columns read
  std::vector<int> projection_;  // per file column: its index in data_schema_, or -1
  // Hive-style partitions (dir/key=value/...): the keys as columns (typed by
  // their values), each file's values, and which keys are read.
  std::vector<Field> partition_fields_;
  std::vector<std::vector<std::string>> partition_values_;  // per file, per key
  std::vector<uint8_t> partition_read_;
  std::vector<SimplePredicate> predicates_;
  // Average bytes a record takes in the sample, to size a chunk's columns once.
  double record_bytes_ = 64;
  std::string sample_;  // the text sample schema inference read, until Open() ends
  std::map<std::string, std::string> key_columns_;
  SourceShard shard_;
  mutable std::optional<TextShardPlan> text_plan_;
  // A database source: schema, projection and scan are its own.
  std::shared_ptr<PostgresSource> postgres_;  // planned at the first sharded scan
};

}  // namespace sluice
