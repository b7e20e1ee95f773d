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
  // Decodes up to `count` values; returns how many (fewer only at the end of
  // data). `T` is uint8_t (levels) or uint32_t (indices); a value wider than
  // T is cut to T's width, so callers use uint8_t only for widths up to 8.
  template <typename T>
  size_t Decode(T* out, size_t count);
  // Decodes up to `count` dictionary indices and writes dictionary[index]
  // for each; throws on an index past `dictionary_size`.
  template <typename T>
  size_t DecodeGather(T* out, size_t count, const T* dictionary, size_t dictionary_size);

 private:
  bool NextRun();
  // Runs `emit(run_out, n, value_or_unpacker)` over decoded runs; shared by
  // Decode and DecodeGather.
  template <typename Fill, typename Unpack>
  size_t Walk(size_t count, Fill&& fill, Unpack&& unpack);

  const uint8_t* data_;
  const uint8_t* end_;
  int bit_width_;
  size_t repeat_left_ = 0;
  uint32_t repeat_value_ = 0;
  // The bit-packed run being read: its bytes and the next value's bit offset.
  const uint8_t* literal_data_ = nullptr;
  size_t literal_bytes_ = 0;
  uint64_t literal_bit_ = 0;
  size_t literal_left_ = 0;
};

// Deprecated BIT_PACKED levels (widths up to 8): values packed from the most
// significant bit.
void DecodeBitPackedLegacy(const uint8_t* data, size_t size, int bit_width, uint8_t* out, size_t count);

}  // namespace sluice::parquet
