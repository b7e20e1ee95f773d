// source.partition_by: a query's rows read on several connections at once,
// one value range of a column each, all in one snapshot — by the threads of
// one process, or by the ranks of an MPI job and their threads.
//
// The plan. A lead connection (rank 0's) opens a REPEATABLE READ
// transaction and exports its snapshot (pg_export_snapshot, as pg_dump's
// parallel mode does); every reading connection, on any rank, adopts it, so
// all of them and the lead's counts see the same rows, whatever commits
// meanwhile. The column is split at its quantiles into `partitions` ranges
// of about equal row counts (source.partitions; by default one per reader,
// ranks x threads), and the nulls are a range of their own, last. The lead counts each
// range's rows, and the plan goes to every rank. So every row's number is
// fixed before a row is read: range r's rows are numbered after all rows of
// the ranges before it — which depends on `partitions`, never on the
// threads or ranks that read them.
//
// The reading. The ranks take contiguous runs of ranges, weighed by their
// counts (rank order is row order, as for files); a rank's readers (one
// per thread) take its ranges in turn, each reading its ranges one after
// another on one connection. A range is cut into batches of kRowsPerBatch
// rows, indexed in row order, so whatever folds batches in index order
// (prep's means and deviations) gives the same bits with any threads and
// ranks. A reader waits while its next batch is more than a window ahead
// of the oldest batch not yet decoded, so memory stays bounded however the
// readers' speeds differ: the readers of a process read at the same time
// as far as their ranges are within a window of each other — ranges of a
// batch or two each (source.partitions several times the threads) keep
// them all busy; ranges as large as a process's share of the rows leave
// one reading at a time, ahead of the others by a window. Across ranks
// the ranges are read at the same time whatever their size. The
// fingerprint hashes every batch in range order, gathered from every rank.

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
#include "nlohmann/json.hpp"

namespace sluice {

namespace {

constexpr int64_t kRowsPerBatch = 65536;

// What every reader of a partitioned read must agree on.
struct RangePlan {
  std::string snapshot;
  std::vector<std::string> predicates;  // a WHERE clause per range, nulls last
  std::vector<int64_t> counts;          // rows per range

  std::string ToJson() const {
    return nlohmann::json{{"snapshot", snapshot}, {"predicates", predicates}, {"counts", counts}}.dump();
  }
  static RangePlan FromJson(const std::string& text) {
    const nlohmann::json json = nlohmann::json::parse(text);
    return {json.at("snapshot").get<std::string>(), json.at("predicates").get<std::vector<std::string>>(),
            json.at("counts").get<std::vector<int64_t>>()};
  }
};

}  // namespace

ScanTotals PostgresSource::ScanPartitioned(ThreadPool& pool, const BatchConsumer& consume, Progress* progress,
                                           const SourceShard& shard) const {
  const std::string& column = options_.partition_by;
  const PgColumn* key = nullptr;
  for (const auto& candidate : all_columns_) {
    if (candidate.name == column) key = &candidate;
  }
  if (!key)
    ThrowUsage("source.partition_by: " + name_ + " has no column '" + column + "' (columns: " + all_schema_.NameList() +
               ")");
  std::string value;  // the column as a float8, the ranges' measure
  switch (key->wire) {
    case PgWireType::kInt2:
    case PgWireType::kInt4:
    case PgWireType::kInt8:
    case PgWireType::kFloat4:
    case PgWireType::kFloat8:
    case PgWireType::kNumeric:
      value = QuoteIdentifier(column) + "::float8";
      break;
    case PgWireType::kDate:
    case PgWireType::kTimestamp:
      value = "extract(epoch FROM " + QuoteIdentifier(column) + ")::float8";
      break;
    default:
      ThrowUsage("source.partition_by: column '" + column +
                 "' is text or boolean; name a numeric, date or timestamp "
                 "column, whose values split into ranges");
  }
  const std::string read = SplitPostgresUri(options_.uri).read;
  if (read == "cursor" || read == "cursor-text") {
    ThrowUsage("source.partition_by reads with COPY; it does not combine with ?read=" + read);
  }
  const size_t partitions = options_.partitions > 0
                                ? static_cast<size_t>(options_.partitions)
                                : static_cast<size_t>(shard.count) * std::max<size_t>(1, pool.num_threads());

  // The lead (rank 0) plans; the plan, or the lead's error, goes to every rank.
  std::unique_ptr<PostgresConnection> lead;
  RangePlan plan;
  std::string planned;
  if (shard.index == 0) {
    try {
      lead = std::make_unique<PostgresConnection>(options_.uri);
      lead->FixRowOrder();
      lead->Exec("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", PGRES_COMMAND_OK, "BEGIN");
      PgResult exported =
          lead->Exec("SELECT pg_export_snapshot()", PGRES_TUPLES_OK,
                     "source.partition_by needs an exported snapshot (PostgreSQL 9.2 or later; not Redshift)");
      plan.snapshot = PQgetvalue(exported.get(), 0, 0);
      // The ranges' edges: the column's quantiles, so the ranges hold about
      // equal numbers of rows however skewed the values are. The first and
      // last ranges are open, so every non-null value (NaN and infinities
      // too) falls in exactly one; equal quantiles collapse into one edge.
      std::string fractions;
      for (size_t i = 1; i < partitions; ++i) {
        if (!fractions.empty()) fractions += ", ";
        std::string fraction;
        AppendDouble(fraction, static_cast<double>(i) / static_cast<double>(partitions));
        fractions += fraction;
      }
      std::vector<std::string> edges;
      if (partitions > 1) {
        PgResult quantiles = lead->Exec("SELECT percentile_disc(ARRAY[" + fractions +
                                            "]::float8[]) WITHIN GROUP (ORDER BY " + value + ") FROM " + from_,
                                        PGRES_TUPLES_OK, "finding source.partition_by's quantiles");
        if (!PQgetisnull(quantiles.get(), 0, 0)) {
          std::string array = PQgetvalue(quantiles.get(), 0, 0);  // {e1,e2,...}
          array = array.substr(1, array.size() - 2);
          for (size_t begin = 0; begin <= array.size();) {
            const size_t comma = std::min(array.find(',', begin), array.size());
            std::string edge = array.substr(begin, comma - begin);
            if (!edge.empty() && (edges.empty() || edges.back() != edge)) edges.push_back(edge);
            begin = comma + 1;
          }
        }
      }
      auto literal = [](const std::string& edge) { return "'" + edge + "'::float8"; };
      if (edges.empty()) {
        plan.predicates.push_back(QuoteIdentifier(column) + " IS NOT NULL");
      } else {
        plan.predicates.push_back(value + " < " + literal(edges[0]));
        for (size_t i = 0; i + 1 < edges.size(); ++i) {
          plan.predicates.push_back(value + " >= " + literal(edges[i]) + " AND " + value + " < " +
                                    literal(edges[i + 1]));
        }
        plan.predicates.push_back(value + " >= " + literal(edges.back()));
      }
      plan.predicates.push_back(QuoteIdentifier(column) + " IS NULL");
      std::string count_sql = "SELECT ";
      for (size_t r = 0; r < plan.predicates.size(); ++r) {
        if (r) count_sql += ", ";
        count_sql += "count(*) FILTER (WHERE " + plan.predicates[r] + ")";
      }
      PgResult counted =
          lead->Exec(count_sql + " FROM " + from_, PGRES_TUPLES_OK, "counting source.partition_by's ranges");
      for (size_t r = 0; r < plan.predicates.size(); ++r) {
        plan.counts.push_back(std::strtoll(PQgetvalue(counted.get(), 0, static_cast<int>(r)), nullptr, 10));
      }
      planned = plan.ToJson();
    } catch (const Error& error) {
      if (!shard.active()) throw;
      planned = nlohmann::json{{"error", error.what()}, {"kind", static_cast<int>(error.kind())}}.dump();
    }
  }
  if (shard.active()) {
    planned = shard.all_gather(planned)[0];
    const nlohmann::json json = nlohmann::json::parse(planned);
    if (json.contains("error"))
      throw Error(static_cast<ErrorKind>(json.at("kind").get<int>()), json.at("error").get<std::string>());
    if (shard.index != 0) plan = RangePlan::FromJson(planned);
  }
  const size_t num_ranges = plan.predicates.size();
  std::vector<int64_t> first_rows(num_ranges), batches(num_ranges);
  int64_t next_first = 2;  // row r of the result is numbered r + 1, as unpartitioned
  for (size_t r = 0; r < num_ranges; ++r) {
    first_rows[r] = next_first;
    next_first += plan.counts[r];
    batches[r] = (plan.counts[r] + kRowsPerBatch - 1) / kRowsPerBatch;
  }

  // This rank's ranges (those with rows): a contiguous run, so that rank
  // order is row order. Its readers take them in turn (reader t the t-th,
  // the (t + readers)-th...), so at any time they read neighbouring ranges.
  std::vector<uint64_t> weights(plan.counts.begin(), plan.counts.end());
  const std::vector<int> rank_of = AssignUnits(weights, shard.count);
  std::vector<size_t> mine;
  for (size_t r = 0; r < num_ranges; ++r) {
    if (rank_of[r] == shard.index && plan.counts[r] > 0) mine.push_back(r);
  }
  const size_t num_readers = std::min(mine.size(), std::max<size_t>(1, pool.num_threads()));
  std::vector<std::vector<size_t>> runs(num_readers);
  std::vector<size_t> reader_of(num_ranges, 0);
  for (size_t i = 0; i < mine.size(); ++i) {
    reader_of[mine[i]] = i % num_readers;
    runs[i % num_readers].push_back(mine[i]);
  }
  // Batch indexes in row order — range by range, batch by batch — so a
  // consumer that folds batches in index order (prep's moments) does it in
  // the same order with any number of threads and ranks; index_of[t] lists
  // reader t's in the order it reads them.
  std::vector<std::vector<size_t>> index_of(num_readers);
  size_t num_batches = 0;
  for (size_t r : mine) {
    for (int64_t j = 0; j < batches[r]; ++j) index_of[reader_of[r]].push_back(num_batches++);
  }

  const std::vector<PgColumn> wire = WireColumns();
  std::atomic<int64_t> rows_read{0}, rows_rejected{0};
  std::vector<std::vector<uint64_t>> batch_hashes(num_ranges);
  for (size_t r = 0; r < num_ranges; ++r) batch_hashes[r].resize(static_cast<size_t>(batches[r]));
  TaskGroup group(pool);
  const size_t max_in_flight = pool.num_threads() * 2;
  const size_t window = std::max<size_t>(4, pool.num_threads() * 4);
  std::mutex mutex;
  std::condition_variable advanced;
  std::vector<char> decoded(num_batches, 0);
  size_t oldest_pending = 0;  // every batch below it is decoded
  bool stop = false;
  std::exception_ptr first_error;

  auto read_run = [&](size_t t) {
    PostgresConnection conn(options_.uri);
    conn.FixRowOrder();
    conn.Exec("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", PGRES_COMMAND_OK, "BEGIN");
    conn.Exec("SET TRANSACTION SNAPSHOT '" + plan.snapshot + "'", PGRES_COMMAND_OK, "adopting the lead's snapshot");
    size_t position = 0;  // in index_of[t]
    for (size_t r : runs[t]) {
      const std::string range_name = "range " + std::to_string(r + 1) + " of source.partition_by";
      const std::string copy = "COPY (" + SelectSql() + " WHERE " + plan.predicates[r] + ") TO STDOUT (FORMAT binary)";
      PgResult started(PQexec(conn.get(), copy.c_str()));
      if (!started || PQresultStatus(started.get()) != PGRES_COPY_OUT) {
        ThrowIo(name_ + ": the server refused to send " + range_name + ": " +
                (started ? std::string(PQresultErrorMessage(started.get())) : conn.LastError()));
      }
      auto chunk = std::make_shared<std::string>();
      int64_t in_range = 0, chunk_rows = 0, batch = 0;
      auto submit = [&] {
        if (chunk_rows == 0) return;
        if (batch >= batches[r]) ThrowInputData(name_ + ": " + range_name + " sent more rows than counted");
        const size_t index = index_of[t][position++];
        const size_t in_range_batch = static_cast<size_t>(batch++);
        {
          std::unique_lock<std::mutex> lock(mutex);
          advanced.wait(lock, [&] { return stop || index < oldest_pending + window; });
          if (stop) return;
        }
        group.Limit(max_in_flight);
        const int64_t first_row = first_rows[r] + in_range - chunk_rows;
        group.Submit([&, data = chunk, first_row, rows = chunk_rows, index, r, in_range_batch] {
          batch_hashes[r][in_range_batch] = Hash64(*data);
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
      CopyRowSplitter rows(wire.size(), name_ + " (" + range_name + ")");
      for (;;) {
        char* buffer = nullptr;
        const int length = PQgetCopyData(conn.get(), &buffer, /*async=*/0);
        if (length == -1) break;
        if (length < 0) ThrowIo(name_ + ": " + range_name + "'s row stream broke: " + conn.LastError());
        std::string owned(buffer, static_cast<size_t>(length));
        PQfreemem(buffer);
        rows.Add(owned, [&](std::string_view tuple) {
          chunk->append(tuple.data(), tuple.size());
          ++chunk_rows;
          ++in_range;
          if (chunk_rows == kRowsPerBatch) submit();
        });
        std::lock_guard<std::mutex> lock(mutex);
        if (stop) return;
      }
      submit();
      PgResult finished(PQgetResult(conn.get()));
      if (!finished || PQresultStatus(finished.get()) != PGRES_COMMAND_OK) {
        ThrowIo(name_ + ": " + range_name +
                " failed: " + (finished ? std::string(PQresultErrorMessage(finished.get())) : conn.LastError()));
      }
      rows.Finish();
      if (in_range != plan.counts[r]) {
        ThrowInputData(name_ + ": " + range_name + " sent " + std::to_string(in_range) + " rows where " +
                       std::to_string(plan.counts[r]) + " were counted");
      }
    }
  };

  std::vector<std::thread> readers;
  for (size_t t = 0; t < num_readers; ++t) {
    readers.emplace_back([&, t] {
      try {
        read_run(t);
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

  // Every rank's batch hashes, in range order; the lead's transaction ends
  // only after every rank has read (its snapshot must live until then).
  if (shard.active()) {
    nlohmann::json own = nlohmann::json::object();
    for (size_t r : mine) own[std::to_string(r)] = batch_hashes[r];
    for (const auto& text : shard.all_gather(own.dump())) {
      const nlohmann::json theirs = nlohmann::json::parse(text);  // items() refers to it: not a temporary
      for (const auto& [range, hashes] : theirs.items()) {
        batch_hashes[std::stoul(range)] = hashes.get<std::vector<uint64_t>>();
      }
    }
  }
  if (lead) lead->Exec("COMMIT", PGRES_COMMAND_OK, "COMMIT");
  FingerprintBuilder fingerprint;
  for (const auto& hashes : batch_hashes) {
    for (uint64_t hash : hashes) fingerprint.Add(hash);
  }
  return Totals(rows_read, rows_rejected, num_batches, fingerprint.Hex());
}

}  // namespace sluice
