#include "data/key_column.h"

#include <algorithm>
#include <functional>
#include <string_view>
#include <unordered_set>
#include <vector>

namespace sluice {

namespace {

std::string IntegerKeyReason(const Column& column) {
  std::vector<int64_t> values;
  values.reserve(column.size());
  for (size_t row = 0; row < column.size(); ++row) {
    if (!column.IsNull(row)) values.push_back(column.Int(row));
  }
  if (values.size() < kKeyColumnMinValues) return "";
  const bool increasing = std::adjacent_find(values.begin(), values.end(), std::greater_equal<int64_t>()) == values.end();
  const bool decreasing = std::adjacent_find(values.begin(), values.end(), std::less_equal<int64_t>()) == values.end();
  if (increasing) return "a row index: unique, increasing integers";
  if (decreasing) return "a row index: unique, decreasing integers";
  std::sort(values.begin(), values.end());
  if (std::adjacent_find(values.begin(), values.end()) != values.end()) return "";
  return "an identifier: a different integer in every row";
}

std::string StringKeyReason(const Column& column) {
  std::unordered_set<std::string_view> seen;
  seen.reserve(column.size());
  for (size_t row = 0; row < column.size(); ++row) {
    if (column.IsNull(row)) continue;
    if (!seen.insert(column.String(row)).second) return "";
  }
  if (seen.size() < kKeyColumnMinValues) return "";
  return "an identifier: a different string in every row";
}

// Codes into a dictionary: unique codes are unique strings.
std::string CategoryKeyReason(const Column& column) {
  std::unordered_set<int64_t> seen;
  for (size_t row = 0; row < column.size(); ++row) {
    if (!column.IsNull(row) && !seen.insert(column.Int(row)).second) return "";
  }
  if (seen.size() < kKeyColumnMinValues) return "";
  return "an identifier: a different value in every row";
}

}  // namespace

std::string KeyColumnReason(const Column& column) {
  switch (column.type()) {
    case DataType::kInt64: return IntegerKeyReason(column);
    case DataType::kString: return StringKeyReason(column);
    case DataType::kCategorical: return CategoryKeyReason(column);
    default: return "";
  }
}

}  // namespace sluice
