#pragma once
// Reads flat Parquet files written by any mainstream writer. Open() reads only
// the footer (the last bytes first, then the metadata); ReadRowGroup() reads
// the byte ranges of the column chunks asked for and decodes them into
// sluice columns, in batches of bounded size (io/parquet/column_chunk_reader). Types map by logical type: integers -> int64, FLOAT and
// DOUBLE -> float64, DECIMAL and FLOAT16 -> float64, DATE, TIMESTAMP and
// INT96 -> timestamp, STRING / ENUM / JSON / other BYTE_ARRAY -> string,
// BOOLEAN -> bool. Nested schemas are refused. Any corruption is an
// input-data error naming the file, row group and column (exit code 3).

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "common/thread_pool.h"
#include "data/record_batch.h"
#include "io/parquet/metadata.h"
#include "io/random_access_file.h"

namespace sluice {

class ParquetFile {
 public:
  static std::unique_ptr<ParquetFile> Open(const std::string& path);
  static std::unique_ptr<ParquetFile> Open(std::unique_ptr<RandomAccessFile> file);
  ~ParquetFile();

  const std::string& path() const { return path_; }
  const parquet::FileMetaData& metadata() const { return metadata_; }
  const Schema& schema() const { return schema_; }
  uint64_t file_size() const { return file_size_; }
  size_t num_row_groups() const { return metadata_.row_groups.size(); }
  // The schema element of each column (physical and logical type).
  const parquet::SchemaElement& element(size_t column) const { return leaves_[column]; }

  // Decodes `columns` (indexes into schema()) of row group `group` into
  // batches of at most `batch_rows` rows whose schema holds those columns in
  // that order, handing each to `sink` in row order. Memory stays bounded by
  // the group's compressed bytes plus one batch, whatever the group's size.
  // Row i of the group gets line first_row + i. Safe from many threads.
  // With a `pool`, each batch's columns decode in parallel on it (for files
  // with fewer row groups than threads); the caller must then not be one of
  // the pool's workers, since it waits for them.
  void ReadRowGroup(size_t group, const std::vector<size_t>& columns, int64_t first_row, size_t batch_rows,
                    const std::function<void(RecordBatch&&)>& sink, ThreadPool* pool = nullptr) const;
  // The first `rows` rows of a row group (fewer if it has fewer), decoding
  // only the pages they need.
  RecordBatch ReadRowGroupHead(size_t group, const std::vector<size_t>& columns, size_t rows) const;
  // The whole row group as one batch.
  RecordBatch ReadRowGroup(size_t group, const std::vector<size_t>& columns, int64_t first_row) const;

 private:
  ParquetFile() = default;

  std::string path_;
  std::unique_ptr<RandomAccessFile> file_;
  uint64_t file_size_ = 0;
  parquet::FileMetaData metadata_;
  std::vector<parquet::SchemaElement> leaves_;
  Schema schema_;
};

}  // namespace sluice
