#include "io/table_source.h"

#include <gtest/gtest.h>
#include <zlib.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>

#include "common/error.h"
#include "io/ordered_batches.h"
#include "io/parquet/parquet_writer.h"

namespace sluice {
namespace {

namespace fs = std::filesystem;

class TableSourceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("sluice-table-source-" + std::to_string(::getpid()) + "-" +
                                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::string Write(const std::string& name, const std::string& content) {
    std::string path = (dir_ / name).string();
    std::ofstream(path, std::ios::binary) << content;
    return path;
  }

  struct Result {
    Schema schema;
    std::map<size_t, RecordBatch> batches;
    ScanTotals totals;
    std::vector<int64_t> lines;
    std::vector<RejectedRow> rejects;
  };

  Result Read(SourceOptions options, size_t threads = 2) {
    auto source = TableSource::Open(options);
    ThreadPool pool(threads);
    Result result;
    std::mutex mutex;
    result.totals = source->Scan(pool, [&](size_t index, RecordBatch&& batch) {
      std::lock_guard<std::mutex> lock(mutex);
      result.batches.emplace(index, std::move(batch));
    });
    result.schema = source->schema();
    for (auto& [index, batch] : result.batches) {
      result.lines.insert(result.lines.end(), batch.lines.begin(), batch.lines.end());
      result.rejects.insert(result.rejects.end(), batch.rejects.begin(), batch.rejects.end());
    }
    return result;
  }

  // Writes `content` as file `name` and reads it with default options.
  Result ReadText(const std::string& name, const std::string& content) {
    SourceOptions options;
    options.uri = Write(name, content);
    return Read(options);
  }

  fs::path dir_;
};

TEST_F(TableSourceTest, InfersTypesAndReadsEveryRow) {
  Result result = ReadText("a.csv", "id,price,when,flag,name\n1,2.5,2015-01-01 10:00:00,true,x\n2,,2015-01-02 11:00:00,false,\"y, z\"\n");
  EXPECT_EQ(result.schema.ToString(), "id int64, price float64, when timestamp, flag bool, name string");
  EXPECT_EQ(result.totals.rows_read, 2);
  const RecordBatch& batch = result.batches.at(0);
  EXPECT_TRUE(batch.columns[1].IsNull(1));
  EXPECT_EQ(batch.columns[4].String(1), "y, z");
}

TEST_F(TableSourceTest, SmallChunksGiveTheSameRowsAndLinesAsOneChunk) {
  std::string content = "a,b\n";
  for (int i = 0; i < 500; ++i) {
    content += std::to_string(i) + ",\"text with a\nnewline and a \"\"quote\"\" " + std::to_string(i) + "\"\n";
  }
  SourceOptions options;
  options.uri = Write("multi.csv", content);
  Result whole = Read(options);
  options.chunk_bytes = 97;  // boundaries land everywhere, inside quotes too
  Result chunked = Read(options);
  EXPECT_GT(chunked.batches.size(), 10u);
  EXPECT_EQ(chunked.totals.rows_read, 500);
  EXPECT_EQ(chunked.rejects.size(), 0u);
  EXPECT_EQ(whole.lines, chunked.lines);
  EXPECT_EQ(chunked.lines[1], 4);  // each record spans two lines
  EXPECT_EQ(whole.totals.fingerprint, chunked.totals.fingerprint);
}

TEST_F(TableSourceTest, BadRowsAreRejectedWithLineAndReasonAndCounted) {
  std::string content = "n,x,s\n1,1.5,ok\n2,abc,ok\n3,2.5\n4,3.5,bad\xC3\n5,4.5,ok\n";
  SourceOptions options;
  options.uri = Write("bad.csv", content);
  options.column_types = {{"x", DataType::kFloat64}};
  Result result = Read(options);
  EXPECT_EQ(result.totals.rows_read, 5);
  EXPECT_EQ(result.totals.rows_rejected, 3);
  ASSERT_EQ(result.rejects.size(), 3u);
  EXPECT_EQ(result.rejects[0].line, 3);
  EXPECT_NE(result.rejects[0].reason.find("column x: 'abc' is not a number"), std::string::npos);
  EXPECT_EQ(result.rejects[1].line, 4);
  EXPECT_NE(result.rejects[1].reason.find("expected 3 fields, found 2"), std::string::npos);
  EXPECT_EQ(result.rejects[2].line, 5);
  EXPECT_NE(result.rejects[2].reason.find("invalid UTF-8"), std::string::npos);
  EXPECT_EQ(result.lines, (std::vector<int64_t>{2, 6}));
}

TEST_F(TableSourceTest, ReadsGzipInput) {
  std::string path = (dir_ / "z.csv.gz").string();
  gzFile file = gzopen(path.c_str(), "wb");
  std::string content = "a,b\n";
  for (int i = 0; i < 1000; ++i) content += std::to_string(i) + "," + std::to_string(i * 2) + "\n";
  gzwrite(file, content.data(), static_cast<unsigned>(content.size()));
  gzclose(file);
  SourceOptions options;
  options.uri = path;
  Result result = Read(options);
  EXPECT_EQ(result.totals.rows_read, 1000);
  EXPECT_EQ(result.schema.field(1).type, DataType::kInt64);
}

TEST_F(TableSourceTest, ReadsJsonLinesWithMissingKeysAndBadLines) {
  Result result = ReadText("r.jsonl", "{\"a\": 1, \"b\": \"x\"}\n{\"b\": \"y\"}\nnot json\n{\"a\": 2.5, \"b\": null, \"extra\": true}\n");
  EXPECT_EQ(result.schema.ToString(), "a float64, b string, extra bool");
  EXPECT_EQ(result.totals.rows_read, 4);
  ASSERT_EQ(result.rejects.size(), 1u);
  EXPECT_EQ(result.rejects[0].line, 3);
  const RecordBatch& batch = result.batches.at(0);
  EXPECT_TRUE(batch.columns[0].IsNull(1));
  EXPECT_DOUBLE_EQ(batch.columns[0].Double(2), 2.5);
}

TEST_F(TableSourceTest, DirectoryReadsEveryDataFileInOrder) {
  fs::create_directories(dir_ / "parts");
  std::ofstream((dir_ / "parts" / "b.csv").string()) << "x\n3\n4\n";
  std::ofstream((dir_ / "parts" / "a.csv").string()) << "x\n1\n2\n";
  std::ofstream((dir_ / "parts" / "_SUCCESS").string()) << "";
  SourceOptions options;
  options.uri = "file://" + (dir_ / "parts").string();
  Result result = Read(options);
  EXPECT_EQ(result.totals.rows_read, 4);
  EXPECT_EQ(result.batches.at(0).columns[0].Int(0), 1);
  EXPECT_EQ(result.batches.at(1).columns[0].Int(0), 3);
}

TEST_F(TableSourceTest, EmptyAndMissingFilesAreClearErrors) {
  SourceOptions options;
  options.uri = Write("empty.csv", "");
  try {
    TableSource::Open(options);
    FAIL();
  } catch (const Error& error) {
    EXPECT_EQ(error.exit_code(), 3);
    EXPECT_NE(std::string(error.what()).find("empty.csv: empty file"), std::string::npos);
  }
  options.uri = (dir_ / "nope.csv").string();
  try {
    TableSource::Open(options);
    FAIL();
  } catch (const Error& error) {
    EXPECT_EQ(error.exit_code(), 2);
    EXPECT_NE(std::string(error.what()).find("no such file"), std::string::npos);
  }
}

TEST_F(TableSourceTest, SchemaOverrideForUnknownColumnIsRefused) {
  SourceOptions options;
  options.uri = Write("o.csv", "a\n1\n");
  options.column_types = {{"b", DataType::kInt64}};
  EXPECT_THROW(TableSource::Open(options), Error);
}

}  // namespace
}  // namespace sluice

namespace sluice {
namespace {

// Byte soup (quotes, delimiters, newlines, invalid UTF-8) must never crash or
// hang the reader, and every row read is parsed, rejected or blank.
TEST_F(TableSourceTest, RandomBytesNeverCrashAndAreAccountedFor) {
  uint64_t state = 12345;
  auto next = [&state]() {
    state = state * 6364136223846793005ULL + 1442695040888963407ULL;
    return static_cast<uint32_t>(state >> 33);
  };
  static const char kAlphabet[] = "ab1.,\"\n\r\t-9 \xc3\xff";
  for (int round = 0; round < 30; ++round) {
    std::string content = "a,b,c\n";
    size_t length = next() % 4000;
    for (size_t i = 0; i < length; ++i) content.push_back(kAlphabet[next() % (sizeof(kAlphabet) - 1)]);
    SourceOptions options;
    options.uri = Write("soup" + std::to_string(round) + ".csv", content);
    options.chunk_bytes = 1 + next() % 300;
    options.column_types = {{"a", DataType::kFloat64}, {"b", DataType::kString}, {"c", DataType::kInt64}};
    Result result = Read(options);
    EXPECT_EQ(result.totals.rows_read,
              static_cast<int64_t>(result.lines.size() + result.rejects.size()) + result.totals.rows_blank);
    EXPECT_EQ(result.totals.rows_rejected, static_cast<int64_t>(result.rejects.size()));
  }
}

}  // namespace
}  // namespace sluice

namespace sluice {
namespace {

TEST_F(TableSourceTest, CategoricalOverrideDictionaryEncodes) {
  SourceOptions options;
  options.uri = Write("cat.csv", "city,n\nparis,1\nrome,2\nparis,3\n,4\n");
  options.column_types = {{"city", DataType::kCategorical}};
  Result result = Read(options);
  const Column& city = result.batches.at(0).columns[0];
  ASSERT_EQ(city.type(), DataType::kCategorical);
  EXPECT_EQ(city.dictionary()->size(), 2u);
  EXPECT_EQ(city.Int(0), city.Int(2));
  EXPECT_EQ(city.Category(1), "rome");
  EXPECT_TRUE(city.IsNull(3));
}

}  // namespace
}  // namespace sluice

namespace sluice {
namespace {

// Parquet: one big row group (columns decoded in parallel) and many small
// ones (row groups in parallel) give the same rows, lines and batch indexes.
TEST_F(TableSourceTest, ParquetReadsTheSameWhetherRowGroupsOrColumnsRunInParallel) {
  std::string csv = "a,b,s\n";
  for (int i = 0; i < 30000; ++i) {
    csv += std::to_string(i) + "," + (i % 11 == 0 ? "" : std::to_string(i * 0.5)) + ",v" + std::to_string(i % 7) + "\n";
  }
  SourceOptions csv_options;
  csv_options.uri = Write("rows.csv", csv);
  auto source = TableSource::Open(csv_options);
  std::vector<RecordBatch> batches;
  ThreadPool pool(2);
  OrderedBatches ordered([&](RecordBatch& batch) { batches.push_back(std::move(batch)); });
  source->Scan(pool, [&](size_t index, RecordBatch&& batch) { ordered.Put(index, std::move(batch)); });
  for (size_t group_rows : {size_t{100000}, size_t{1000}}) {
    ParquetWriteOptions options;
    options.row_group_rows = group_rows;
    std::string path = (dir_ / ("rows-" + std::to_string(group_rows) + ".parquet")).string();
    auto writer = ParquetWriter::Open(path, source->schema(), options);
    for (const auto& batch : batches) writer->Write(batch);
    writer->Close();
    SourceOptions parquet_options;
    parquet_options.uri = path;
    Result result = Read(parquet_options, 3);
    ASSERT_EQ(result.totals.rows_read, 30000) << group_rows;
    std::vector<int64_t> expected(30000);
    for (int i = 0; i < 30000; ++i) expected[i] = i + 1;
    EXPECT_EQ(result.lines, expected) << group_rows;
    size_t next = 0;
    double sum_b = 0;
    int64_t nulls = 0;
    for (const auto& [index, batch] : result.batches) {
      EXPECT_EQ(index, next++);
      const Column& b = batch.columns[1];
      for (size_t r = 0; r < batch.num_rows(); ++r) {
        EXPECT_EQ(batch.columns[0].Int(r), batch.lines[r] - 1);
        if (b.IsNull(r)) {
          ++nulls;
        } else {
          sum_b += b.Double(r);
        }
      }
    }
    EXPECT_EQ(nulls, 2728) << group_rows;
    double expected_sum = 0;
    for (int i = 0; i < 30000; ++i) expected_sum += i % 11 == 0 ? 0 : i * 0.5;
    EXPECT_EQ(sum_b, expected_sum) << group_rows;
  }
}

}  // namespace
}  // namespace sluice

namespace sluice {
namespace {

TEST_F(TableSourceTest, TabSeparatedFilesHaveNoQuotingUnlessAsked) {
  // A '"' in a TSV is text: the row with an odd quote must not swallow the next lines.
  std::string tsv = "text\tlabel\n\"Great\" phone, 5\" screen\t1\nit's \"ok\t0\nnot good\t0\n";
  SourceOptions options;
  options.uri = Write("reviews.tsv", tsv);
  Result result = Read(options);
  ASSERT_EQ(result.totals.rows_read, 3);
  EXPECT_EQ(result.totals.rows_rejected, 0);
  const RecordBatch& batch = result.batches.begin()->second;
  EXPECT_EQ(batch.columns[0].String(0), "\"Great\" phone, 5\" screen");
  EXPECT_EQ(batch.columns[0].String(1), "it's \"ok");
  // Asked for, quoting works in a TSV too.
  options.csv.quoting_set = true;
  options.uri = Write("quoted.tsv", "text\tlabel\n\"a\tb\"\t1\n");
  Result quoted = Read(options);
  EXPECT_EQ(quoted.batches.begin()->second.columns[0].String(0), "a\tb");
}

}  // namespace
}  // namespace sluice
