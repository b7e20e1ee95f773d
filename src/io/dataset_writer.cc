#include "io/dataset_writer.h"

#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>

#include "common/atomic_file.h"
#include "common/error.h"
#include "common/file_system.h"
#include "common/leftover_files.h"
#include "common/output_guard.h"
#include "io/table_writer.h"

namespace sluice {

namespace fs = std::filesystem;

namespace {

std::string EscapePartitionValue(std::string_view value) {
  std::string out;
  for (unsigned char c : value) {
    if (c < 0x20 || c == '/' || c == '\\' || c == '=' || c == '%' || c == ':' || c == '"' || c == '#' || c == '?') {
      char buffer[4];
      std::snprintf(buffer, sizeof buffer, "%%%02X", c);
      out += buffer;
    } else {
      out.push_back(static_cast<char>(c));
    }
  }
  return out;
}

}  // namespace

std::unique_ptr<DatasetWriter> DatasetWriter::Open(const std::string& dir, const Schema& schema,
                                                   const ParquetWriteOptions& options, int64_t rows_per_part,
                                                   const std::vector<std::string>& partition_by) {
  if (rows_per_part <= 0) ThrowUsage("dataset: rows per part must be positive");
  CheckOutputPath(dir, OutputKind::kDataset, "dataset");
  std::unique_ptr<DatasetWriter> writer(new DatasetWriter());
  writer->dir_ = fs::absolute(dir).lexically_normal().string();
  if (!writer->dir_.empty() && writer->dir_.back() == '/') writer->dir_.pop_back();
  writer->staged_ = writer->dir_ + ".staging-" + std::to_string(::getpid());
  writer->schema_ = schema;
  for (const auto& name : partition_by) {
    auto index = schema.Find(name);
    if (!index) ThrowUsage("--partition-by " + name + ": no such column (columns: " + schema.NameList() + ")");
    writer->partition_columns_.push_back(*index);
  }
  for (size_t c = 0; c < schema.size(); ++c) {
    if (std::find(writer->partition_columns_.begin(), writer->partition_columns_.end(), c) ==
        writer->partition_columns_.end()) {
      writer->file_schema_.Add(schema.field(c));
    }
  }
  if (writer->file_schema_.size() == 0) ThrowUsage("dataset: every column is a partition column");
  writer->options_ = options;
  writer->rows_per_part_ = rows_per_part;
  CollectLeftovers(writer->dir_);
  FileSystem::Default().RemoveAll(writer->staged_);
  FileSystem::Default().CreateDirectories(writer->staged_);
  if (writer->partition_columns_.empty()) writer->StartPart("", writer->folders_[""]);
  return writer;
}

DatasetWriter::~DatasetWriter() {
  if (!closed_) {
    folders_.clear();
    FileSystem::Default().RemoveAll(staged_);
  }
}

void DatasetWriter::StartPart(const std::string& folder, Folder& state) {
  char name[32];
  std::snprintf(name, sizeof name, "part-%05d.parquet", state.next_part++);
  std::string path = staged_ + "/" + (folder.empty() ? "" : folder + "/");
  FileSystem::Default().CreateDirectories(path);
  state.part = ParquetWriter::Open(path + name, file_schema_, options_);
  state.part_rows = 0;
  ++part_index_;
}

void DatasetWriter::Write(const RecordBatch& batch) {
  if (partition_columns_.empty()) {
    WriteTo("", RecordBatch(batch));
    return;
  }
  // The folder of each row, then one batch per folder without the partition columns.
  size_t rows = batch.num_rows();
  std::vector<std::string> folder_of(rows);
  std::string scratch;
  for (size_t row = 0; row < rows; ++row) {
    std::string& folder = folder_of[row];
    for (size_t index : partition_columns_) {
      const Column& column = batch.columns[index];
      if (!folder.empty()) folder.push_back('/');
      folder += schema_.field(index).name + "=";
      if (column.IsNull(row)) {
        folder += "__HIVE_DEFAULT_PARTITION__";
        continue;
      }
      scratch.clear();
      AppendCsvValue(scratch, column, row);
      if (column.type() == DataType::kString || column.type() == DataType::kCategorical) {
        scratch = std::string(column.type() == DataType::kString ? column.String(row) : column.Category(row));
      }
      folder += EscapePartitionValue(scratch);
    }
  }
  std::map<std::string, std::vector<uint8_t>> masks;
  for (size_t row = 0; row < rows; ++row) {
    auto& mask = masks[folder_of[row]];
    if (mask.empty()) mask.assign(rows, 0);
    mask[row] = 1;
  }
  for (auto& [folder, mask] : masks) {
    RecordBatch part;
    part.schema = file_schema_;
    for (size_t c = 0; c < batch.columns.size(); ++c) {
      if (std::find(partition_columns_.begin(), partition_columns_.end(), c) != partition_columns_.end()) continue;
      part.columns.push_back(batch.columns[c]);
    }
    part.lines = batch.lines;
    part.Filter(mask);
    WriteTo(folder, std::move(part));
  }
}

void DatasetWriter::WriteTo(const std::string& folder, RecordBatch&& batch) {
  Folder& state = folders_[folder];
  if (!state.part) StartPart(folder, state);
  while (batch.num_rows() > 0) {
    if (state.part_rows == rows_per_part_) {
      state.part->Close();
      StartPart(folder, state);
    }
    size_t rows = batch.num_rows();
    size_t take = std::min(rows, static_cast<size_t>(rows_per_part_ - state.part_rows));
    state.part_rows += static_cast<int64_t>(take);
    rows_ += static_cast<int64_t>(take);
    if (take == rows) {
      state.part->Write(std::move(batch));
      return;
    }
    state.part->Write(batch.TakeFront(take));
  }
}

void DatasetWriter::Close() {
  if (closed_) return;
  for (auto& [folder, state] : folders_) {
    if (state.part) state.part->Close();
  }
  ReplaceDirectory(staged_, dir_);
  closed_ = true;
}

}  // namespace sluice
