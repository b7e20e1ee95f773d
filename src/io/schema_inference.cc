#include "io/schema_inference.h"

#include <algorithm>

#include "data/value_parser.h"

namespace sluice {

DataType InferType(const std::vector<std::string_view>& values, const std::vector<std::string>& null_values) {
  size_t seen = 0, ints = 0, floats = 0, timestamps = 0, bools = 0;
  for (std::string_view raw : values) {
    std::string_view value = raw;
    while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
    while (!value.empty() && value.back() == ' ') value.remove_suffix(1);
    if (std::find(null_values.begin(), null_values.end(), value) != null_values.end()) continue;
    ++seen;
    int64_t i;
    double d;
    int64_t micros;
    if (ParseInt64(value, &i)) ++ints;
    if (ParseFloat64(value, &d)) ++floats;
    if (ParseTimestamp(value, &micros)) ++timestamps;
    if (value.size() == 4 || value.size() == 5) {
      std::string lower(value);
      std::transform(lower.begin(), lower.end(), lower.begin(), ::tolower);
      if (lower == "true" || lower == "false") ++bools;
    }
  }
  if (seen == 0) return DataType::kString;
  // A stray bad value in the sample (real data has them) should not turn a
  // numeric column into text: up to 1% may fail and will be rejected rows.
  auto mostly = [seen](size_t count) { return count > 0 && (seen - count) * 100 <= seen; };
  if (mostly(ints)) return DataType::kInt64;
  if (mostly(floats)) return DataType::kFloat64;
  if (mostly(timestamps)) return DataType::kTimestamp;
  if (mostly(bools)) return DataType::kBool;
  return DataType::kString;
}

}  // namespace sluice
