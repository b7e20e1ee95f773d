#include "io/parquet/value_converter.h"

#include <cmath>
#include <cstdint>
#include <cstring>
#include <string_view>

namespace sluice::parquet {

namespace {

double HalfToDouble(uint16_t half) {
  int exponent = (half >> 10) & 0x1F;
  int mantissa = half & 0x3FF;
  double sign = (half & 0x8000) ? -1.0 : 1.0;
  if (exponent == 0) return sign * std::ldexp(mantissa, -24);
  if (exponent == 31) return mantissa ? NAN : sign * INFINITY;
  return sign * std::ldexp(mantissa + 1024, exponent - 25);
}

// A big-endian two's complement integer of any length, as a double.
double BigEndianToDouble(std::string_view bytes) {
  if (bytes.empty()) return 0;
  bool negative = static_cast<uint8_t>(bytes[0]) & 0x80;
  double value = 0;
  for (unsigned char byte : bytes) value = value * 256 + (negative ? static_cast<uint8_t>(~byte) : byte);
  return negative ? -(value + 1) : value;
}

}  // namespace

DataType SluiceTypeOf(const SchemaElement& e) {
  const LogicalType& logical = e.logical;
  int converted = e.converted_type.value_or(-1);
  PhysicalType physical = e.type.value_or(PhysicalType::kByteArray);
  if (logical.kind == LogicalType::kDecimalKind || converted == ConvertedType::kDecimal ||
      logical.kind == LogicalType::kFloat16) {
    return DataType::kFloat64;
  }
  switch (physical) {
    case PhysicalType::kBoolean: return DataType::kBool;
    case PhysicalType::kInt32:
      if (logical.kind == LogicalType::kDateKind || converted == ConvertedType::kDate) return DataType::kTimestamp;
      return DataType::kInt64;
    case PhysicalType::kInt64:
      if (logical.kind == LogicalType::kTimestamp || converted == ConvertedType::kTimestampMillis ||
          converted == ConvertedType::kTimestampMicros) {
        return DataType::kTimestamp;
      }
      return DataType::kInt64;
    case PhysicalType::kInt96: return DataType::kTimestamp;
    case PhysicalType::kFloat:
    case PhysicalType::kDouble: return DataType::kFloat64;
    default: return DataType::kString;
  }
}


ValueConverter::ValueConverter(const SchemaElement& e) : type_(SluiceTypeOf(e)) {
  physical_ = e.type.value_or(PhysicalType::kByteArray);
  int converted = e.converted_type.value_or(-1);
  decimal_ = e.logical.kind == LogicalType::kDecimalKind || converted == ConvertedType::kDecimal;
  scale_ = std::pow(10.0, e.logical.kind == LogicalType::kDecimalKind ? e.logical.scale : e.scale);
  float16_ = e.logical.kind == LogicalType::kFloat16;
  unsigned_ = (e.logical.kind == LogicalType::kInteger && !e.logical.is_signed) ||
              converted == ConvertedType::kUint32 || converted == ConvertedType::kUint8 || converted == ConvertedType::kUint16;
  date_ = e.logical.kind == LogicalType::kDateKind || converted == ConvertedType::kDate;
  if (e.logical.kind == LogicalType::kTimestamp) {
    unit_ = e.logical.unit;
  } else if (converted == ConvertedType::kTimestampMillis) {
    unit_ = 1;
  } else if (converted == ConvertedType::kTimestampMicros) {
    unit_ = 2;
  }
}

bool ValueConverter::identity() const {
  if (decimal_ || float16_ || unsigned_ || date_) return false;
  if (physical_ == PhysicalType::kInt64) return type_ == DataType::kInt64 || unit_ == 2;
  return physical_ == PhysicalType::kInt32 || physical_ == PhysicalType::kFloat ||
         physical_ == PhysicalType::kDouble || physical_ == PhysicalType::kBoolean;
}

void ValueConverter::Append(const PhysicalValues& values, size_t i, Column& out) const {
  switch (physical_) {
    case PhysicalType::kBoolean:
      out.AppendInt(values.ints[i]);
      return;
    case PhysicalType::kInt32: {
      int64_t v = values.ints[i];
      if (unsigned_) v = static_cast<uint32_t>(static_cast<int32_t>(v));
      if (decimal_) {
        out.AppendDouble(static_cast<double>(v) / scale_);
      } else if (date_) {
        out.AppendInt(v * 86400LL * 1000000LL);
      } else {
        out.AppendInt(v);
      }
      return;
    }
    case PhysicalType::kInt64: {
      int64_t v = values.ints[i];
      if (decimal_) {
        out.AppendDouble(static_cast<double>(v) / scale_);
      } else if (type_ == DataType::kTimestamp) {
        out.AppendInt(unit_ == 1 ? v * 1000 : unit_ == 3 ? v / 1000 : v);
      } else {
        out.AppendInt(v);
      }
      return;
    }
    case PhysicalType::kInt96: {
      // Spark's timestamps: nanoseconds of the day, then the Julian day.
      const char* raw = values.bytes[i].data();
      int64_t nanos;
      uint32_t julian_day;
      std::memcpy(&nanos, raw, 8);
      std::memcpy(&julian_day, raw + 8, 4);
      out.AppendInt((static_cast<int64_t>(julian_day) - 2440588LL) * 86400LL * 1000000LL + nanos / 1000);
      return;
    }
    case PhysicalType::kFloat:
    case PhysicalType::kDouble:
      out.AppendDouble(values.doubles[i]);
      return;
    default: {
      std::string_view bytes = values.bytes[i];
      if (decimal_) {
        out.AppendDouble(BigEndianToDouble(bytes) / scale_);
      } else if (float16_ && bytes.size() == 2) {
        uint16_t half = static_cast<uint16_t>(static_cast<uint8_t>(bytes[0]) | (static_cast<uint8_t>(bytes[1]) << 8));
        out.AppendDouble(HalfToDouble(half));
      } else {
        out.AppendString(bytes);
      }
    }
  }
}

}  // namespace sluice::parquet
