#pragma once
// Decoding one page's values, for every encoding in the Parquet specification:
// PLAIN, RLE (booleans), dictionary indices, DELTA_BINARY_PACKED,
// DELTA_LENGTH_BYTE_ARRAY, DELTA_BYTE_ARRAY and BYTE_STREAM_SPLIT. Values land
// in a PhysicalValues buffer by physical type; converting them to sluice's
// types is the reader's job. Corrupt input throws std::runtime_error.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "io/parquet/metadata.h"

namespace sluice::parquet {

struct PhysicalValues {
  std::vector<int64_t> ints;          // BOOLEAN, INT32, INT64
  std::vector<double> doubles;        // FLOAT, DOUBLE
  std::vector<std::string_view> bytes;  // BYTE_ARRAY, FIXED_LEN_BYTE_ARRAY, INT96 (12 bytes)
  // Owns the bytes of values that had to be rebuilt (DELTA_BYTE_ARRAY, dictionaries).
  std::vector<std::string> arena;

  void Clear() {
    ints.clear();
    doubles.clear();
    bytes.clear();
    arena.clear();
  }
};

// Decodes `count` values of `type` encoded as `encoding` from [data, data+size)
// and appends them to `out`. `type_length` is the FIXED_LEN_BYTE_ARRAY width.
void DecodeValues(PhysicalType type, int32_t type_length, Encoding encoding, const uint8_t* data, size_t size,
                  size_t count, PhysicalValues& out);

// Appends to `out` the dictionary entries selected by `indices`.
void GatherDictionary(PhysicalType type, const PhysicalValues& dictionary, const std::vector<uint32_t>& indices,
                      PhysicalValues& out);
void GatherDictionary(PhysicalType type, const PhysicalValues& dictionary, const uint32_t* indices, size_t count,
                      PhysicalValues& out);

}  // namespace sluice::parquet
