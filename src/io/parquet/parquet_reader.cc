#include "io/parquet/parquet_reader.h"

#include <algorithm>
#include <cstring>
#include <optional>

#include "common/error.h"
#include "io/s3/s3_file.h"
#include "io/parquet/column_chunk_reader.h"
#include "io/parquet/thrift_compact.h"
#include "io/parquet/value_converter.h"

namespace sluice {

using namespace parquet;

ParquetFile::~ParquetFile() = default;

std::unique_ptr<ParquetFile> ParquetFile::Open(const std::string& path) {
  return Open(IsS3Uri(path) ? OpenS3File(path) : OpenLocalFile(path));
}

std::unique_ptr<ParquetFile> ParquetFile::Open(std::unique_ptr<RandomAccessFile> source) {
  std::unique_ptr<ParquetFile> file(new ParquetFile());
  const std::string path = source->name();
  file->path_ = path;
  file->file_size_ = source->size();
  file->file_ = std::move(source);
  if (file->file_size_ < 12) ThrowInputData(path + ": too small to be a Parquet file (" + std::to_string(file->file_size_) + " bytes)");
  uint8_t head[4], tail[8];
  file->file_->ReadAt(0, 4, head);
  file->file_->ReadAt(file->file_size_ - 8, 8, tail);
  if (std::memcmp(head, "PAR1", 4) != 0 || std::memcmp(tail + 4, "PAR1", 4) != 0) {
    if (std::memcmp(tail + 4, "PARE", 4) == 0) ThrowInputData(path + ": encrypted Parquet files are not supported");
    ThrowInputData(path + ": not a Parquet file (wrong magic number)");
  }
  uint32_t footer_length;
  std::memcpy(&footer_length, tail, 4);
  if (footer_length == 0 || footer_length > file->file_size_ - 12) {
    ThrowInputData(path + ": footer length " + std::to_string(footer_length) + " is past the file's start");
  }
  std::vector<uint8_t> footer(footer_length);
  file->file_->ReadAt(file->file_size_ - 8 - footer_length, footer_length, footer.data());
  try {
    file->metadata_ = ParseFileMetaData(footer.data(), footer.size());
  } catch (const ThriftError& error) {
    ThrowInputData(path + ": corrupt footer: " + error.what());
  }
  const auto& schema = file->metadata_.schema;
  if (schema.empty()) ThrowInputData(path + ": footer has no schema");
  if (static_cast<size_t>(schema[0].num_children) != schema.size() - 1) {
    for (size_t i = 1; i < schema.size(); ++i) {
      if (schema[i].num_children > 0) {
        ThrowInputData(path + ": column '" + schema[i].name +
                       "' is nested (a list, map or struct); nested schemas are not supported yet");
      }
    }
    ThrowInputData(path + ": schema tree is inconsistent");
  }
  for (size_t i = 1; i < schema.size(); ++i) {
    const SchemaElement& e = schema[i];
    if (e.num_children > 0 || e.repetition == Repetition::kRepeated || !e.type) {
      ThrowInputData(path + ": column '" + e.name + "' is nested or repeated; nested schemas are not supported yet");
    }
    file->leaves_.push_back(e);
    file->schema_.Add({e.name, parquet::SluiceTypeOf(e)});
  }
  for (size_t g = 0; g < file->metadata_.row_groups.size(); ++g) {
    const RowGroup& group = file->metadata_.row_groups[g];
    if (group.columns.size() != file->leaves_.size()) {
      ThrowInputData(path + ": row group " + std::to_string(g) + " has " + std::to_string(group.columns.size()) +
                     " columns, the schema " + std::to_string(file->leaves_.size()));
    }
    if (group.num_rows < 0) ThrowInputData(path + ": row group " + std::to_string(g) + " has a negative row count");
    // A row count is only as good as the columns that hold the rows: with
    // none, nothing bounds it (reading would produce rows out of nothing).
    if (file->leaves_.empty() && group.num_rows > 0) {
      ThrowInputData(path + ": row group " + std::to_string(g) + " claims " + std::to_string(group.num_rows) +
                     " rows but the schema has no columns");
    }
  }
  return file;
}

RecordBatch ParquetFile::ReadRowGroup(size_t group, const std::vector<size_t>& columns, int64_t first_row) const {
  const int64_t rows = metadata_.row_groups.at(group).num_rows;
  std::optional<RecordBatch> whole;
  ReadRowGroup(group, columns, first_row, static_cast<size_t>(std::max<int64_t>(rows, 1)),
               [&](RecordBatch&& batch) { whole = std::move(batch); });
  if (whole) return std::move(*whole);
  RecordBatch empty;
  for (size_t column : columns) {
    empty.schema.Add(schema_.field(column));
    empty.columns.emplace_back(schema_.field(column).type);
  }
  empty.source_name = path_;
  return empty;
}

void ParquetFile::ReadRowGroup(size_t group, const std::vector<size_t>& columns, int64_t first_row, size_t batch_rows,
                               const std::function<void(RecordBatch&&)>& sink, ThreadPool* pool) const {
  const RowGroup& row_group = metadata_.row_groups.at(group);
  // Object storage fetches this group's chunks together, and the next
  // group's while this one decodes.
  for (size_t g = group; g < std::min(group + 2, metadata_.row_groups.size()); ++g) {
    std::vector<std::pair<uint64_t, uint64_t>> ranges;
    for (size_t column : columns) {
      const auto& meta = metadata_.row_groups[g].columns[column].meta;
      const int64_t start = parquet::ColumnChunkStart(meta);
      if (start >= 0 && meta.total_compressed_size > 0) {
        ranges.emplace_back(static_cast<uint64_t>(start), static_cast<uint64_t>(meta.total_compressed_size));
      }
    }
    file_->WillNeed(ranges);
  }
  std::vector<std::unique_ptr<parquet::ColumnChunkReader>> readers;
  for (size_t column : columns) {
    readers.push_back(std::make_unique<parquet::ColumnChunkReader>(
        *file_, leaves_[column], row_group.columns[column].meta, row_group.num_rows,
        path_ + ": row group " + std::to_string(group) + ", column " + leaves_[column].name));
  }
  batch_rows = std::max<size_t>(batch_rows, 1);
  const size_t total = static_cast<size_t>(row_group.num_rows);
  for (size_t done = 0; done < total;) {
    const size_t rows = std::min(batch_rows, total - done);
    RecordBatch batch;
    for (size_t column : columns) {
      batch.schema.Add(schema_.field(column));
      batch.columns.emplace_back(schema_.field(column).type);
    }
    auto decode = [&](size_t c) {
      batch.columns[c].Reserve(rows);
      readers[c]->Read(rows, batch.columns[c]);
    };
    if (pool && columns.size() > 1) {
      TaskGroup tasks(*pool);
      for (size_t c = 0; c < columns.size(); ++c) tasks.Submit([&decode, c] { decode(c); });
      tasks.Wait();
    } else {
      for (size_t c = 0; c < columns.size(); ++c) decode(c);
    }
    batch.lines.resize(rows);
    for (size_t i = 0; i < rows; ++i) batch.lines[i] = first_row + static_cast<int64_t>(done + i);
    batch.source_name = path_;
    done += rows;
    sink(std::move(batch));
  }
}

RecordBatch ParquetFile::ReadRowGroupHead(size_t group, const std::vector<size_t>& columns, size_t rows) const {
  const RowGroup& row_group = metadata_.row_groups.at(group);
  rows = std::min(rows, static_cast<size_t>(row_group.num_rows));
  RecordBatch batch;
  for (size_t column : columns) {
    parquet::ColumnChunkReader reader(*file_, leaves_[column], row_group.columns[column].meta, row_group.num_rows,
                                      path_ + ": row group " + std::to_string(group) + ", column " + leaves_[column].name);
    batch.schema.Add(schema_.field(column));
    batch.columns.emplace_back(schema_.field(column).type);
    batch.columns.back().Reserve(rows);
    reader.Read(rows, batch.columns.back());
  }
  batch.lines.resize(rows);
  for (size_t i = 0; i < rows; ++i) batch.lines[i] = static_cast<int64_t>(i);
  batch.source_name = path_;
  return batch;
}

}  // namespace sluice
