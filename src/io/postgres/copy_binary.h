#pragma once
// PostgreSQL's binary COPY format (COPY ... TO STDOUT (FORMAT binary)), as
// the server sends a query's rows: an 11-byte signature, flags and a header
// extension, then per row a 16-bit field count and per field a 32-bit length
// (-1: NULL) and the value in network byte order; a field count of -1 ends
// the stream. Decoding it is cheaper than parsing text, and every value
// arrives exactly (a float8's 64 bits, a timestamp's microseconds).
//
// Types and how they map (docs/connectors.md):
//   boolean -> bool; smallint, integer, bigint -> int64;
//   real, double precision -> float64; numeric -> float64, the double
//   nearest the exact decimal (its digits read by strtod);
//   text, varchar, char(n) (trailing blanks dropped, as PostgreSQL compares
//   it), name -> string; date -> timestamp at 00:00 UTC; timestamp ->
//   timestamp (read as UTC); timestamptz -> timestamp in UTC.
//   NaN and infinite numbers, dates and timestamps carry no value: null, as
//   in text input. Any other type is refused, naming the column and type.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "data/data_type.h"
#include "io/batch_builder.h"

namespace sluice {

enum class PgWireType { kBool, kInt2, kInt4, kInt8, kFloat4, kFloat8, kNumeric, kText, kBpchar, kDate, kTimestamp };

struct PgColumn {
  std::string name;
  uint32_t oid = 0;
  PgWireType wire = PgWireType::kText;
  DataType type = DataType::kString;  // what sluice holds it as
};

// The wire decoding and sluice type of PostgreSQL type `oid`, or nullopt.
std::optional<PgColumn> MapPostgresType(const std::string& name, uint32_t oid);

// The length of the stream's header at the start of `data` (signature,
// flags, extension); throws an input-data error naming `where` when the
// signature is not COPY BINARY's.
size_t CopyBinaryHeaderSize(std::string_view data, const std::string& where);

// The size of the tuple (or the 2-byte trailer) at the start of `data`;
// 0 when `data` holds less than a whole one. Throws on a field count that
// is not `num_columns` (and not the trailer).
size_t CopyTupleSize(std::string_view data, size_t num_columns, const std::string& where);

// Appends one tuple's values to `builder` (whose columns are `columns`, in
// order) and commits it as row `row`, or rejects the row naming the column
// when a value does not fit the column's type (a source.schema override).
// Returns false at the trailer.
bool DecodeCopyTuple(std::string_view tuple, const std::vector<PgColumn>& columns, BatchBuilder& builder, int64_t row,
                     const std::string& where);

// Cuts the data of a COPY ... TO STDOUT (FORMAT binary) stream, as libpq
// hands it over message by message, into rows: the header is checked and
// skipped, each whole tuple handed on, the trailer noted. A row cut short,
// bytes after the trailer or a stream without one are input-data errors
// naming `where`.
class CopyRowSplitter {
 public:
  CopyRowSplitter(size_t num_columns, std::string where) : num_columns_(num_columns), where_(std::move(where)) {}
  // `data` holds whole rows (libpq's messages do); each goes to `row`.
  template <typename RowFn>
  void Add(std::string_view data, RowFn&& row) {
    if (header_) {
      data.remove_prefix(CopyBinaryHeaderSize(data, where_));
      header_ = false;
    }
    while (!data.empty()) {
      const size_t size = NextRow(data);
      if (size != kTrailer) row(data.substr(0, size));
      data.remove_prefix(size == kTrailer ? 2 : size);
    }
  }
  // Throws unless the trailer came.
  void Finish() const;

 private:
  static constexpr size_t kTrailer = static_cast<size_t>(-1);
  // The size of the row at the start of `data`, or kTrailer.
  size_t NextRow(std::string_view data);

  size_t num_columns_;
  std::string where_;
  bool header_ = true;
  bool ended_ = false;
};

// numeric's binary form as a double (NaN for NaN and the infinities).
double NumericToDouble(std::string_view value);

}  // namespace sluice
