#include <gtest/gtest.h>
#include <zlib.h>

#include <algorithm>
#include <filesystem>
#include <random>

#include "common/atomic_file.h"
#include "common/error.h"
#include "io/parquet/page_checksum.h"
#include "io/parquet/parquet_reader.h"
#include "io/parquet/parquet_writer.h"
#include "io/parquet/rle.h"
#include "io/parquet/thrift_compact.h"

namespace sluice {
namespace {

namespace fs = std::filesystem;

RecordBatch AllTypes(size_t rows) {
  RecordBatch batch;
  batch.schema = Schema({{"b", DataType::kBool}, {"i", DataType::kInt64}, {"f", DataType::kFloat64},
                         {"s", DataType::kString}, {"t", DataType::kTimestamp}});
  for (const auto& field : batch.schema.fields()) batch.columns.emplace_back(field.type);
  for (size_t r = 0; r < rows; ++r) {
    bool null = r % 7 == 3;
    Column& b = batch.columns[0];
    Column& i = batch.columns[1];
    Column& f = batch.columns[2];
    Column& s = batch.columns[3];
    Column& t = batch.columns[4];
    if (null) {
      for (auto& column : batch.columns) column.AppendNull();
    } else {
      b.AppendInt(r % 2);
      i.AppendInt(static_cast<int64_t>(r * 7919) - 500000);
      f.AppendDouble(r * 0.1 - 3);
      s.AppendString(r % 5 == 0 ? std::string() : "value " + std::to_string(r % 300));
      t.AppendInt(1420070400000000LL + static_cast<int64_t>(r) * 1000001);
    }
    batch.lines.push_back(static_cast<int64_t>(r) + 1);
  }
  return batch;
}

class ParquetTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("sluice-parquet-" + std::to_string(::getpid()));
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  // Writes `batch` to dir_/name with `options` and opens the file.
  std::unique_ptr<ParquetFile> WriteAndOpen(const std::string& name, const RecordBatch& batch,
                                            const ParquetWriteOptions& options) {
    std::string path = (dir_ / name).string();
    auto writer = ParquetWriter::Open(path, batch.schema, options);
    writer->Write(batch);
    writer->Close();
    return ParquetFile::Open(path);
  }
  // Writes `batch` to dir_/name and returns the error Close() throws.
  std::string WriteError(const std::string& name, const RecordBatch& batch, const ParquetWriteOptions& options) {
    auto writer = ParquetWriter::Open((dir_ / name).string(), batch.schema, options);
    writer->Write(batch);
    try {
      writer->Close();
    } catch (const Error& error) {
      return error.what();
    }
    return "";
  }

  fs::path dir_;
};

void ExpectSameColumns(const RecordBatch& a, const RecordBatch& b) {
  ASSERT_EQ(a.columns.size(), b.columns.size());
  for (size_t c = 0; c < a.columns.size(); ++c) {
    const Column& x = a.columns[c];
    const Column& y = b.columns[c];
    ASSERT_EQ(x.size(), y.size());
    for (size_t r = 0; r < x.size(); ++r) {
      ASSERT_EQ(x.IsNull(r), y.IsNull(r)) << "column " << c << " row " << r;
      if (x.IsNull(r)) continue;
      if (x.type() == DataType::kFloat64) {
        ASSERT_EQ(x.Double(r), y.Double(r));
      } else if (x.type() == DataType::kString) {
        ASSERT_EQ(x.String(r), y.String(r));
      } else {
        ASSERT_EQ(x.Int(r), y.Int(r)) << "column " << c << " row " << r;
      }
    }
  }
}

TEST_F(ParquetTest, EveryTypeAndCodecRoundTripsWithNulls) {
  RecordBatch batch = AllTypes(10000);
  for (auto codec : {parquet::Codec::kZstd, parquet::Codec::kSnappy, parquet::Codec::kGzip, parquet::Codec::kUncompressed}) {
    ParquetWriteOptions options;
    options.codec = codec;
    options.row_group_rows = 3000;
    options.page_bytes = 4096;  // several pages per chunk
    auto file = WriteAndOpen("all-" + std::to_string(static_cast<int>(codec)) + ".parquet", batch, options);
    EXPECT_EQ(file->schema().ToString(), batch.schema.ToString());
    ASSERT_EQ(file->num_row_groups(), 4u);
    RecordBatch all;
    all.schema = batch.schema;
    for (const auto& field : batch.schema.fields()) all.columns.emplace_back(field.type);
    int64_t first = 1;
    for (size_t g = 0; g < file->num_row_groups(); ++g) {
      RecordBatch part = file->ReadRowGroup(g, {0, 1, 2, 3, 4}, first);
      EXPECT_EQ(part.lines.front(), first);
      first += static_cast<int64_t>(part.num_rows());
      for (size_t c = 0; c < 5; ++c) {
        for (size_t r = 0; r < part.num_rows(); ++r) all.columns[c].AppendFrom(part.columns[c], r);
      }
    }
    ExpectSameColumns(batch, all);
  }
}

TEST_F(ParquetTest, RowGroupStreamsInBatchesThatCutPagesAnywhere) {
  RecordBatch batch = AllTypes(5000);
  ParquetWriteOptions options;
  options.page_bytes = 1024;  // many pages, so batch edges fall inside and between pages
  auto file = WriteAndOpen("sliced.parquet", batch, options);
  ASSERT_EQ(file->num_row_groups(), 1u);
  for (size_t batch_rows : {1, 7, 1000, 4999, 5000, 100000}) {
    RecordBatch all;
    all.schema = batch.schema;
    for (const auto& field : batch.schema.fields()) all.columns.emplace_back(field.type);
    size_t batches = 0;
    int64_t next_line = 1;
    file->ReadRowGroup(0, {0, 1, 2, 3, 4}, 1, batch_rows, [&](RecordBatch&& part) {
      ++batches;
      EXPECT_LE(part.num_rows(), batch_rows);
      EXPECT_EQ(part.lines.front(), next_line);
      next_line += static_cast<int64_t>(part.num_rows());
      for (size_t c = 0; c < 5; ++c) {
        for (size_t r = 0; r < part.num_rows(); ++r) all.columns[c].AppendFrom(part.columns[c], r);
      }
    });
    EXPECT_EQ(batches, (5000 + batch_rows - 1) / batch_rows) << batch_rows;
    ExpectSameColumns(batch, all);
  }
}

TEST_F(ParquetTest, HighCardinalityColumnFallsBackToPlain) {
  RecordBatch batch;
  batch.schema = Schema({{"s", DataType::kString}});
  batch.columns.emplace_back(DataType::kString);
  for (int r = 0; r < 20000; ++r) {
    batch.columns[0].AppendString(std::string(100, 'x') + std::to_string(r));
    batch.lines.push_back(r + 1);
  }
  ParquetWriteOptions options;
  options.dictionary_max_bytes = 64 * 1024;
  auto file = WriteAndOpen("plain.parquet", batch, options);
  const auto& encodings = file->metadata().row_groups[0].columns[0].meta.encodings;
  EXPECT_EQ(std::count(encodings.begin(), encodings.end(), parquet::Encoding::kRleDictionary), 0);
  ExpectSameColumns(batch, file->ReadRowGroup(0, {0}, 1));
}

TEST_F(ParquetTest, WriterLeavesNoFileUntilClosed) {
  std::string path = (dir_ / "pending.parquet").string();
  {
    RecordBatch batch = AllTypes(100);
    auto writer = ParquetWriter::Open(path, batch.schema, ParquetWriteOptions{});
    writer->Write(batch);
    EXPECT_FALSE(fs::exists(path));
    // Destroyed without Close(): as a killed run would leave it.
  }
  EXPECT_FALSE(fs::exists(path));
  for (const auto& entry : fs::directory_iterator(dir_)) ADD_FAILURE() << "left behind: " << entry.path();
}

TEST_F(ParquetTest, CorruptFilesAreInputDataErrorsNamingTheFile) {
  RecordBatch batch = AllTypes(500);
  std::string path = (dir_ / "good.parquet").string();
  auto writer = ParquetWriter::Open(path, batch.schema, ParquetWriteOptions{});
  writer->Write(batch);
  writer->Close();
  std::string good = ReadFileToString(path);
  std::mt19937 random(7);
  for (int round = 0; round < 200; ++round) {
    std::string bad = good;
    if (round % 3 == 0) {
      bad.resize(random() % bad.size());
    } else {
      for (int k = 0; k < 4; ++k) bad[random() % bad.size()] ^= static_cast<char>(1 + random() % 255);
    }
    try {
      auto file = ParquetFile::Open(MemoryFile("bad.parquet", bad));
      std::vector<size_t> columns(file->schema().size());
      for (size_t c = 0; c < columns.size(); ++c) columns[c] = c;
      for (size_t g = 0; g < file->num_row_groups(); ++g) file->ReadRowGroup(g, columns, 1);
    } catch (const Error& error) {
      EXPECT_EQ(error.exit_code(), 3) << error.what();
      EXPECT_NE(std::string(error.what()).find("bad.parquet"), std::string::npos) << error.what();
    }
  }
}

TEST(ParquetRle, HybridRoundTripsRunsAndLiterals) {
  std::vector<uint32_t> values;
  for (int i = 0; i < 1000; ++i) values.push_back(i < 300 ? 5 : (i * 37) % 13);
  values.insert(values.end(), 77, 2);
  std::string encoded;
  parquet::RleEncoder(4).Encode(values.data(), values.size(), encoded);
  std::vector<uint32_t> decoded(values.size());
  parquet::RleDecoder decoder(reinterpret_cast<const uint8_t*>(encoded.data()), encoded.size(), 4);
  ASSERT_EQ(decoder.Decode(decoded.data(), decoded.size()), values.size());
  EXPECT_EQ(decoded, values);
  EXPECT_LT(encoded.size(), values.size() / 2);
}

TEST(ParquetThrift, SkipsUnknownFieldsAndRefusesOverlongLists) {
  ThriftWriter writer;
  writer.BeginStruct();
  writer.FieldI32(1, 42);
  writer.FieldBinary(9, "ignored");
  writer.FieldI64(20, -5);
  writer.EndStruct();
  std::string data = writer.Take();
  ThriftReader reader(reinterpret_cast<const uint8_t*>(data.data()), data.size());
  reader.BeginStruct();
  int16_t id;
  thrift::Type type;
  ASSERT_TRUE(reader.NextField(&id, &type));
  EXPECT_EQ(reader.ReadInt(), 42);
  ASSERT_TRUE(reader.NextField(&id, &type));
  reader.Skip(type);
  ASSERT_TRUE(reader.NextField(&id, &type));
  EXPECT_EQ(id, 20);
  EXPECT_EQ(reader.ReadInt(), -5);
  EXPECT_FALSE(reader.NextField(&id, &type));
  const uint8_t list[] = {0xF9, 0xFF, 0xFF, 0xFF, 0x7F};  // a list claiming 2^35 elements
  ThriftReader bad(list, sizeof list);
  thrift::Type element;
  EXPECT_THROW(bad.ReadListHeader(&element), ThriftError);
}

TEST(PageChecksum, MatchesZlibCrc32OnEveryLengthAndAlignment) {
  std::string bytes;
  for (int i = 0; i < 4096; ++i) bytes.push_back(static_cast<char>((i * 131) ^ (i >> 3)));
  for (size_t offset : {0, 1, 3, 7}) {
    for (size_t length : {0, 1, 15, 16, 63, 64, 65, 1000, 4000}) {
      const auto* data = reinterpret_cast<const uint8_t*>(bytes.data()) + offset;
      EXPECT_EQ(parquet::PageChecksum(data, length), static_cast<uint32_t>(crc32(0, data, static_cast<uInt>(length))))
          << "offset " << offset << ", length " << length;
    }
  }
}

TEST_F(ParquetTest, NarrowStorageRoundTripsAndRefusesValuesThatDoNotFit) {
  RecordBatch batch;
  batch.schema = Schema({{"day", DataType::kTimestamp}, {"n", DataType::kInt64}});
  for (const auto& field : batch.schema.fields()) batch.columns.emplace_back(field.type);
  constexpr int64_t kDay = 86400LL * 1000000LL;
  for (int r = 0; r < 300; ++r) {
    batch.columns[0].AppendInt((16000 + r) * kDay);
    if (r % 10 == 0) {
      batch.columns[1].AppendNull();
    } else {
      batch.columns[1].AppendInt(r - 150);
    }
    batch.lines.push_back(r + 1);
  }
  ParquetWriteOptions options;
  options.column_storage = {{"day", ParquetStorage::kDate}, {"n", ParquetStorage::kInt16}};
  auto file = WriteAndOpen("narrow.parquet", batch, options);
  EXPECT_EQ(file->element(0).type, parquet::PhysicalType::kInt32);
  EXPECT_EQ(file->element(0).logical.kind, parquet::LogicalType::kDateKind);
  EXPECT_EQ(file->element(1).logical.bit_width, 16);
  ExpectSameColumns(batch, file->ReadRowGroup(0, {0, 1}, 1));

  // A time of day cannot be a date; 40,000 does not fit 16 bits.
  RecordBatch bad = batch;
  bad.columns[0].mutable_ints()[7] += 1;
  std::string date_error = WriteError("bad-date.parquet", bad, options);
  EXPECT_NE(date_error.find("line 8"), std::string::npos) << "a timestamp that is not midnight was stored as a date: " << date_error;
  bad = batch;
  bad.columns[1].mutable_ints()[3] = 40000;
  EXPECT_NE(WriteError("bad-int.parquet", bad, options), "");
  EXPECT_FALSE(fs::exists(dir_ / "bad-int.parquet"));
  // Only int64 columns narrow, only timestamps become dates.
  options.column_storage = {{"n", ParquetStorage::kDate}};
  EXPECT_THROW(ParquetWriter::Open((dir_ / "wrong.parquet").string(), batch.schema, options), Error);
}

TEST_F(ParquetTest, FloatAndRequiredColumnsRoundTripAndRequiredRefusesNulls) {
  RecordBatch batch;
  batch.schema = Schema({{"x", DataType::kFloat64}, {"y", DataType::kFloat64}});
  for (const auto& field : batch.schema.fields()) batch.columns.emplace_back(field.type);
  for (int r = 0; r < 5000; ++r) {
    batch.columns[0].AppendDouble(static_cast<float>(r * 0.37 - 99));  // float32 values: stored exactly
    if (r % 7 == 0) {
      batch.columns[1].AppendNull();
    } else {
      batch.columns[1].AppendDouble(static_cast<float>(r % 13) / 4);
    }
    batch.lines.push_back(r + 1);
  }
  ParquetWriteOptions options;
  options.column_storage = {{"x", ParquetStorage::kFloat}, {"y", ParquetStorage::kFloat}};
  options.required_columns = {"x"};
  auto file = WriteAndOpen("float.parquet", batch, options);
  EXPECT_EQ(file->element(0).type, parquet::PhysicalType::kFloat);
  EXPECT_EQ(file->element(0).repetition, parquet::Repetition::kRequired);
  EXPECT_EQ(file->element(1).repetition, parquet::Repetition::kOptional);
  ExpectSameColumns(batch, file->ReadRowGroup(0, {0, 1}, 1));

  options.required_columns = {"y"};
  std::string nulls_error = WriteError("nulls.parquet", batch, options);
  EXPECT_NE(nulls_error.find("line 1"), std::string::npos) << "a null was written to a required column: " << nulls_error;
}

}  // namespace
}  // namespace sluice
