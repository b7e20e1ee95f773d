#pragma once
// Converting a column to another type where every value converts exactly:
// between bool, int64 and float64 (a float64 only when integral), timestamp
// from int64 microseconds, and anything to string. Used where a source's own
// types (Parquet) meet the types a model was trained with.

#include <optional>
#include <string>

#include "data/column.h"

namespace sluice {

// The converted column, or nullopt with `problem` set (naming the first value
// that does not convert).
std::optional<Column> CastColumn(const Column& column, DataType to, std::string* problem);

}  // namespace sluice
