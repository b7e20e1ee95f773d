#include "io/postgres/postgres_source.h"

#include <algorithm>
#include <atomic>
#include <set>

#include "common/error.h"
#include "common/hash.h"
#include "io/postgres/postgres_connection.h"
#include "io/postgres/text_values.h"

namespace sluice {

namespace {

// A query as a subquery: trailing blanks and semicolons dropped.
std::string Subquery(std::string query) {
  while (!query.empty() && (std::isspace(static_cast<unsigned char>(query.back())) || query.back() == ';')) {
    query.pop_back();
  }
  return query;
}

struct CopyBuffer {
  char* data = nullptr;
  ~CopyBuffer() {
    if (data) PQfreemem(data);
  }
};

}  // namespace

std::unique_ptr<PostgresSource> PostgresSource::Open(const PostgresSourceOptions& options) {
  std::unique_ptr<PostgresSource> source(new PostgresSource());
  source->options_ = options;
  if (source->options_.partition_by.empty()) source->options_.partition_by = SplitPostgresUri(options.uri).partition_by;
  if (source->options_.partitions == 0 && !SplitPostgresUri(options.uri).partitions.empty()) {
    const std::string text = SplitPostgresUri(options.uri).partitions;
    char* end = nullptr;
    const long long value = std::strtoll(text.c_str(), &end, 10);
    if (*end != '\0' || value < 1 || value > 4096) {
      ThrowUsage(RedactUri(options.uri) + ": partitions=" + text + ": expected a whole number from 1 to 4096");
    }
    source->options_.partitions = value;
  }
  source->name_ = RedactUri(options.uri);
  const std::string table = !options.table.empty() ? options.table : SplitPostgresUri(options.uri).table;
  const std::string query = Subquery(options.query);
  if (query.empty() == table.empty()) {
    ThrowUsage(source->name_ + ": set one of source.query (a SELECT) or source.table (a table's name)");
  }
  source->from_ = table.empty() ? "(" + query + ") AS sluice_source" : QuoteQualifiedName(table);

  PostgresConnection conn(options.uri);
  const std::string describe = "SELECT * FROM " + source->from_;
  PgResult prepared(PQprepare(conn.get(), "", describe.c_str(), 0, nullptr));
  if (!prepared || PQresultStatus(prepared.get()) != PGRES_COMMAND_OK) {
    ThrowIo(source->name_ + ": the server refused " + (table.empty() ? "source.query" : "table " + table) + ": " +
            (prepared ? std::string(PQresultErrorMessage(prepared.get())) : conn.LastError()));
  }
  PgResult described(PQdescribePrepared(conn.get(), ""));
  if (!described || PQresultStatus(described.get()) != PGRES_COMMAND_OK) {
    ThrowIo(source->name_ + ": cannot describe the query: " + conn.LastError());
  }
  std::set<std::string> names;
  for (int field = 0; field < PQnfields(described.get()); ++field) {
    const std::string name = PQfname(described.get(), field);
    if (!names.insert(name).second) {
      ThrowUsage(source->name_ + ": the query has two columns named '" + name + "' (give one an alias: AS other_name)");
    }
    const uint32_t oid = PQftype(described.get(), field);
    auto column = MapPostgresType(name, oid);
    if (!column) {
      PgResult type = conn.Exec("SELECT format_type(" + std::to_string(oid) + ", " +
                                    std::to_string(PQfmod(described.get(), field)) + ")",
                                PGRES_TUPLES_OK, "naming a column's type");
      const std::string type_name = PQgetvalue(type.get(), 0, 0);
      ThrowUsage(source->name_ + ": column '" + name + "' has type " + type_name +
                 ", which sluice cannot hold (cast it in source.query, e.g. " + QuoteIdentifier(name) +
                 "::text or ::double precision)");
    }
    auto override_type = options.column_types.find(name);
    if (override_type != options.column_types.end()) column->type = override_type->second;
    source->all_columns_.push_back(*column);
    source->all_schema_.Add({name, column->type});
  }
  if (source->all_columns_.empty()) ThrowUsage(source->name_ + ": the query returns no columns");
  for (const auto& entry : options.column_types) {
    if (!source->all_schema_.Find(entry.first)) {
      ThrowUsage("source.schema." + entry.first + ": the query has no column '" + entry.first + "' (columns: " +
                 source->all_schema_.NameList() + ")");
    }
  }
  source->columns_ = source->all_columns_;
  source->schema_ = source->all_schema_;
  return source;
}

void PostgresSource::Project(const std::vector<std::string>& columns) {
  for (const auto& name : columns) {
    if (!all_schema_.Find(name)) {
      ThrowUsage("source: no column '" + name + "' (columns: " + all_schema_.NameList() + ")");
    }
  }
  columns_.clear();
  schema_ = Schema();
  for (const auto& column : all_columns_) {
    if (std::find(columns.begin(), columns.end(), column.name) == columns.end()) continue;
    columns_.push_back(column);
    schema_.Add({column.name, column.type});
  }
}

std::string PostgresSource::SelectSql() const {
  std::string list;
  for (const auto& column : columns_) list += (list.empty() ? "" : ", ") + QuoteIdentifier(column.name);
  // No column read (a count of rows): one constant keeps the rows.
  if (list.empty()) list = "1 AS sluice_row";
  return "SELECT " + list + " FROM " + from_;
}

RecordBatch PostgresSource::DecodeChunk(const std::string& data, int64_t first_row, int64_t rows,
                                        const std::vector<PgColumn>& wire) const {
  // With no column read the SELECT has one constant column, decoded into nothing.
  const bool placeholder = columns_.empty();
  Schema schema = placeholder ? Schema({{"sluice_row", DataType::kInt64}}) : schema_;
  BatchBuilder builder(schema, options_.conversion);
  builder.Reserve(static_cast<size_t>(rows));
  std::string_view rest(data);
  for (int64_t row = first_row; !rest.empty(); ++row) {
    const size_t size = CopyTupleSize(rest, wire.size(), name_);
    DecodeCopyTuple(rest.substr(0, size), wire, builder, row, name_);
    rest.remove_prefix(size);
  }
  RecordBatch batch = builder.Finish();
  if (placeholder) {
    batch.schema = Schema();
    batch.columns.clear();
  }
  batch.source_name = name_;
  batch.source_bytes = data.size();
  return batch;
}

std::vector<PgColumn> PostgresSource::WireColumns() const {
  std::vector<PgColumn> wire = columns_;
  if (wire.empty()) wire.push_back(*MapPostgresType("sluice_row", 23));
  return wire;
}

ScanTotals PostgresSource::Scan(ThreadPool& pool, const BatchConsumer& consume, Progress* progress,
                                const SourceShard& shard) const {
  if (!options_.partition_by.empty()) return ScanPartitioned(pool, consume, progress, shard);
  if (shard.active()) {
    ThrowUsage(name_ + ": across MPI ranks a database is read by ranges of a column: set source.partition_by (a "
               "numeric, date or timestamp column) and each rank reads its ranges in one shared snapshot; Redshift "
               "has no shared snapshots: UNLOAD the query to S3 as Parquet and read that (docs/connectors.md)");
  }
  PostgresConnection conn(options_.uri);
  const std::string read = SplitPostgresUri(options_.uri).read;
  if (!read.empty() && read != "copy" && read != "cursor" && read != "cursor-text") {
    ThrowUsage(name_ + ": read=" + read + ": use read=copy (binary COPY, the default), read=cursor (FETCH, binary "
               "results) or read=cursor-text (FETCH, text results, for a server that sends no binary)");
  }
  bool cursor = read == "cursor" || read == "cursor-text";
  if (read.empty()) {
    // Redshift speaks PostgreSQL's protocol but has no COPY ... TO STDOUT.
    PgResult version = conn.Exec("SELECT version()", PGRES_TUPLES_OK, "asking the server's version");
    cursor = std::string(PQgetvalue(version.get(), 0, 0)).find("Redshift") != std::string::npos;
  }
  const std::vector<PgColumn> wire = WireColumns();

  std::atomic<int64_t> rows_read{0}, rows_rejected{0};
  FingerprintBuilder fingerprint;
  TaskGroup group(pool);
  const size_t max_in_flight = pool.num_threads() * 2;
  size_t batch_index = 0;
  // Row r of the result is numbered r + 1, its line in the same result
  // written as CSV with a header: a table exported with \copy ... CSV HEADER
  // splits into train, valid and test as the table itself does.
  int64_t next_row = 2;
  auto chunk = std::make_shared<std::string>();
  int64_t chunk_first_row = 2, chunk_rows = 0;
  auto submit = [&] {
    if (chunk_rows == 0) return;
    fingerprint.Add(*chunk);
    group.Limit(max_in_flight);
    const size_t index = batch_index++;
    group.Submit([&, data = chunk, first_row = chunk_first_row, rows = chunk_rows, index] {
      RecordBatch batch = DecodeChunk(*data, first_row, rows, wire);
      const int64_t rejected = static_cast<int64_t>(batch.rejects.size());
      rows_read += rows;
      rows_rejected += rejected;
      if (progress) progress->Advance(data->size(), static_cast<uint64_t>(rows));
      consume(index, std::move(batch));
    });
    chunk = std::make_shared<std::string>();
    chunk_first_row = next_row;
    chunk_rows = 0;
  };
  // One row, as a COPY tuple's bytes, into the chunk being filled.
  auto add_tuple = [&](std::string_view tuple) {
    chunk->append(tuple.data(), tuple.size());
    ++chunk_rows;
    ++next_row;
  };

  if (cursor) {
    ReadThroughCursor(conn, wire, read == "cursor-text", [&](std::string_view tuple) {
      add_tuple(tuple);
      if (chunk->size() >= options_.chunk_bytes) submit();
      return !group.failed();
    });
    submit();
    group.Wait();
  } else {
    conn.FixRowOrder();
    // Read only: a query that would write (a function that inserts) fails
    // instead of changing the database sluice reads.
    conn.Exec("BEGIN READ ONLY", PGRES_COMMAND_OK, "BEGIN");
    const std::string copy = "COPY (" + SelectSql() + ") TO STDOUT (FORMAT binary)";
    PgResult started(PQexec(conn.get(), copy.c_str()));
    if (!started || PQresultStatus(started.get()) != PGRES_COPY_OUT) {
      ThrowIo(name_ + ": the server refused to send the rows: " +
              (started ? std::string(PQresultErrorMessage(started.get())) : conn.LastError()));
    }
    CopyRowSplitter rows(wire.size(), name_);
    for (;;) {
      CopyBuffer buffer;
      const int length = PQgetCopyData(conn.get(), &buffer.data, /*async=*/0);
      if (length == -1) break;
      if (length < 0) ThrowIo(name_ + ": the row stream broke after " + std::to_string(next_row - 2) + " rows: " + conn.LastError());
      rows.Add(std::string_view(buffer.data, static_cast<size_t>(length)), add_tuple);
      if (chunk->size() >= options_.chunk_bytes) submit();
      if (group.failed()) break;
    }
    submit();
    group.Wait();
    // The query can still fail after rows have come (a division by zero in row N).
    PgResult finished(PQgetResult(conn.get()));
    if (!finished || PQresultStatus(finished.get()) != PGRES_COMMAND_OK) {
      ThrowIo(name_ + ": the query failed after " + std::to_string(next_row - 2) + " rows: " +
              (finished ? std::string(PQresultErrorMessage(finished.get())) : conn.LastError()));
    }
    rows.Finish();
  }
  return Totals(rows_read, rows_rejected, batch_index, fingerprint.Hex());
}

ScanTotals PostgresSource::Totals(int64_t rows_read, int64_t rows_rejected, size_t num_batches, std::string fingerprint) {
  ScanTotals totals;
  totals.rows_read = rows_read;
  totals.rows_rejected = rows_rejected;
  totals.num_batches = num_batches;
  totals.fingerprint = std::move(fingerprint);
  return totals;
}

void PostgresSource::ReadThroughCursor(PostgresConnection& conn, const std::vector<PgColumn>& wire, bool text,
                                       const std::function<bool(std::string_view)>& tuple) const {
  // A cursor lives in a transaction; each FETCH brings kFetchRows rows,
  // asked for in binary result format, whose values are a COPY tuple's
  // field bytes. A value that comes as text — asked so (read=cursor-text),
  // or a server or proxy that answers text whatever was asked — is
  // re-encoded as its binary form (io/postgres/text_values.h), read in the
  // forms the session's settings fix.
  constexpr int kFetchRows = 20000;
  const size_t num_columns = wire.size();
  for (const char* setting : {"SET TIME ZONE 'UTC'", "SET DateStyle = 'ISO'", "SET extra_float_digits = 3"}) {
    PgResult result(PQexec(conn.get(), setting));  // a server without it is left as it is
  }
  conn.Exec("BEGIN READ ONLY", PGRES_COMMAND_OK, "BEGIN");  // a query that would write fails
  conn.Exec("DECLARE sluice_rows NO SCROLL CURSOR FOR " + SelectSql(), PGRES_COMMAND_OK,
            "the server refused to send the rows");
  const std::string fetch = "FETCH FORWARD " + std::to_string(kFetchRows) + " FROM sluice_rows";
  std::string bytes, value;
  int64_t fetched = 0;
  for (;;) {
    PgResult result(PQexecParams(conn.get(), fetch.c_str(), 0, nullptr, nullptr, nullptr, nullptr,
                                 /*resultFormat=*/text ? 0 : 1));
    if (!result || PQresultStatus(result.get()) != PGRES_TUPLES_OK) {
      ThrowIo(name_ + ": the query failed after " + std::to_string(fetched) + " rows: " +
              (result ? std::string(PQresultErrorMessage(result.get())) : conn.LastError()) +
              (text || fetched > 0 ? "" : " (a server that refuses binary results: add ?read=cursor-text)"));
    }
    const int rows = PQntuples(result.get());
    if (static_cast<size_t>(PQnfields(result.get())) != num_columns) {
      ThrowInputData(name_ + ": the cursor returned " + std::to_string(PQnfields(result.get())) + " columns for " +
                     std::to_string(num_columns));
    }
    std::vector<char> as_text(num_columns);
    for (size_t field = 0; field < num_columns; ++field) as_text[field] = PQfformat(result.get(), static_cast<int>(field)) == 0;
    for (int row = 0; row < rows; ++row) {
      bytes.clear();
      auto put = [&bytes](uint32_t number, int width) {
        for (int shift = (width - 1) * 8; shift >= 0; shift -= 8) bytes.push_back(static_cast<char>((number >> shift) & 0xff));
      };
      put(static_cast<uint32_t>(num_columns), 2);
      for (size_t field = 0; field < num_columns; ++field) {
        const int f = static_cast<int>(field);
        if (PQgetisnull(result.get(), row, f)) {
          put(0xffffffffu, 4);
          continue;
        }
        std::string_view got(PQgetvalue(result.get(), row, f), static_cast<size_t>(PQgetlength(result.get(), row, f)));
        if (as_text[field]) {
          value.clear();
          AppendBinaryFromText(wire[field].wire, got, value, name_ + " column " + wire[field].name + ", row " +
                                                                 std::to_string(fetched + row + 1));
          got = value;
        }
        put(static_cast<uint32_t>(got.size()), 4);
        bytes.append(got);
      }
      if (!tuple(bytes)) return;
    }
    fetched += rows;
    if (rows < kFetchRows) break;
  }
  conn.Exec("CLOSE sluice_rows", PGRES_COMMAND_OK, "closing the cursor");
  conn.Exec("COMMIT", PGRES_COMMAND_OK, "COMMIT");
}

}  // namespace sluice
