#include "io/dataset_writer.h"

#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>

#include "common/atomic_file.h"
#include "common/error.h"

namespace sluice {

namespace fs = std::filesystem;

std::unique_ptr<DatasetWriter> DatasetWriter::Open(const std::string& dir, const Schema& schema,
                                                   const ParquetWriteOptions& options, int64_t rows_per_part) {
  if (rows_per_part <= 0) ThrowUsage("dataset: rows per part must be positive");
  std::unique_ptr<DatasetWriter> writer(new DatasetWriter());
  writer->dir_ = fs::absolute(dir).lexically_normal().string();
  if (!writer->dir_.empty() && writer->dir_.back() == '/') writer->dir_.pop_back();
  writer->staged_ = writer->dir_ + ".staging-" + std::to_string(::getpid());
  writer->schema_ = schema;
  writer->options_ = options;
  writer->rows_per_part_ = rows_per_part;
  std::error_code ec;
  fs::remove_all(writer->staged_, ec);
  fs::create_directories(writer->staged_, ec);
  if (ec) ThrowIo("cannot create " + writer->staged_ + ": " + ec.message());
  writer->StartPart();
  return writer;
}

DatasetWriter::~DatasetWriter() {
  if (!closed_) {
    part_.reset();
    std::error_code ec;
    fs::remove_all(staged_, ec);
  }
}

void DatasetWriter::StartPart() {
  char name[32];
  std::snprintf(name, sizeof name, "part-%05d.parquet", part_index_++);
  part_ = ParquetWriter::Open(staged_ + "/" + name, schema_, options_);
  part_rows_ = 0;
}

void DatasetWriter::Write(const RecordBatch& batch) {
  RecordBatch rest = batch;
  while (rest.num_rows() > 0) {
    if (part_rows_ == rows_per_part_) {
      part_->Close();
      StartPart();
    }
    size_t rows = rest.num_rows();
    size_t room = static_cast<size_t>(rows_per_part_ - part_rows_);
    size_t take = std::min(rows, room);
    part_rows_ += static_cast<int64_t>(take);
    rows_ += static_cast<int64_t>(take);
    if (take == rows) {
      part_->Write(std::move(rest));
      return;
    }
    part_->Write(rest.TakeFront(take));
  }
}

void DatasetWriter::Close() {
  if (closed_) return;
  part_->Close();
  ReplaceDirectory(staged_, dir_);
  closed_ = true;
}

}  // namespace sluice
