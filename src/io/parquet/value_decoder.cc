#include "io/parquet/value_decoder.h"

#include <algorithm>
#include <cstring>
#include <stdexcept>

#include "common/append_generated.h"
#include "io/parquet/plain_value.h"
#include "io/parquet/rle.h"

namespace sluice::parquet {

namespace {

[[noreturn]] void Corrupt(const std::string& what) { throw std::runtime_error(what); }

class ByteReader {
 public:
  ByteReader(const uint8_t* data, size_t size) : data_(data), end_(data + size) {}
  uint64_t VarInt() {
    uint64_t value = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (data_ >= end_) Corrupt("truncated varint");
      uint8_t byte = *data_++;
      value |= static_cast<uint64_t>(byte & 0x7F) << shift;
      if (!(byte & 0x80)) return value;
    }
    Corrupt("varint too long");
  }
  int64_t ZigZag() {
    uint64_t raw = VarInt();
    return static_cast<int64_t>((raw >> 1) ^ (~(raw & 1) + 1));
  }
  uint8_t Byte() {
    if (data_ >= end_) Corrupt("truncated data");
    return *data_++;
  }
  const uint8_t* Take(size_t n) {
    if (static_cast<size_t>(end_ - data_) < n) Corrupt("truncated data");
    const uint8_t* at = data_;
    data_ += n;
    return at;
  }
  const uint8_t* position() const { return data_; }
  size_t left() const { return static_cast<size_t>(end_ - data_); }

 private:
  const uint8_t* data_;
  const uint8_t* end_;
};

// DELTA_BINARY_PACKED; returns the values and leaves `reader` after them.
std::vector<int64_t> DecodeDeltaBinaryPacked(ByteReader& reader, size_t max_values) {
  uint64_t block_size = reader.VarInt();
  uint64_t miniblocks = reader.VarInt();
  uint64_t total = reader.VarInt();
  int64_t value = reader.ZigZag();
  if (block_size == 0 || miniblocks == 0 || block_size % 128 != 0 || block_size % miniblocks != 0 ||
      (block_size / miniblocks) % 32 != 0 || miniblocks > block_size) {
    Corrupt("bad DELTA_BINARY_PACKED header");
  }
  if (total > max_values) Corrupt("DELTA_BINARY_PACKED holds more values than the page");
  std::vector<int64_t> values;
  values.reserve(static_cast<size_t>(std::min<uint64_t>(total, max_values + 1)));
  if (total == 0) return values;
  values.push_back(value);
  uint64_t per_miniblock = block_size / miniblocks;
  std::vector<uint8_t> widths(miniblocks);
  while (values.size() < total) {
    int64_t min_delta = reader.ZigZag();
    for (auto& width : widths) width = reader.Byte();
    for (uint64_t m = 0; m < miniblocks && values.size() < total; ++m) {
      int width = widths[m];
      if (width > 64) Corrupt("DELTA_BINARY_PACKED bit width over 64");
      size_t bytes = static_cast<size_t>(per_miniblock * width / 8);
      // Writers may cut the last miniblock short once every value is in.
      size_t take = std::min(bytes, reader.left());
      const uint8_t* packed = reader.Take(take);
      size_t available_bits = take * 8;
      uint64_t bit = 0;
      for (uint64_t i = 0; i < per_miniblock && values.size() < total; ++i) {
        uint64_t delta = 0;
        if (width > 0) {
          if (bit + width > available_bits) Corrupt("truncated DELTA_BINARY_PACKED miniblock");
          for (int b = 0; b < width; ++b, ++bit) delta |= static_cast<uint64_t>((packed[bit / 8] >> (bit % 8)) & 1) << b;
        }
        value = static_cast<int64_t>(static_cast<uint64_t>(value) + static_cast<uint64_t>(min_delta) + delta);
        values.push_back(value);
      }
    }
  }
  return values;
}

size_t PlainWidth(PhysicalType type, int32_t type_length) {
  switch (type) {
    case PhysicalType::kInt32:
    case PhysicalType::kFloat: return 4;
    case PhysicalType::kInt64:
    case PhysicalType::kDouble: return 8;
    case PhysicalType::kInt96: return 12;
    case PhysicalType::kFixedLenByteArray: return static_cast<size_t>(type_length);
    default: return 0;
  }
}

void AppendFixed(PhysicalType type, const uint8_t* value, size_t width, PhysicalValues& out) {
  switch (type) {
    case PhysicalType::kInt32: out.ints.push_back(LoadPlain<int32_t>(value)); break;
    case PhysicalType::kInt64: out.ints.push_back(LoadPlain<int64_t>(value)); break;
    case PhysicalType::kFloat: out.doubles.push_back(LoadPlain<float>(value)); break;
    case PhysicalType::kDouble: out.doubles.push_back(LoadPlain<double>(value)); break;
    default: out.bytes.emplace_back(reinterpret_cast<const char*>(value), width);
  }
}

}  // namespace

void DecodeValues(PhysicalType type, int32_t type_length, Encoding encoding, const uint8_t* data, size_t size,
                  size_t count, PhysicalValues& out) {
  ByteReader reader(data, size);
  switch (encoding) {
    case Encoding::kPlain: {
      if (type == PhysicalType::kBoolean) {
        if ((count + 7) / 8 > size) Corrupt("truncated PLAIN booleans");
        for (size_t i = 0; i < count; ++i) out.ints.push_back((data[i / 8] >> (i % 8)) & 1);
        return;
      }
      if (type == PhysicalType::kByteArray) {
        for (size_t i = 0; i < count; ++i) {
          const uint8_t* length_bytes = reader.Take(4);
          uint32_t length;
          std::memcpy(&length, length_bytes, 4);
          const uint8_t* value = reader.Take(length);
          out.bytes.emplace_back(reinterpret_cast<const char*>(value), length);
        }
        return;
      }
      size_t width = PlainWidth(type, type_length);
      if (width == 0) Corrupt("FIXED_LEN_BYTE_ARRAY without a length");
      if (count > size / width) Corrupt("truncated PLAIN values");
      if (count == 0) return;
      switch (type) {
        case PhysicalType::kInt32:
          AppendGenerated(out.ints, count, [data](size_t i) -> int64_t { return LoadPlain<int32_t>(data + i * 4); });
          return;
        case PhysicalType::kInt64:
          AppendGenerated(out.ints, count, [data](size_t i) { return LoadPlain<int64_t>(data + i * 8); });
          return;
        case PhysicalType::kFloat:
          AppendGenerated(out.doubles, count, [data](size_t i) -> double { return LoadPlain<float>(data + i * 4); });
          return;
        case PhysicalType::kDouble:
          AppendGenerated(out.doubles, count, [data](size_t i) { return LoadPlain<double>(data + i * 8); });
          return;
        default:
          break;
      }
      for (size_t i = 0; i < count; ++i) AppendFixed(type, data + i * width, width, out);
      return;
    }
    case Encoding::kRle: {
      if (type != PhysicalType::kBoolean) Corrupt("RLE values are only for booleans");
      const uint8_t* length_bytes = reader.Take(4);
      uint32_t length;
      std::memcpy(&length, length_bytes, 4);
      const uint8_t* runs = reader.Take(length);
      std::vector<uint8_t> bits(count);
      if (RleDecoder(runs, length, 1).Decode(bits.data(), count) != count) Corrupt("too few RLE booleans");
      AppendGenerated(out.ints, count, [&bits](size_t i) -> int64_t { return bits[i]; });
      return;
    }
    case Encoding::kDeltaBinaryPacked: {
      if (type != PhysicalType::kInt32 && type != PhysicalType::kInt64) Corrupt("DELTA_BINARY_PACKED on a non-integer column");
      auto values = DecodeDeltaBinaryPacked(reader, count);
      if (values.size() < count) Corrupt("too few DELTA_BINARY_PACKED values");
      for (size_t i = 0; i < count; ++i) {
        out.ints.push_back(type == PhysicalType::kInt32 ? static_cast<int32_t>(values[i]) : values[i]);
      }
      return;
    }
    case Encoding::kDeltaLengthByteArray: {
      if (type != PhysicalType::kByteArray) Corrupt("DELTA_LENGTH_BYTE_ARRAY on a column that is not BYTE_ARRAY");
      auto lengths = DecodeDeltaBinaryPacked(reader, count);
      if (lengths.size() < count) Corrupt("too few DELTA_LENGTH_BYTE_ARRAY lengths");
      for (size_t i = 0; i < count; ++i) {
        if (lengths[i] < 0) Corrupt("negative length");
        const uint8_t* value = reader.Take(static_cast<size_t>(lengths[i]));
        out.bytes.emplace_back(reinterpret_cast<const char*>(value), static_cast<size_t>(lengths[i]));
      }
      return;
    }
    case Encoding::kDeltaByteArray: {
      if (type != PhysicalType::kByteArray && type != PhysicalType::kFixedLenByteArray) {
        Corrupt("DELTA_BYTE_ARRAY on a column that is not a byte array");
      }
      auto prefixes = DecodeDeltaBinaryPacked(reader, count);
      auto suffixes = DecodeDeltaBinaryPacked(reader, count);
      if (prefixes.size() < count || suffixes.size() < count) Corrupt("too few DELTA_BYTE_ARRAY lengths");
      std::string previous;
      std::string& arena = out.arena.emplace_back();
      std::vector<std::pair<size_t, size_t>> spans;
      for (size_t i = 0; i < count; ++i) {
        if (prefixes[i] < 0 || suffixes[i] < 0 || static_cast<size_t>(prefixes[i]) > previous.size()) {
          Corrupt("bad DELTA_BYTE_ARRAY prefix");
        }
        const uint8_t* suffix = reader.Take(static_cast<size_t>(suffixes[i]));
        previous.resize(static_cast<size_t>(prefixes[i]));
        previous.append(reinterpret_cast<const char*>(suffix), static_cast<size_t>(suffixes[i]));
        spans.push_back({arena.size(), previous.size()});
        arena += previous;
      }
      for (const auto& [offset, length] : spans) out.bytes.emplace_back(arena.data() + offset, length);
      return;
    }
    case Encoding::kByteStreamSplit: {
      size_t width = PlainWidth(type, type_length);
      if (width == 0 || type == PhysicalType::kInt96) Corrupt("BYTE_STREAM_SPLIT on an unsupported type");
      if (count > size / width) Corrupt("truncated BYTE_STREAM_SPLIT values");
      std::string& arena = out.arena.emplace_back(count * width, '\0');
      for (size_t i = 0; i < count; ++i) {
        for (size_t b = 0; b < width; ++b) arena[i * width + b] = static_cast<char>(data[b * count + i]);
      }
      for (size_t i = 0; i < count; ++i) {
        AppendFixed(type, reinterpret_cast<const uint8_t*>(arena.data()) + i * width, width, out);
      }
      return;
    }
    default:
      Corrupt(std::string("unsupported encoding ") + EncodingName(encoding));
  }
}

void GatherDictionary(PhysicalType type, const PhysicalValues& dictionary, const std::vector<uint32_t>& indices,
                      PhysicalValues& out) {
  GatherDictionary(type, dictionary, indices.data(), indices.size(), out);
}

void GatherDictionary(PhysicalType, const PhysicalValues& dictionary, const uint32_t* indices, size_t count,
                      PhysicalValues& out) {
  size_t size = std::max({dictionary.ints.size(), dictionary.doubles.size(), dictionary.bytes.size()});
  uint32_t largest = 0;
  for (size_t i = 0; i < count; ++i) largest = std::max(largest, indices[i]);
  if (count > 0 && largest >= size) Corrupt("dictionary index " + std::to_string(largest) + " out of range");
  if (!dictionary.ints.empty()) {
    const int64_t* entries = dictionary.ints.data();
    AppendGenerated(out.ints, count, [entries, indices](size_t i) { return entries[indices[i]]; });
  } else if (!dictionary.doubles.empty()) {
    const double* entries = dictionary.doubles.data();
    AppendGenerated(out.doubles, count, [entries, indices](size_t i) { return entries[indices[i]]; });
  } else {
    const std::string_view* entries = dictionary.bytes.data();
    AppendGenerated(out.bytes, count, [entries, indices](size_t i) { return entries[indices[i]]; });
  }
}

}  // namespace sluice::parquet
