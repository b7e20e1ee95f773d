#pragma once
// A table read from PostgreSQL or Redshift: source.uri postgres://... with
// source.query (any SELECT) or source.table (a table or view, optionally
// schema-qualified). Open() learns the result's columns without running the
// query (a described prepared statement); Scan() runs it as
// COPY (SELECT <the columns read> FROM (<query>)) TO STDOUT (FORMAT binary)
// on a connection of its own, so only the projected columns travel — or,
// on Redshift (which has no COPY TO STDOUT) and with ?read=cursor, through a
// cursor: DECLARE ... NO SCROLL CURSOR, then FETCH FORWARD in binary result
// format, each row's values the same bytes a COPY tuple holds (values that
// come as text, with ?read=cursor-text or from a server that answers text,
// re-encoded as their binary form) — and
// streams the rows: the reading thread cuts the stream into chunks of whole
// rows, the pool decodes them into batches in parallel, and at most two
// chunks per thread are in flight, so memory does not grow with the result.

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "common/progress.h"
#include "common/thread_pool.h"
#include "data/schema.h"
#include "io/batch_builder.h"
#include "io/postgres/copy_binary.h"
#include "io/postgres/postgres_connection.h"
#include "io/scan_totals.h"
#include "io/source_shard.h"

namespace sluice {

struct PostgresSourceOptions {
  std::string uri;
  std::string query;  // SELECT ...; or empty with `table`
  std::string table;  // NAME or SCHEMA.NAME; or ?table= in the URI
  std::string partition_by;  // a column whose ranges are read in parallel
  int64_t partitions = 0;    // how many ranges; 0: one per reader (ranks x threads)
  std::map<std::string, DataType> column_types;  // source.schema overrides
  TextConversion conversion;
  size_t chunk_bytes = 1u << 20;
};

class PostgresSource {
 public:
  // Throws an I/O error naming the redacted URI for a connection or query
  // the server refuses, and a usage error for a column of a type sluice
  // cannot hold (naming it and the type, with the cast to write).
  static std::unique_ptr<PostgresSource> Open(const PostgresSourceOptions& options);

  const Schema& schema() const { return schema_; }  // the columns read
  const Schema& all_columns() const { return all_schema_; }
  const std::string& name() const { return name_; }  // the URI, password masked
  void Project(const std::vector<std::string>& columns);
  // Across MPI ranks (`shard` active) only a partitioned read runs: each
  // rank reads its ranges (postgres_partitioned_scan.cc).
  ScanTotals Scan(ThreadPool& pool, const BatchConsumer& consume, Progress* progress,
                  const SourceShard& shard = SourceShard()) const;
  // The SELECT that Scan() copies out.
  std::string SelectSql() const;

 private:
  PostgresSource() = default;
  // The columns as the SELECT returns them: those read, or one placeholder.
  std::vector<PgColumn> WireColumns() const;
  // COPY tuples (whole rows) into a batch, rows numbered from first_row.
  RecordBatch DecodeChunk(const std::string& data, int64_t first_row, int64_t rows,
                          const std::vector<PgColumn>& wire) const;
  // A database scan's totals: no blank or pruned rows there.
  static ScanTotals Totals(int64_t rows_read, int64_t rows_rejected, size_t num_batches, std::string fingerprint);
  // source.partition_by: postgres_partitioned_scan.cc.
  ScanTotals ScanPartitioned(ThreadPool& pool, const BatchConsumer& consume, Progress* progress,
                             const SourceShard& shard) const;
  // Hands each row of SelectSql(), fetched through a cursor (asking for
  // text results when `text`), to `tuple` as a COPY tuple's bytes, until it
  // returns false.
  void ReadThroughCursor(PostgresConnection& conn, const std::vector<PgColumn>& wire, bool text,
                         const std::function<bool(std::string_view)>& tuple) const;

  PostgresSourceOptions options_;
  std::string name_;
  std::string from_;  // "(query) AS sluice_source" or the quoted table
  std::vector<PgColumn> all_columns_;
  std::vector<PgColumn> columns_;  // those read, types as overridden
  Schema all_schema_;
  Schema schema_;
};

}  // namespace sluice
