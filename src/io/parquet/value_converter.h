#pragma once
// How a Parquet column's physical values become sluice values: the sluice
// type a schema element maps to (by logical type, then converted type, then
// physical type) and the per-value conversion (DATE days, TIMESTAMP units,
// INT96, DECIMAL, FLOAT16, unsigned integers).

#include <cstddef>

#include "data/column.h"
#include "data/data_type.h"
#include "io/parquet/metadata.h"
#include "io/parquet/value_decoder.h"

namespace sluice::parquet {

DataType SluiceTypeOf(const SchemaElement& element);

class ValueConverter {
 public:
  explicit ValueConverter(const SchemaElement& element);
  DataType type() const { return type_; }
  // Whether values go into the column unchanged, so whole runs can be
  // appended (or decoded straight into the column).
  bool identity() const;
  // Appends value `i` of `values` (of this column's physical kind) to `out`.
  void Append(const PhysicalValues& values, size_t i, Column& out) const;

 private:
  DataType type_;
  PhysicalType physical_;
  bool decimal_ = false, float16_ = false, unsigned_ = false, date_ = false;
  double scale_ = 1;
  int unit_ = 2;  // 1 millis, 2 micros, 3 nanos
};

}  // namespace sluice::parquet
