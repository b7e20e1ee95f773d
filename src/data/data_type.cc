#include "data/data_type.h"

#include <algorithm>
#include <cctype>
#include <string>

namespace sluice {

std::string_view DataTypeName(DataType type) {
  switch (type) {
    case DataType::kBool: return "bool";
    case DataType::kInt64: return "int64";
    case DataType::kFloat64: return "float64";
    case DataType::kString: return "string";
    case DataType::kTimestamp: return "timestamp";
    case DataType::kCategorical: return "categorical";
  }
  return "unknown";
}

std::optional<DataType> ParseDataType(std::string_view name) {
  std::string lower(name);
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return std::tolower(c); });
  if (lower == "bool" || lower == "boolean") return DataType::kBool;
  if (lower == "int64" || lower == "int" || lower == "integer" || lower == "bigint") return DataType::kInt64;
  if (lower == "float64" || lower == "double" || lower == "float" || lower == "number") return DataType::kFloat64;
  if (lower == "string" || lower == "text" || lower == "varchar") return DataType::kString;
  if (lower == "timestamp" || lower == "datetime") return DataType::kTimestamp;
  if (lower == "categorical" || lower == "category") return DataType::kCategorical;
  return std::nullopt;
}

}  // namespace sluice
