#include "io/postgres/copy_binary.h"

#include <cmath>
#include <cstdlib>
#include <cstring>
#include <limits>

#include "common/error.h"
#include "data/value_parser.h"

namespace sluice {

namespace {

constexpr char kSignature[] = "PGCOPY\n\377\r\n\0";  // 11 bytes
// PostgreSQL's epoch, 2000-01-01, in days and microseconds from 1970-01-01.
constexpr int64_t kPgEpochDays = 10957;
constexpr int64_t kPgEpochMicros = kPgEpochDays * 86400LL * 1000000LL;

uint16_t Read16(const char* p) {
  return static_cast<uint16_t>((static_cast<uint8_t>(p[0]) << 8) | static_cast<uint8_t>(p[1]));
}
uint32_t Read32(const char* p) {
  return (static_cast<uint32_t>(static_cast<uint8_t>(p[0])) << 24) | (static_cast<uint32_t>(static_cast<uint8_t>(p[1])) << 16) |
         (static_cast<uint32_t>(static_cast<uint8_t>(p[2])) << 8) | static_cast<uint32_t>(static_cast<uint8_t>(p[3]));
}
uint64_t Read64(const char* p) { return (static_cast<uint64_t>(Read32(p)) << 32) | Read32(p + 4); }

// An IEEE float (float4) or double (float8) from its network-order bytes.
template <typename Float>
double ReadFloat(const char* p) {
  static_assert(sizeof(Float) == 4 || sizeof(Float) == 8);
  Float number;
  if constexpr (sizeof(Float) == 4) {
    const uint32_t bits = Read32(p);
    std::memcpy(&number, &bits, sizeof number);
  } else {
    const uint64_t bits = Read64(p);
    std::memcpy(&number, &bits, sizeof number);
  }
  return number;
}

}  // namespace

std::optional<PgColumn> MapPostgresType(const std::string& name, uint32_t oid) {
  PgColumn column;
  column.name = name;
  column.oid = oid;
  switch (oid) {
    case 16: column.wire = PgWireType::kBool; column.type = DataType::kBool; break;
    case 21: column.wire = PgWireType::kInt2; column.type = DataType::kInt64; break;
    case 23: column.wire = PgWireType::kInt4; column.type = DataType::kInt64; break;
    case 20: column.wire = PgWireType::kInt8; column.type = DataType::kInt64; break;
    case 700: column.wire = PgWireType::kFloat4; column.type = DataType::kFloat64; break;
    case 701: column.wire = PgWireType::kFloat8; column.type = DataType::kFloat64; break;
    case 1700: column.wire = PgWireType::kNumeric; column.type = DataType::kFloat64; break;
    case 25: case 1043: case 19: case 18: column.wire = PgWireType::kText; column.type = DataType::kString; break;
    case 1042: column.wire = PgWireType::kBpchar; column.type = DataType::kString; break;
    case 1082: column.wire = PgWireType::kDate; column.type = DataType::kTimestamp; break;
    case 1114: case 1184: column.wire = PgWireType::kTimestamp; column.type = DataType::kTimestamp; break;
    default: return std::nullopt;
  }
  return column;
}

size_t CopyBinaryHeaderSize(std::string_view data, const std::string& where) {
  if (data.size() < 19 || std::memcmp(data.data(), kSignature, 11) != 0) {
    ThrowInputData(where + ": the server's COPY stream does not start with the binary signature");
  }
  const uint32_t extension = Read32(data.data() + 15);
  if (data.size() < 19 + static_cast<size_t>(extension)) {
    ThrowInputData(where + ": the COPY header's extension runs past its message");
  }
  return 19 + extension;
}

size_t CopyTupleSize(std::string_view data, size_t num_columns, const std::string& where) {
  if (data.size() < 2) return 0;
  const int16_t fields = static_cast<int16_t>(Read16(data.data()));
  if (fields == -1) return 2;
  if (fields < 0 || static_cast<size_t>(fields) != num_columns) {
    ThrowInputData(where + ": a row of " + std::to_string(fields) + " fields where the query has " +
                   std::to_string(num_columns) + " columns");
  }
  size_t at = 2;
  for (int16_t field = 0; field < fields; ++field) {
    if (data.size() < at + 4) return 0;
    const int32_t length = static_cast<int32_t>(Read32(data.data() + at));
    at += 4;
    if (length > 0) at += static_cast<size_t>(length);
    if (length < -1) ThrowInputData(where + ": a field of negative length in the COPY stream");
  }
  return at <= data.size() ? at : 0;
}

double NumericToDouble(std::string_view value) {
  if (value.size() < 8) return NAN;
  const int ndigits = static_cast<int16_t>(Read16(value.data()));
  const int weight = static_cast<int16_t>(Read16(value.data() + 2));
  const uint16_t sign = Read16(value.data() + 4);
  if (sign == 0xC000 || sign == 0xD000 || sign == 0xF000) return NAN;  // NaN, +Infinity, -Infinity
  if (ndigits <= 0) return 0.0;
  if (value.size() < 8 + 2 * static_cast<size_t>(ndigits)) return NAN;
  // The decimal digits, base-10000 groups of four, and where the point
  // falls: strtod rounds the exact decimal to the nearest double.
  char text[4 * 1000 + 32];
  size_t length = 0;
  if (sign == 0x4000) text[length++] = '-';
  const int kept = std::min(ndigits, 1000);
  for (int i = 0; i < kept; ++i) {
    const unsigned group = Read16(value.data() + 8 + 2 * i);
    text[length++] = static_cast<char>('0' + group / 1000);
    text[length++] = static_cast<char>('0' + group / 100 % 10);
    text[length++] = static_cast<char>('0' + group / 10 % 10);
    text[length++] = static_cast<char>('0' + group % 10);
  }
  length += static_cast<size_t>(std::snprintf(text + length, 24, "e%d", 4 * (weight - kept + 1)));
  return std::strtod(text, nullptr);
}

bool DecodeCopyTuple(std::string_view tuple, const std::vector<PgColumn>& columns, BatchBuilder& builder, int64_t row,
                     const std::string& where) {
  const char* p = tuple.data();
  if (static_cast<int16_t>(Read16(p)) == -1) return false;
  p += 2;
  for (size_t index = 0; index < columns.size(); ++index) {
    const PgColumn& column = columns[index];
    const int32_t length = static_cast<int32_t>(Read32(p));
    p += 4;
    if (length < 0) {
      builder.AppendNull(index);
      continue;
    }
    const char* value = p;
    p += length;
    bool ok = true;
    auto sized = [&](int32_t want) {
      if (length == want) return true;
      ThrowInputData(where + ": column '" + column.name + "' sent " + std::to_string(length) + " bytes for a " +
                     std::to_string(want) + "-byte value");
    };
    switch (column.wire) {
      case PgWireType::kBool:
        sized(1);
        ok = builder.AppendBool(index, value[0] != 0);
        break;
      case PgWireType::kInt2:
        sized(2);
        ok = builder.AppendInt(index, static_cast<int16_t>(Read16(value)));
        break;
      case PgWireType::kInt4:
        sized(4);
        ok = builder.AppendInt(index, static_cast<int32_t>(Read32(value)));
        break;
      case PgWireType::kInt8:
        sized(8);
        ok = builder.AppendInt(index, static_cast<int64_t>(Read64(value)));
        break;
      case PgWireType::kFloat4:
        sized(4);
        ok = builder.AppendDouble(index, ReadFloat<float>(value));
        break;
      case PgWireType::kFloat8:
        sized(8);
        ok = builder.AppendDouble(index, ReadFloat<double>(value));
        break;
      case PgWireType::kNumeric:
        ok = builder.AppendDouble(index, NumericToDouble(std::string_view(value, static_cast<size_t>(length))));
        break;
      case PgWireType::kText:
        ok = builder.AppendText(index, std::string_view(value, static_cast<size_t>(length)), /*quoted=*/true);
        break;
      case PgWireType::kBpchar: {
        std::string_view text(value, static_cast<size_t>(length));
        while (!text.empty() && text.back() == ' ') text.remove_suffix(1);
        ok = builder.AppendText(index, text, /*quoted=*/true);
        break;
      }
      case PgWireType::kDate: {
        sized(4);
        const int32_t days = static_cast<int32_t>(Read32(value));
        if (days == std::numeric_limits<int32_t>::min() || days == std::numeric_limits<int32_t>::max()) {
          builder.AppendNull(index);  // -infinity, infinity
          break;
        }
        // PostgreSQL's dates reach 5874897 AD; sluice's microseconds end in
        // 294247 AD: a later (or much earlier) date rejects its row.
        int64_t micros = 0;
        if (__builtin_mul_overflow(static_cast<int64_t>(days) + kPgEpochDays, int64_t{86400000000}, &micros)) {
          builder.RejectRow(row, "column " + columns[index].name + ": date out of the range sluice holds", "");
          return true;
        }
        ok = builder.AppendTimestamp(index, micros);
        break;
      }
      case PgWireType::kTimestamp: {
        sized(8);
        const int64_t micros = static_cast<int64_t>(Read64(value));
        if (micros == std::numeric_limits<int64_t>::min() || micros == std::numeric_limits<int64_t>::max()) {
          builder.AppendNull(index);
          break;
        }
        int64_t unix_micros = 0;
        if (__builtin_add_overflow(micros, kPgEpochMicros, &unix_micros)) {
          builder.RejectRow(row, "column " + columns[index].name + ": timestamp out of the range sluice holds", "");
          return true;
        }
        ok = builder.AppendTimestamp(index, unix_micros);
        break;
      }
    }
    if (!ok) {
      builder.RejectRow(row, builder.error(), "");
      return true;
    }
  }
  builder.CommitRow(row);
  return true;
}

size_t CopyRowSplitter::NextRow(std::string_view data) {
  if (ended_) ThrowInputData(where_ + ": bytes after the end of the COPY stream");
  const size_t size = CopyTupleSize(data, num_columns_, where_);
  if (size == 0) ThrowInputData(where_ + ": a row cut short in the COPY stream");
  if (size == 2 && static_cast<int16_t>((static_cast<uint8_t>(data[0]) << 8) | static_cast<uint8_t>(data[1])) == -1) {
    ended_ = true;
    return kTrailer;
  }
  return size;
}

void CopyRowSplitter::Finish() const {
  if (!ended_) ThrowInputData(where_ + ": the COPY stream ended without its trailer");
}

}  // namespace sluice
