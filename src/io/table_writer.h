#pragma once
// Writes record batches to a file whose format follows its extension: .csv,
// .jsonl / .ndjson, or .parquet — or to a Parquet dataset directory when the
// path ends in '/' or partition columns are given — or to a PostgreSQL table
// when it is a postgres://...?table=NAME URI (io/postgres/postgres_sink.h). Batches must come in order
// (Write is not thread-safe); the output appears under its name on Close().

#include <memory>
#include <string>
#include <vector>

#include "data/record_batch.h"
#include "io/parquet/parquet_writer.h"

namespace sluice {

class TableWriter {
 public:
  static std::unique_ptr<TableWriter> Open(const std::string& path, const Schema& schema,
                                           const ParquetWriteOptions& parquet_options,
                                           const std::vector<std::string>& partition_by = {});
  virtual ~TableWriter() = default;
  virtual void Write(const RecordBatch& batch) = 0;
  virtual void Write(RecordBatch&& batch) { Write(static_cast<const RecordBatch&>(batch)); }
  virtual void Close() = 0;
};

// One value as CSV text (nulls are empty), and as JSON.
void AppendCsvValue(std::string& out, const Column& column, size_t row);
void AppendJsonValue(std::string& out, const Column& column, size_t row);

}  // namespace sluice
