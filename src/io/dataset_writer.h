#pragma once
// A dataset is a directory of Parquet part files (part-00000.parquet, ...)
// read and written as one table. The writer starts a new part every
// `rows_per_part` rows; the directory is staged beside its final name and
// renamed into place on Close(), replacing an older dataset of that name.

#include <memory>
#include <string>

#include "io/parquet/parquet_writer.h"

namespace sluice {

class DatasetWriter {
 public:
  static std::unique_ptr<DatasetWriter> Open(const std::string& dir, const Schema& schema,
                                             const ParquetWriteOptions& options, int64_t rows_per_part = 10000000);
  ~DatasetWriter();

  void Write(const RecordBatch& batch);
  void Close();
  int64_t rows_written() const { return rows_; }
  int parts() const { return part_index_; }

 private:
  DatasetWriter() = default;
  void StartPart();

  std::string dir_, staged_;
  Schema schema_;
  ParquetWriteOptions options_;
  int64_t rows_per_part_ = 0;
  std::unique_ptr<ParquetWriter> part_;
  int64_t part_rows_ = 0;
  int part_index_ = 0;
  int64_t rows_ = 0;
  bool closed_ = false;
};

}  // namespace sluice
