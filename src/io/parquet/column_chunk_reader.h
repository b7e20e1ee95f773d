#pragma once
// Reads one column chunk of one row group as a stream: the chunk's bytes are
// viewed in place (a mapped file) or read in one range at construction, then Read() decodes the next rows page by
// page, so a row group of any size comes out in batches of bounded size. Pages
// are decompressed one at a time into a reused buffer; PLAIN and dictionary
// values go from the page straight into the sluice column. Corruption throws
// an input-data error naming `where` (file, row group and column).

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/scratch_buffer.h"
#include "data/column.h"
#include "io/parquet/metadata.h"
#include "io/parquet/rle.h"
#include "io/parquet/value_converter.h"
#include "io/parquet/value_decoder.h"
#include "io/random_access_file.h"

namespace sluice::parquet {

// Where a column chunk's bytes start: its dictionary page when it has one
// before the data pages, else its first data page.
inline int64_t ColumnChunkStart(const ColumnMetaData& meta) {
  int64_t start = meta.data_page_offset;
  if (meta.dictionary_page_offset && *meta.dictionary_page_offset > 0 && *meta.dictionary_page_offset < start) {
    start = *meta.dictionary_page_offset;
  }
  return start;
}

class ColumnChunkReader {
 public:
  // `group_rows` is the row group's row count; a flat column has one value
  // per row, which the chunk's metadata must agree with.
  ColumnChunkReader(const RandomAccessFile& file, const SchemaElement& element, const ColumnMetaData& meta,
                    int64_t group_rows, std::string where);
  ColumnChunkReader(const ColumnChunkReader&) = delete;
  ColumnChunkReader& operator=(const ColumnChunkReader&) = delete;

  // Appends the next `rows` values (nulls included) to `out`, whose type is
  // SluiceTypeOf(element).
  void Read(size_t rows, Column& out);

 private:
  // Where the values of the current page come from.
  enum class Source { kPlainFixed, kDictionary, kDecoded };

  void ReadRows(size_t rows, Column& out);
  // Moves to the next data page (reading a dictionary page on the way).
  void LoadPage();
  // A data page unpacked: its value count and encoding, and where its
  // definition levels and values lie.
  struct DataPage {
    size_t num_values = 0;
    Encoding encoding = Encoding::kPlain;
    const uint8_t* level_data = nullptr;
    size_t level_size = 0;
    bool levels_rle = true;
    const uint8_t* value_data = nullptr;
    size_t value_size = 0;
  };
  // Decompresses a v1 or v2 data page into page_buffer_ and finds its parts.
  DataPage UnpackDataPage(const PageHeader& header, const uint8_t* body, size_t body_size, size_t raw_size);
  // Makes `page` the current one: its levels and the source of its values.
  void StartPage(const DataPage& page);
  void LoadDictionary(const PageHeader& header, const uint8_t* body, size_t body_size, size_t raw_size);
  // Appends the current page's next `count` defined values to `sink`.
  void TakeValues(size_t count, PhysicalValues& sink);

  const SchemaElement& element_;
  const ColumnMetaData& meta_;
  std::string where_;
  ValueConverter converter_;
  PhysicalType physical_;
  uint8_t max_definition_;

  PooledScratch chunk_buffer_, page_buffer_, dictionary_buffer_;
  // The chunk where the file holds it (a mapped file, bytes fetched ahead),
  // else in chunk_buffer_.
  std::shared_ptr<const uint8_t> chunk_view_;
  const uint8_t* chunk_ = nullptr;
  size_t chunk_size_ = 0;
  size_t position_ = 0;      // next page header in the chunk
  int64_t values_loaded_ = 0;  // values (rows) of the pages loaded so far

  PhysicalValues dictionary_;
  bool have_dictionary_ = false;

  // The current data page.
  size_t page_rows_ = 0, page_row_ = 0;  // rows in the page, next row to read
  bool page_has_levels_ = false;
  std::optional<RleDecoder> level_decoder_;  // RLE levels, read as rows are
  std::vector<uint8_t> page_levels_;     // else the page's levels (1 defined, 0 null)
  std::vector<uint8_t> slice_levels_;    // levels of the rows being read, for the converter
  size_t page_values_ = 0, value_cursor_ = 0;  // values the page holds (at most), next to take
  Source source_ = Source::kDecoded;
  const uint8_t* plain_ = nullptr;       // kPlainFixed: the page's values
  std::optional<RleDecoder> index_decoder_;  // kDictionary: the page's indices
  PhysicalValues decoded_;               // kDecoded
  PhysicalValues sink_;                  // values taken for a conversion
};

}  // namespace sluice::parquet
