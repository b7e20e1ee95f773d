#pragma once
// Writes a flat Parquet file from record batches. Every sluice column becomes
// an OPTIONAL column (nulls as definition levels): bool -> BOOLEAN, int64 ->
// INT64 (INT(64, signed)), float64 -> DOUBLE, string and categorical ->
// BYTE_ARRAY (STRING), timestamp -> INT64 TIMESTAMP(MICROS, UTC); by option,
// an int64 column as INT32 INT(8|16|32, signed or not), a timestamp as DATE,
// a float64 as FLOAT, and any column REQUIRED. Values are
// dictionary encoded (RLE_DICTIONARY) while the dictionary stays small, PLAIN
// otherwise; data pages are v1 with CRCs and min/max/null-count statistics,
// as are column chunks. A full row group is encoded and written in the
// background while the next one fills. The file appears under its name only
// on Close().
// The format subset is documented in docs/parquet.md.

#include <cstdint>
#include <future>
#include <map>
#include <set>
#include <memory>
#include <string>
#include <vector>

#include "common/atomic_file.h"
#include "common/thread_pool.h"
#include "data/record_batch.h"
#include "io/parquet/metadata.h"

namespace sluice {

// How an int64 or timestamp column is stored instead of the default INT64:
// as INT32 with a narrower INT(bits, signed) annotation, or as DATE (days
// since 1970-01-01, from timestamps at midnight UTC). Values that do not fit
// are an input-data error naming the column and row.
// A float64 column may be stored as FLOAT (rounded to the nearest float32:
// exact for values that were float32, as prepared features are).
enum class ParquetStorage { kDefault, kDate, kInt8, kInt16, kInt32, kUInt8, kUInt16, kUInt32, kFloat };

struct ParquetWriteOptions {
  parquet::Codec codec = parquet::Codec::kZstd;
  int zstd_level = 3;
  int64_t row_group_rows = 1 << 20;
  size_t page_bytes = 1 << 20;          // target uncompressed size of a data page
  size_t dictionary_max_bytes = 1 << 20;  // past this a column chunk falls back to PLAIN
  std::vector<parquet::KeyValue> metadata;
  ThreadPool* pool = nullptr;  // encodes a row group's columns in parallel when set
  std::map<std::string, ParquetStorage> column_storage;  // by column name
  // Columns written REQUIRED (no definition levels); a null in one is an
  // input-data error naming the column and line. The rest are OPTIONAL.
  std::set<std::string> required_columns;

  // Parses "zstd", "snappy", "gzip", "none"/"uncompressed"; throws a usage error.
  static parquet::Codec ParseCodec(const std::string& name);
  // Parses "date", "int8", "int16", "int32", "uint8", "uint16", "uint32", "float"; throws a usage error.
  static ParquetStorage ParseStorage(const std::string& name);
};

class ParquetWriter {
 public:
  static std::unique_ptr<ParquetWriter> Open(const std::string& path, const Schema& schema,
                                             const ParquetWriteOptions& options);
  ~ParquetWriter();

  // Appends the rows of `batch` (same schema); full row groups are written.
  // The batch is kept until its row group is written, not copied value by value.
  void Write(const RecordBatch& batch) { Write(RecordBatch(batch)); }
  void Write(RecordBatch&& batch);
  // Writes what is buffered and the footer, and renames the file into place.
  void Close();
  int64_t rows_written() const { return rows_written_; }

 private:
  ParquetWriter(const std::string& path, const Schema& schema, const ParquetWriteOptions& options);
  void FlushRowGroup();
  void EncodeRowGroup(const std::vector<RecordBatch>& batches, int64_t rows);
  void Append(std::string_view bytes);

  Schema schema_;
  ParquetWriteOptions options_;
  AtomicFileWriter file_;
  uint64_t offset_ = 0;
  std::vector<RecordBatch> buffered_;  // the rows of the row group being filled
  int64_t buffered_rows_ = 0;
  int64_t rows_written_ = 0;
  parquet::FileMetaData metadata_;
  std::future<void> pending_;  // the row group being encoded and written
  bool closed_ = false;
};

}  // namespace sluice
