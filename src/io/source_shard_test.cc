#include "io/source_shard.h"

#include <gtest/gtest.h>
#include <zlib.h>

#include <condition_variable>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <thread>

#include "common/thread_pool.h"
#include "io/ordered_batches.h"
#include "io/parquet/parquet_writer.h"
#include "io/table_source.h"

namespace sluice {
namespace {

namespace fs = std::filesystem;

// Ranks as threads: an all-gather that waits for every one of `size`.
class ThreadJob {
 public:
  explicit ThreadJob(int size) : size_(size), slots_(static_cast<size_t>(size)) {}

  std::vector<std::string> AllGather(int rank, const std::string& mine) {
    std::unique_lock<std::mutex> lock(mutex_);
    const int generation = generation_;
    slots_[static_cast<size_t>(rank)] = mine;
    if (++arrived_ == size_) {
      result_ = slots_;
      arrived_ = 0;
      ++generation_;
      changed_.notify_all();
    } else {
      changed_.wait(lock, [&] { return generation_ != generation; });
    }
    return result_;
  }

 private:
  int size_;
  std::mutex mutex_;
  std::condition_variable changed_;
  int arrived_ = 0, generation_ = 0;
  std::vector<std::string> slots_, result_;
};

// Every row read: file, line and its first column, as text.
using Rows = std::map<std::pair<uint32_t, int64_t>, std::string>;

struct ShardResult {
  Rows rows;
  ScanTotals totals;
  std::vector<int64_t> rejected_lines;
};

ShardResult Scan(const SourceOptions& options, int index, int count, ThreadJob* job) {
  auto source = TableSource::Open(options);
  if (count > 1) {
    source->SetShard({index, count, [job, index](const std::string& mine) { return job->AllGather(index, mine); }});
  }
  ThreadPool pool(2);
  std::mutex mutex;
  ShardResult result;
  result.totals = source->Scan(pool, [&](size_t, RecordBatch&& batch) {
    std::lock_guard<std::mutex> lock(mutex);
    for (size_t row = 0; row < batch.num_rows(); ++row) {
      const Column& column = batch.columns[0];
      std::string value = column.IsNull(row) ? "<null>" : std::string(column.type() == DataType::kString ? column.String(row) : std::to_string(column.AsDouble(row)));
      EXPECT_TRUE(result.rows.emplace(std::make_pair(batch.file_index, batch.lines[row]), value).second);
    }
    for (const auto& reject : batch.rejects) result.rejected_lines.push_back(reject.line);
  });
  return result;
}

// Scans with `count` shards at once and checks that together they read what
// one scan reads: every row once, with its file and line; the same totals;
// the same fingerprint on every shard.
void ExpectShardsReadWhatOneScanReads(const SourceOptions& options, int count) {
  const ShardResult whole = Scan(options, 0, 1, nullptr);
  ThreadJob job(count);
  std::vector<ShardResult> shards(static_cast<size_t>(count));
  std::vector<std::thread> threads;
  std::vector<std::string> errors(static_cast<size_t>(count));
  for (int index = 0; index < count; ++index) {
    threads.emplace_back([&, index] {
      try {
        shards[static_cast<size_t>(index)] = Scan(options, index, count, &job);
      } catch (const std::exception& error) {
        errors[static_cast<size_t>(index)] = error.what();
      }
    });
  }
  for (auto& thread : threads) thread.join();
  Rows together;
  ScanTotals sum;
  std::vector<int64_t> rejected;
  for (int index = 0; index < count; ++index) {
    ASSERT_EQ(errors[static_cast<size_t>(index)], "") << "shard " << index;
    const ShardResult& shard = shards[static_cast<size_t>(index)];
    for (const auto& [key, value] : shard.rows) EXPECT_TRUE(together.emplace(key, value).second) << "read twice: line " << key.second;
    sum.rows_read += shard.totals.rows_read;
    sum.rows_rejected += shard.totals.rows_rejected;
    sum.rows_blank += shard.totals.rows_blank;
    rejected.insert(rejected.end(), shard.rejected_lines.begin(), shard.rejected_lines.end());
    EXPECT_EQ(shard.totals.fingerprint, whole.totals.fingerprint) << "shard " << index;
  }
  EXPECT_EQ(together.size(), whole.rows.size());
  EXPECT_TRUE(together == whole.rows) << count << " shards";
  EXPECT_EQ(sum.rows_read, whole.totals.rows_read);
  EXPECT_EQ(sum.rows_rejected, whole.totals.rows_rejected);
  EXPECT_EQ(sum.rows_blank, whole.totals.rows_blank);
  std::sort(rejected.begin(), rejected.end());
  std::vector<int64_t> expected_rejected = whole.rejected_lines;
  std::sort(expected_rejected.begin(), expected_rejected.end());
  EXPECT_EQ(rejected, expected_rejected);
}

class SourceShardTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("sluice-source-shard-" + std::to_string(::getpid()) + "-" +
                                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  // About `bytes` of CSV: quoted fields with newlines and doubled quotes
  // (records that cross block boundaries), blank lines, and bad rows.
  static std::string Csv(size_t bytes, int seed) {
    std::string csv = "id,note,amount\n";
    for (int i = 0; csv.size() < bytes; ++i) {
      const int kind = (i * 7 + seed) % 50;
      if (kind == 3) {
        csv += "\n";
      } else if (kind == 5) {
        csv += std::to_string(i) + ",\"a note\nover \"\"two\"\" lines\"," + std::to_string(i % 97) + "\n";
      } else if (kind == 7) {
        csv += std::to_string(i) + ",too,many,fields\n";
      } else if (kind == 11) {
        // A quoted field as long as a tenth of a block, newlines inside.
        csv += std::to_string(i) + ",\"" + std::string(100000, 'x') + "\n" + std::string(5000, 'y') + "\",1\n";
      } else {
        csv += std::to_string(i) + ",n" + std::to_string(i % 13) + "," + std::to_string(i * 0.25) + "\n";
      }
    }
    return csv;
  }

  std::string Write(const std::string& name, const std::string& content) {
    const std::string path = (dir_ / name).string();
    std::ofstream(path, std::ios::binary) << content;
    return path;
  }

  fs::path dir_;
};

TEST_F(SourceShardTest, CsvSharesReadEveryRecordOnceWithItsLineWhateverTheShardCount) {
  Write("a.csv", Csv(3u << 20, 1));
  Write("b.csv", Csv(1u << 19, 2));
  // A gzip file is read whole by one shard.
  const std::string gz = (dir_ / "c.csv.gz").string();
  const std::string plain = Csv(1u << 20, 3);
  gzFile file = gzopen(gz.c_str(), "wb");
  gzwrite(file, plain.data(), static_cast<unsigned>(plain.size()));
  gzclose(file);
  SourceOptions options;
  options.uri = dir_.string() + "/";
  options.format = "csv";
  options.column_types["id"] = DataType::kInt64;
  for (int count : {2, 3, 5}) ExpectShardsReadWhatOneScanReads(options, count);
}

TEST_F(SourceShardTest, JsonLinesAndOneSmallFileManyShards) {
  std::string jsonl;
  for (int i = 0; jsonl.size() < (2u << 20) + 12345; ++i) {
    jsonl += i % 41 == 0 ? "{\"id\": oops}\n" : "{\"id\": " + std::to_string(i) + ", \"s\": \"q\\\"\\n\"}\n";
  }
  SourceOptions options;
  options.uri = Write("rows.jsonl", jsonl);
  ExpectShardsReadWhatOneScanReads(options, 3);
  // More shards than blocks: some read nothing.
  SourceOptions small;
  small.uri = Write("small.csv", "id,v\n1,a\n2,b\n");
  ExpectShardsReadWhatOneScanReads(small, 4);
}

TEST_F(SourceShardTest, ParquetRowGroupsAreSharedOut) {
  SourceOptions csv;
  csv.uri = Write("rows.csv", Csv(1u << 20, 4));
  auto source = TableSource::Open(csv);
  std::vector<RecordBatch> batches;
  ThreadPool pool(2);
  OrderedBatches ordered([&](RecordBatch& batch) { batches.push_back(std::move(batch)); });
  source->Scan(pool, [&](size_t index, RecordBatch&& batch) { ordered.Put(index, std::move(batch)); });
  ParquetWriteOptions write;
  write.row_group_rows = 1000;
  const std::string path = (dir_ / "rows.parquet").string();
  auto writer = ParquetWriter::Open(path, source->schema(), write);
  for (const auto& batch : batches) writer->Write(batch);
  writer->Close();
  SourceOptions options;
  options.uri = path;
  for (int count : {2, 3}) ExpectShardsReadWhatOneScanReads(options, count);
}

TEST(AssignUnits, ContiguousRunsByWeight) {
  EXPECT_EQ(AssignUnits({1, 1, 1, 1}, 2), (std::vector<int>{0, 0, 1, 1}));
  EXPECT_EQ(AssignUnits({10, 1, 1, 1, 1}, 2), (std::vector<int>{0, 1, 1, 1, 1}));
  EXPECT_EQ(AssignUnits({1, 1}, 4), (std::vector<int>{0, 2}));
  EXPECT_EQ(AssignUnits({}, 3), (std::vector<int>{}));
}

}  // namespace
}  // namespace sluice
