// source.partition_by: a query's rows read on several connections at once,
// one value range of a column each, all in one snapshot.
//
// The lead connection opens a REPEATABLE READ transaction and exports its
// snapshot (pg_export_snapshot, as pg_dump's parallel mode does); every
// range's connection adopts it, so all of them and the lead's counts see
// the same rows, whatever commits meanwhile. The column's [min, max] is
// split into one range per thread (nulls are a range of their own); the
// lead counts each range's rows first, so every row's number and every
// batch's index are fixed before a row is read: range r's rows are numbered
// after all rows of the ranges before it, each range is cut into batches of
// kRowsPerBatch rows, and the batches are indexed round-robin across ranges
// (batch 0 of every range, then batch 1...), so an ordered consumer takes
// from all ranges at once and holds few batches out of order. A range's
// connection waits while its next batch is more than a window ahead of the
// oldest batch not yet decoded: memory stays bounded however the ranges'
// speeds differ. The same data, threads and column give the same batches.

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "common/error.h"
#include "common/format.h"
#include "common/hash.h"
#include "io/postgres/postgres_connection.h"
#include "io/postgres/postgres_source.h"

namespace sluice {

namespace {

constexpr int64_t kRowsPerBatch = 65536;

std::string Literal(double value) {
  std::string out;
  AppendDouble(out, value);
  return "'" + out + "'::float8";
}

}  // namespace

ScanTotals PostgresSource::ScanPartitioned(ThreadPool& pool, const BatchConsumer& consume, Progress* progress) const {
  const std::string& column = options_.partition_by;
  const PgColumn* key = nullptr;
  for (const auto& candidate : all_columns_) {
    if (candidate.name == column) key = &candidate;
  }
  if (!key) ThrowUsage("source.partition_by: " + name_ + " has no column '" + column + "' (columns: " + all_schema_.NameList() + ")");
  std::string value;  // the column as a float8, the ranges' measure
  switch (key->wire) {
    case PgWireType::kInt2:
    case PgWireType::kInt4:
    case PgWireType::kInt8:
    case PgWireType::kFloat4:
    case PgWireType::kFloat8:
    case PgWireType::kNumeric: value = QuoteIdentifier(column) + "::float8"; break;
    case PgWireType::kDate:
    case PgWireType::kTimestamp: value = "extract(epoch FROM " + QuoteIdentifier(column) + ")::float8"; break;
    default:
      ThrowUsage("source.partition_by: column '" + column + "' is text or boolean; name a numeric, date or timestamp "
                 "column, whose values split into ranges");
  }
  const std::string read = SplitPostgresUri(options_.uri).read;
  if (read == "cursor") ThrowUsage("source.partition_by reads with COPY; it does not combine with ?read=cursor");

  PostgresConnection lead(options_.uri);
  lead.Exec("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", PGRES_COMMAND_OK, "BEGIN");
  PgResult exported = lead.Exec("SELECT pg_export_snapshot()", PGRES_TUPLES_OK,
                                "source.partition_by needs an exported snapshot (PostgreSQL 9.2 or later; not Redshift)");
  const std::string snapshot = PQgetvalue(exported.get(), 0, 0);
  PgResult bounds = lead.Exec("SELECT min(" + value + "), max(" + value + ") FROM " + from_, PGRES_TUPLES_OK,
                              "finding source.partition_by's range");
  // The ranges' predicates: [b_i, b_i+1), the last one closed; then the nulls.
  std::vector<std::string> predicates;
  if (!PQgetisnull(bounds.get(), 0, 0)) {
    const double low = std::strtod(PQgetvalue(bounds.get(), 0, 0), nullptr);
    const double high = std::strtod(PQgetvalue(bounds.get(), 0, 1), nullptr);
    const size_t ranges = high > low ? std::max<size_t>(1, pool.num_threads()) : 1;
    std::vector<double> edges;
    for (size_t i = 0; i <= ranges; ++i) edges.push_back(low + (high - low) * static_cast<double>(i) / static_cast<double>(ranges));
    edges.back() = high;
    for (size_t i = 0; i < ranges; ++i) {
      predicates.push_back(value + " >= " + Literal(edges[i]) + " AND " + value + (i + 1 == ranges ? " <= " : " < ") +
                           Literal(edges[i + 1]));
    }
  }
  predicates.push_back(QuoteIdentifier(column) + " IS NULL");
  std::string count_sql = "SELECT ";
  for (size_t r = 0; r < predicates.size(); ++r) {
    if (r) count_sql += ", ";
    count_sql += "count(*) FILTER (WHERE " + predicates[r] + ")";
  }
  PgResult counted = lead.Exec(count_sql + " FROM " + from_, PGRES_TUPLES_OK, "counting source.partition_by's ranges");
  const size_t num_ranges = predicates.size();
  std::vector<int64_t> counts(num_ranges), first_rows(num_ranges), batches(num_ranges);
  int64_t next_first = 2;  // row r of the result is numbered r + 1, as unpartitioned
  for (size_t r = 0; r < num_ranges; ++r) {
    counts[r] = std::strtoll(PQgetvalue(counted.get(), 0, static_cast<int>(r)), nullptr, 10);
    first_rows[r] = next_first;
    next_first += counts[r];
    batches[r] = (counts[r] + kRowsPerBatch - 1) / kRowsPerBatch;
  }
  // Batch indexes round-robin across ranges, dense.
  std::vector<std::vector<size_t>> index_of(num_ranges);
  size_t num_batches = 0;
  for (int64_t j = 0; j < *std::max_element(batches.begin(), batches.end()); ++j) {
    for (size_t r = 0; r < num_ranges; ++r) {
      if (j < batches[r]) index_of[r].push_back(num_batches++);
    }
  }

  const std::vector<PgColumn> wire = WireColumns();
  std::atomic<int64_t> rows_read{0}, rows_rejected{0};
  std::vector<uint64_t> batch_hashes(num_batches);
  TaskGroup group(pool);
  const size_t max_in_flight = pool.num_threads() * 2;
  const size_t window = std::max<size_t>(4, pool.num_threads() * 4);
  std::mutex mutex;
  std::condition_variable advanced;
  std::vector<char> decoded(num_batches, 0);
  size_t oldest_pending = 0;  // every batch below it is decoded
  bool stop = false;
  std::exception_ptr first_error;

  auto read_range = [&](size_t r) {
    PostgresConnection conn(options_.uri);
    conn.Exec("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", PGRES_COMMAND_OK, "BEGIN");
    conn.Exec("SET TRANSACTION SNAPSHOT '" + snapshot + "'", PGRES_COMMAND_OK, "adopting the lead's snapshot");
    const std::string copy = "COPY (" + SelectSql() + " WHERE " + predicates[r] + ") TO STDOUT (FORMAT binary)";
    PgResult started(PQexec(conn.get(), copy.c_str()));
    if (!started || PQresultStatus(started.get()) != PGRES_COPY_OUT) {
      ThrowIo(name_ + ": the server refused to send range " + std::to_string(r + 1) + " of source.partition_by: " +
              (started ? std::string(PQresultErrorMessage(started.get())) : conn.LastError()));
    }
    auto chunk = std::make_shared<std::string>();
    int64_t in_range = 0, chunk_rows = 0;
    size_t batch = 0;
    auto submit = [&] {
      if (chunk_rows == 0) return;
      if (batch >= index_of[r].size()) ThrowInputData(name_ + ": range " + std::to_string(r + 1) + " sent more rows than counted");
      const size_t index = index_of[r][batch++];
      {
        std::unique_lock<std::mutex> lock(mutex);
        advanced.wait(lock, [&] { return stop || index < oldest_pending + window; });
        if (stop) return;
      }
      group.Limit(max_in_flight);
      const int64_t first_row = first_rows[r] + in_range - chunk_rows;
      group.Submit([&, data = chunk, first_row, rows = chunk_rows, index] {
        batch_hashes[index] = Hash64(*data);
        RecordBatch decoded_batch = DecodeChunk(*data, first_row, rows, wire);
        rows_read += rows;
        rows_rejected += static_cast<int64_t>(decoded_batch.rejects.size());
        if (progress) progress->Advance(data->size(), static_cast<uint64_t>(rows));
        consume(index, std::move(decoded_batch));
        std::lock_guard<std::mutex> lock(mutex);
        decoded[index] = 1;
        while (oldest_pending < num_batches && decoded[oldest_pending]) ++oldest_pending;
        advanced.notify_all();
      });
      chunk = std::make_shared<std::string>();
      chunk_rows = 0;
    };
    CopyRowSplitter rows(wire.size(), name_ + " (range " + std::to_string(r + 1) + " of source.partition_by)");
    for (;;) {
      char* buffer = nullptr;
      const int length = PQgetCopyData(conn.get(), &buffer, /*async=*/0);
      if (length == -1) break;
      if (length < 0) ThrowIo(name_ + ": range " + std::to_string(r + 1) + "'s row stream broke: " + conn.LastError());
      std::string owned(buffer, static_cast<size_t>(length));
      PQfreemem(buffer);
      rows.Add(owned, [&](std::string_view tuple) {
        chunk->append(tuple.data(), tuple.size());
        ++chunk_rows;
        ++in_range;
        if (chunk_rows == kRowsPerBatch) submit();
      });
      {
        std::lock_guard<std::mutex> lock(mutex);
        if (stop) return;
      }
    }
    submit();
    PgResult finished(PQgetResult(conn.get()));
    if (!finished || PQresultStatus(finished.get()) != PGRES_COMMAND_OK) {
      ThrowIo(name_ + ": range " + std::to_string(r + 1) + " of source.partition_by failed: " +
              (finished ? std::string(PQresultErrorMessage(finished.get())) : conn.LastError()));
    }
    rows.Finish();
    if (in_range != counts[r]) {
      ThrowInputData(name_ + ": range " + std::to_string(r + 1) + " of source.partition_by sent " +
                     std::to_string(in_range) + " rows where " + std::to_string(counts[r]) + " were counted");
    }
  };

  std::vector<std::thread> readers;
  for (size_t r = 0; r < num_ranges; ++r) {
    if (counts[r] == 0) continue;
    readers.emplace_back([&, r] {
      try {
        read_range(r);
      } catch (...) {
        std::lock_guard<std::mutex> lock(mutex);
        if (!first_error) first_error = std::current_exception();
        stop = true;
        advanced.notify_all();
      }
    });
  }
  // A failed decode stops the readers too.
  std::thread watcher([&] {
    std::unique_lock<std::mutex> lock(mutex);
    while (!stop && oldest_pending < num_batches) {
      advanced.wait_for(lock, std::chrono::milliseconds(50));
      if (group.failed()) {
        stop = true;
        advanced.notify_all();
      }
    }
  });
  for (auto& reader : readers) reader.join();
  {
    std::lock_guard<std::mutex> lock(mutex);
    stop = true;
    advanced.notify_all();
  }
  watcher.join();
  group.Wait();
  if (first_error) std::rethrow_exception(first_error);
  lead.Exec("COMMIT", PGRES_COMMAND_OK, "COMMIT");

  FingerprintBuilder fingerprint;
  for (uint64_t hash : batch_hashes) fingerprint.Add(hash);
  return Totals(rows_read, rows_rejected, num_batches, fingerprint.Hex());
}

}  // namespace sluice
