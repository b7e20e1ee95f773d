#pragma once
// Fixed-width PLAIN values: the little-endian bytes Parquet stores for
// INT32, INT64, FLOAT and DOUBLE, in pages and in statistics alike. One place
// reads them, for the value decoder, row-group pruning and `sluice inspect`.

#include <cstring>
#include <optional>
#include <string_view>

#include "io/parquet/metadata.h"

namespace sluice::parquet {

template <typename T>
T LoadPlain(const void* data) {
  T value;
  std::memcpy(&value, data, sizeof value);
  return value;
}

// A PLAIN INT32, INT64, FLOAT or DOUBLE as a double; nullopt for other types
// or a size that does not match the type.
inline std::optional<double> PlainNumber(PhysicalType type, std::string_view bytes) {
  switch (type) {
    case PhysicalType::kInt32:
      if (bytes.size() == 4) return LoadPlain<int32_t>(bytes.data());
      break;
    case PhysicalType::kInt64:
      if (bytes.size() == 8) return static_cast<double>(LoadPlain<int64_t>(bytes.data()));
      break;
    case PhysicalType::kFloat:
      if (bytes.size() == 4) return LoadPlain<float>(bytes.data());
      break;
    case PhysicalType::kDouble:
      if (bytes.size() == 8) return LoadPlain<double>(bytes.data());
      break;
    default:
      break;
  }
  return std::nullopt;
}

}  // namespace sluice::parquet
