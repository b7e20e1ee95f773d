#pragma once
// A slice of a table: one Column per schema field, all of num_rows() rows, and
// for each row the line of the source it came from (for messages, rejects and
// the deterministic split, which must not depend on how the input was chunked).

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "data/column.h"
#include "data/schema.h"

namespace sluice {

// A source row that could not be used, with the reason.
struct RejectedRow {
  int64_t line;
  std::string reason;
  std::string text;  // the raw record, possibly cut short
};

struct RecordBatch {
  Schema schema;
  std::vector<Column> columns;
  std::vector<int64_t> lines;
  // Rows of this batch's stretch of input that were rejected while reading,
  // in line order; they are not among `columns`.
  std::vector<RejectedRow> rejects;
  // Where the rows came from: the file's name and its position among the
  // source's files; bytes of the file this batch covers (for progress).
  std::string source_name;
  uint32_t file_index = 0;
  uint64_t source_bytes = 0;

  size_t num_rows() const { return lines.size(); }
  const Column& column(const std::string& name) const;
  // Adds a computed column of num_rows() rows.
  void AddColumn(Field field, Column column);
  // Keeps the rows whose mask byte is non-zero.
  void Filter(const std::vector<uint8_t>& keep);
  // Removes the first `rows` rows and returns them as a batch of their own
  // (for writers that cut batches at row group or file boundaries).
  RecordBatch TakeFront(size_t rows);
  // Frees the columns whose mask byte is zero: they become empty, and only
  // the kept columns may be read afterwards. Positions do not change, so
  // code bound to the schema's layout still finds the kept ones.
  void ReleaseColumnsExcept(const std::vector<uint8_t>& keep);
  size_t memory_bytes() const;
};

}  // namespace sluice
