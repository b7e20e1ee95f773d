#pragma once
// Parquet's RLE / bit-packing hybrid (definition levels, dictionary indices,
// booleans) and the deprecated BIT_PACKED level encoding. The decoder checks
// every read against the buffer and gives ParquetFormatError-style
// std::runtime_error on corrupt input.

#include <cstdint>
#include <string>
#include <vector>

namespace sluice::parquet {

// Bits needed for values up to max_value.
int BitWidth(uint64_t max_value);

class RleEncoder {
 public:
  explicit RleEncoder(int bit_width) : bit_width_(bit_width) {}
  // Encodes `values` (each < 2^bit_width) and appends to `out`.
  void Encode(const uint32_t* values, size_t count, std::string& out);

 private:
  void FlushLiterals(std::string& out);
  void PutVarInt(std::string& out, uint64_t value);

  int bit_width_;
  std::vector<uint32_t> literals_;
};

class RleDecoder {
 public:
  RleDecoder(const uint8_t* data, size_t size, int bit_width);
  // Decodes up to `count` values; returns how many (fewer only at the end of data).
  size_t Decode(uint32_t* out, size_t count);

 private:
  bool NextRun();

  const uint8_t* data_;
  const uint8_t* end_;
  int bit_width_;
  size_t repeat_left_ = 0;
  uint32_t repeat_value_ = 0;
  size_t literal_left_ = 0;
  uint64_t bit_buffer_ = 0;
  int bits_in_buffer_ = 0;
};

// Deprecated BIT_PACKED levels: values packed from the most significant bit.
void DecodeBitPackedLegacy(const uint8_t* data, size_t size, int bit_width, uint32_t* out, size_t count);

}  // namespace sluice::parquet
