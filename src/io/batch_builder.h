#pragma once
// Builds a RecordBatch row by row from text fields, converting each to its
// column's type. A row is all or nothing: a field that does not convert makes
// the row a reject (with the reason naming the column and value) and the
// fields already appended for it are taken back.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "data/record_batch.h"
#include "data/timestamp_format.h"

namespace sluice {

struct TextConversion {
  // Unquoted fields equal to one of these are null in non-string columns; an
  // empty unquoted field is null in every column.
  std::vector<std::string> null_values = {"", "NULL", "null", "NA", "N/A", "NaN", "nan"};
};

class BatchBuilder {
 public:
  BatchBuilder(const Schema& schema, const TextConversion& conversion);

  // Appends the next field of the current row to column `index`. Returns false
  // (and sets error()) when the text is not a value of the column's type.
  bool AppendText(size_t index, std::string_view text, bool quoted);
  bool AppendInt(size_t index, int64_t value);
  bool AppendDouble(size_t index, double value);
  bool AppendBool(size_t index, bool value);
  // Microseconds since 1970-01-01 UTC (a database's timestamp).
  bool AppendTimestamp(size_t index, int64_t micros);
  void AppendNull(size_t index) { batch_.columns[index].AppendNull(); }

  // Ends the row: every column must have received exactly one field.
  void CommitRow(int64_t line) { batch_.lines.push_back(line); }
  // Drops the current row's fields and records it as rejected.
  void RejectRow(int64_t line, std::string reason, std::string_view text);

  // Makes room for about `rows` rows, so appends do not regrow the columns.
  void Reserve(size_t rows);
  const std::string& error() const { return error_; }
  size_t num_rows() const { return batch_.lines.size(); }
  RecordBatch Finish();

 private:
  bool Fail(size_t index, std::string_view text, const char* what);

  RecordBatch batch_;
  const TextConversion& conversion_;
  std::vector<std::unordered_map<std::string, int64_t>> category_codes_;
  std::vector<std::shared_ptr<Dictionary>> dictionaries_;
  // Per column: the declared timestamp format, if any.
  std::vector<std::optional<TimestampFormat>> timestamp_formats_;
  std::string error_;
};

}  // namespace sluice
