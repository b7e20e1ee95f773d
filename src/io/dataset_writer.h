#pragma once
// A dataset is a directory of Parquet part files (part-00000.parquet, ...)
// read and written as one table. The writer starts a new part every
// `rows_per_part` rows; the directory is staged beside its final name and
// renamed into place on Close(), replacing an older dataset of that name.
// With partition columns, rows go to Hive-style folders (key=value/, values
// %-escaped, nulls as __HIVE_DEFAULT_PARTITION__) and the partition columns
// are left out of the files, as Hive, Spark and DuckDB do; one writer stays
// open per partition.

#include <map>
#include <memory>
#include <vector>
#include <string>

#include "io/parquet/parquet_writer.h"

namespace sluice {

class DatasetWriter {
 public:
  static std::unique_ptr<DatasetWriter> Open(const std::string& dir, const Schema& schema,
                                             const ParquetWriteOptions& options, int64_t rows_per_part = 10000000,
                                             const std::vector<std::string>& partition_by = {});
  ~DatasetWriter();

  void Write(const RecordBatch& batch);
  void Close();
  int64_t rows_written() const { return rows_; }
  int parts() const { return part_index_; }

 private:
  DatasetWriter() = default;
  // The files of one folder: the current part and how full it is.
  struct Folder {
    std::unique_ptr<ParquetWriter> part;
    int64_t part_rows = 0;
    int next_part = 0;
  };
  void WriteTo(const std::string& folder, RecordBatch&& batch);
  void StartPart(const std::string& folder, Folder& state);

  std::string dir_, staged_;
  Schema schema_;       // of the rows given
  Schema file_schema_;  // of the files: without the partition columns
  std::vector<size_t> partition_columns_;
  ParquetWriteOptions options_;
  int64_t rows_per_part_ = 0;
  std::map<std::string, Folder> folders_;
  int part_index_ = 0;
  int64_t rows_ = 0;
  bool closed_ = false;
};

}  // namespace sluice
