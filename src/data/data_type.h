#pragma once
// The logical types of sluice's columns.

#include <optional>
#include <string_view>

namespace sluice {

enum class DataType : unsigned char {
  kBool,
  kInt64,
  kFloat64,
  kString,
  kTimestamp,    // microseconds since 1970-01-01 00:00:00 UTC
  kCategorical,  // int codes into a dictionary of strings
};

std::string_view DataTypeName(DataType type);
// Accepts the names DataTypeName gives plus common aliases (int, double,
// float, text, datetime, category). Case-insensitive.
std::optional<DataType> ParseDataType(std::string_view name);

inline bool IsNumeric(DataType type) {
  return type == DataType::kInt64 || type == DataType::kFloat64 || type == DataType::kBool;
}

}  // namespace sluice
