// Fault injection at every write site of the io layer (Parquet files,
// datasets, rejects, CSV and JSON Lines outputs): each file operation fails
// in turn with ENOSPC, EIO or a short write; the old output survives byte
// for byte, nothing half-written is left, and the error names the path and
// the cause.
#include <gtest/gtest.h>

#include <string>

#include "common/faulty_file_system.h"
#include "common/scratch_directory.h"
#include "io/dataset_writer.h"
#include "io/parquet/parquet_writer.h"
#include "io/reject_file.h"
#include "io/table_writer.h"

namespace sluice {
namespace {


RecordBatch Rows(int rows, int64_t base) {
  RecordBatch batch;
  batch.schema = Schema({{"id", DataType::kInt64}, {"name", DataType::kString}});
  batch.columns = {Column(DataType::kInt64), Column(DataType::kString)};
  for (int row = 0; row < rows; ++row) {
    batch.columns[0].AppendInt(base + row);
    batch.columns[1].AppendString("name-" + std::to_string(base + row));
    batch.lines.push_back(row + 2);
  }
  return batch;
}

class WriteFaults : public ::testing::TestWithParam<Fault> {
 protected:

  // Writes with `write` once to make the old state, then fails every
  // operation of a second write in turn: the old state must survive each.
  void ExpectOldStateSurvives(const std::function<void(int64_t base)>& write, const std::string& path_part) {
    write(0);
    const auto before = SnapshotTree(dir_);
    const int operations = ForEachFault(GetParam(), [&] { write(1000); }, [&](const Error& error) {
      const std::string message = error.what();
      EXPECT_EQ(error.kind(), ErrorKind::kIo) << message;
      EXPECT_NE(message.find(path_part), std::string::npos) << message;
      EXPECT_NE(message.find(GetParam() == Fault::kIoError ? "Input/output error" : "no space left on device: "),
                std::string::npos)
          << message;
      EXPECT_EQ(SnapshotTree(dir_), before) << "after: " << message;
    });
    EXPECT_GT(operations, 2);
    EXPECT_NE(SnapshotTree(dir_), before);  // the unfailed write replaced it
  }
  ScratchDirectory scratch_{"write-faults"};
  const std::string& dir_ = scratch_.path();
};

TEST_P(WriteFaults, ParquetFile) {
  ExpectOldStateSurvives([&](int64_t base) {
    ParquetWriteOptions options;
    options.row_group_rows = 500;
    auto writer = ParquetWriter::Open(dir_ + "/rows.parquet", Rows(0, 0).schema, options);
    writer->Write(Rows(2000, base));
    writer->Close();
  }, "rows.parquet");
}

TEST_P(WriteFaults, DatasetOfParts) {
  ExpectOldStateSurvives([&](int64_t base) {
    auto writer = DatasetWriter::Open(dir_ + "/ds", Rows(0, 0).schema, ParquetWriteOptions{}, 700);
    writer->Write(Rows(2000, base));
    writer->Close();
  }, "ds");
}

TEST_P(WriteFaults, PartitionedDataset) {
  ExpectOldStateSurvives([&](int64_t base) {
    auto writer = TableWriter::Open(dir_ + "/by-name/", Rows(0, 0).schema, ParquetWriteOptions{}, {"name"});
    writer->Write(Rows(5, base));
    writer->Close();
  }, "by-name");
}

TEST_P(WriteFaults, CsvAndJsonLinesOutputs) {
  for (const char* name : {"/out.csv", "/out.jsonl"}) {
    ExpectOldStateSurvives([&](int64_t base) {
      auto writer = TableWriter::Open(dir_ + name, Rows(0, 0).schema, ParquetWriteOptions{});
      writer->Write(Rows(50000, base));
      writer->Close();
    }, name + 1);
  }
}

TEST_P(WriteFaults, RejectsFile) {
  ExpectOldStateSurvives([&](int64_t base) {
    RejectFile rejects(dir_ + "/rejects.csv");
    std::vector<RejectedRow> rows;
    for (int i = 0; i < 20000; ++i) rows.push_back({base + i, "bad value", std::string(40, 'r')});
    rejects.Add(0, "input.csv", std::move(rows));
    rejects.Close();
  }, "rejects.csv");
}

INSTANTIATE_TEST_SUITE_P(EveryFault, WriteFaults, ::testing::Values(Fault::kNoSpace, Fault::kIoError, Fault::kShortWrite));

}  // namespace
}  // namespace sluice
