#include "io/parquet/rle.h"

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <stdexcept>
#include <string>
#include <string_view>

namespace sluice::parquet {

int BitWidth(uint64_t max_value) {
  int width = 0;
  while (max_value > 0) {
    ++width;
    max_value >>= 1;
  }
  return width;
}

void RleEncoder::PutVarInt(std::string& out, uint64_t value) {
  while (value >= 0x80) {
    out.push_back(static_cast<char>((value & 0x7F) | 0x80));
    value >>= 7;
  }
  out.push_back(static_cast<char>(value));
}

void RleEncoder::FlushLiterals(std::string& out) {
  if (literals_.empty()) return;
  size_t groups = (literals_.size() + 7) / 8;
  literals_.resize(groups * 8, 0);
  PutVarInt(out, (groups << 1) | 1);
  uint64_t buffer = 0;
  int bits = 0;
  for (uint32_t value : literals_) {
    buffer |= static_cast<uint64_t>(value) << bits;
    bits += bit_width_;
    while (bits >= 8) {
      out.push_back(static_cast<char>(buffer & 0xFF));
      buffer >>= 8;
      bits -= 8;
    }
  }
  if (bits > 0) out.push_back(static_cast<char>(buffer & 0xFF));
  literals_.clear();
}

void RleEncoder::Encode(const uint32_t* values, size_t count, std::string& out) {
  size_t value_bytes = (bit_width_ + 7) / 8;
  size_t i = 0;
  while (i < count) {
    size_t run = 1;
    while (i + run < count && values[i + run] == values[i]) ++run;
    size_t needed = (8 - literals_.size() % 8) % 8;
    if (run >= needed + 8) {
      // Complete the pending literal group with the run's first values, then
      // encode the rest of the run as one repeated run.
      literals_.insert(literals_.end(), values + i, values + i + needed);
      i += needed;
      run -= needed;
      FlushLiterals(out);
      PutVarInt(out, static_cast<uint64_t>(run) << 1);
      uint32_t value = values[i];
      for (size_t b = 0; b < value_bytes; ++b) out.push_back(static_cast<char>((value >> (8 * b)) & 0xFF));
      i += run;
    } else {
      literals_.insert(literals_.end(), values + i, values + i + run);
      i += run;
    }
  }
  FlushLiterals(out);
}

RleDecoder::RleDecoder(const uint8_t* data, size_t size, int bit_width)
    : data_(data), end_(data + size), bit_width_(bit_width) {
  if (bit_width < 0 || bit_width > 32) throw std::runtime_error("bit width " + std::to_string(bit_width) + " out of range");
}

bool RleDecoder::NextRun() {
  if (data_ >= end_) return false;
  uint64_t header = 0;
  for (int shift = 0;; shift += 7) {
    if (data_ >= end_ || shift > 63) throw std::runtime_error("truncated RLE run header");
    uint8_t byte = *data_++;
    header |= static_cast<uint64_t>(byte & 0x7F) << shift;
    if (!(byte & 0x80)) break;
  }
  if (header & 1) {
    // 8 values x width bits = width bytes per group. A writer may end the
    // last group early: take what is there.
    uint64_t groups = header >> 1;
    size_t available = static_cast<size_t>(end_ - data_);
    uint64_t wanted = groups > available ? available : groups * static_cast<uint64_t>(bit_width_);
    literal_bytes_ = static_cast<size_t>(std::min<uint64_t>(wanted, available));
    literal_left_ = bit_width_ == 0 ? static_cast<size_t>(std::min<uint64_t>(groups * 8, SIZE_MAX / 2))
                                    : literal_bytes_ * 8 / static_cast<size_t>(bit_width_);
    if (bit_width_ > 0 && groups * 8 < literal_left_) literal_left_ = static_cast<size_t>(groups * 8);
    literal_data_ = data_;
    literal_bit_ = 0;
    data_ += literal_bytes_;
  } else {
    repeat_left_ = static_cast<size_t>(header >> 1);
    size_t value_bytes = (bit_width_ + 7) / 8;
    if (static_cast<size_t>(end_ - data_) < value_bytes) throw std::runtime_error("truncated RLE run value");
    repeat_value_ = 0;
    for (size_t b = 0; b < value_bytes; ++b) repeat_value_ |= static_cast<uint32_t>(data_[b]) << (8 * b);
    data_ += value_bytes;
  }
  return true;
}

template <typename Fill, typename Unpack>
size_t RleDecoder::Walk(size_t count, Fill&& fill, Unpack&& unpack) {
  size_t done = 0;
  const uint64_t mask = bit_width_ == 32 ? 0xFFFFFFFFULL : ((1ULL << bit_width_) - 1);
  const uint64_t width = static_cast<uint64_t>(bit_width_);
  while (done < count) {
    if (repeat_left_ > 0) {
      size_t n = std::min(repeat_left_, count - done);
      fill(done, n, repeat_value_);
      repeat_left_ -= n;
      done += n;
    } else if (literal_left_ > 0) {
      size_t n = std::min(literal_left_, count - done);
      size_t k = 0;
      if (width == 0) {
        fill(done, n, 0u);
        k = n;
      }
      // Whole 8-byte loads while they stay inside the run (a value is at most
      // 32 bits at a shift of at most 7), then bit by bit for the tail.
      for (; k < n && (literal_bit_ >> 3) + 8 <= literal_bytes_; ++k) {
        uint64_t word;
        std::memcpy(&word, literal_data_ + (literal_bit_ >> 3), 8);
        unpack(done + k, static_cast<uint32_t>((word >> (literal_bit_ & 7)) & mask));
        literal_bit_ += width;
      }
      for (; k < n; ++k) {
        uint64_t value = 0;
        for (uint64_t b = 0; b < width; ++b) {
          uint64_t bit = literal_bit_ + b;
          value |= static_cast<uint64_t>((literal_data_[bit >> 3] >> (bit & 7)) & 1) << b;
        }
        unpack(done + k, static_cast<uint32_t>(value));
        literal_bit_ += width;
      }
      literal_left_ -= n;
      done += n;
    } else if (!NextRun()) {
      break;
    }
  }
  return done;
}

template <typename T>
size_t RleDecoder::Decode(T* out, size_t count) {
  return Walk(
      count, [out](size_t at, size_t n, uint32_t value) { std::fill(out + at, out + at + n, static_cast<T>(value)); },
      [out](size_t at, uint32_t value) { out[at] = static_cast<T>(value); });
}

template <typename T>
size_t RleDecoder::DecodeGather(T* out, size_t count, const T* dictionary, size_t dictionary_size) {
  auto check = [dictionary_size](uint32_t index) {
    if (index >= dictionary_size) {
      throw std::runtime_error("dictionary index " + std::to_string(index) + " out of range");
    }
  };
  return Walk(
      count,
      [&](size_t at, size_t n, uint32_t index) {
        check(index);
        std::fill(out + at, out + at + n, dictionary[index]);
      },
      [&](size_t at, uint32_t index) {
        if (index >= dictionary_size) [[unlikely]] check(index);
        out[at] = dictionary[index];
      });
}

template size_t RleDecoder::Decode<uint8_t>(uint8_t*, size_t);
template size_t RleDecoder::Decode<uint32_t>(uint32_t*, size_t);
template size_t RleDecoder::DecodeGather<int64_t>(int64_t*, size_t, const int64_t*, size_t);
template size_t RleDecoder::DecodeGather<double>(double*, size_t, const double*, size_t);
template size_t RleDecoder::DecodeGather<std::string_view>(std::string_view*, size_t, const std::string_view*, size_t);

void DecodeBitPackedLegacy(const uint8_t* data, size_t size, int bit_width, uint8_t* out, size_t count) {
  if (bit_width < 0 || bit_width > 8) throw std::runtime_error("BIT_PACKED level width " + std::to_string(bit_width) + " out of range");
  if (static_cast<uint64_t>(count) * bit_width > static_cast<uint64_t>(size) * 8) {
    throw std::runtime_error("truncated BIT_PACKED levels");
  }
  uint64_t bit = 0;
  for (size_t i = 0; i < count; ++i) {
    uint32_t value = 0;
    for (int b = 0; b < bit_width; ++b, ++bit) {
      value = (value << 1) | ((data[bit / 8] >> (7 - bit % 8)) & 1);
    }
    out[i] = static_cast<uint8_t>(value);
  }
}

}  // namespace sluice::parquet
