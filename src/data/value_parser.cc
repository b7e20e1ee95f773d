#include "data/value_parser.h"

#include "common/format.h"

#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <string>

namespace sluice {

bool ParseInt64(std::string_view text, int64_t* out) {
  const char* begin = text.data();
  const char* end = begin + text.size();
  if (begin != end && *begin == '+') ++begin;
  auto result = std::from_chars(begin, end, *out);
  return result.ec == std::errc() && result.ptr == end && begin != end;
}

namespace {

// Clinger's fast path: a decimal of at most 15 significant digits and no
// exponent is mantissa / 10^k with both operands exact doubles, so one
// correctly rounded division gives the same bits as a full parser.
bool ParseSimpleDecimal(const char* begin, const char* end, double* out) {
  static const double kPowers[] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,  1e8,  1e9,  1e10, 1e11,
                                   1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};
  bool negative = *begin == '-';
  const char* p = begin + negative;
  uint64_t mantissa = 0;
  const char* digits_start = p;
  while (p < end && static_cast<unsigned>(*p - '0') <= 9) mantissa = mantissa * 10 + static_cast<unsigned>(*p++ - '0');
  int integer_digits = static_cast<int>(p - digits_start);
  int fraction_digits = 0;
  if (p < end && *p == '.') {
    const char* fraction_start = ++p;
    while (p < end && static_cast<unsigned>(*p - '0') <= 9) mantissa = mantissa * 10 + static_cast<unsigned>(*p++ - '0');
    fraction_digits = static_cast<int>(p - fraction_start);
  }
  // Whole text consumed, at least one digit, no overflow, an exact mantissa.
  int total = integer_digits + fraction_digits;
  if (p != end || total == 0 || total > 19 || fraction_digits > 22 || mantissa > (uint64_t{1} << 53)) return false;
  double value = static_cast<double>(mantissa) / kPowers[fraction_digits];
  *out = negative ? -value : value;
  return true;
}

}  // namespace

bool ParseFloat64(std::string_view text, double* out) {
  const char* begin = text.data();
  const char* end = begin + text.size();
  if (begin != end && *begin == '+') ++begin;
  if (begin == end) return false;
  if (ParseSimpleDecimal(begin, end, out)) return true;
  auto result = std::from_chars(begin, end, *out);
  if (result.ec == std::errc() && result.ptr == end) return true;
  // from_chars reports out-of-range for subnormals and overflow; accept them
  // as strtod would rather than reject a real number.
  if (result.ec == std::errc::result_out_of_range && result.ptr == end) {
    std::string copy(begin, end);
    *out = std::strtod(copy.c_str(), nullptr);
    return true;
  }
  return false;
}

bool ParseBool(std::string_view text, bool* out) {
  auto lower_equals = [&](std::string_view word) {
    if (text.size() != word.size()) return false;
    for (size_t i = 0; i < word.size(); ++i) {
      char c = text[i];
      if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
      if (c != word[i]) return false;
    }
    return true;
  };
  if (lower_equals("true") || lower_equals("t") || lower_equals("yes") || text == "1") {
    *out = true;
    return true;
  }
  if (lower_equals("false") || lower_equals("f") || lower_equals("no") || text == "0") {
    *out = false;
    return true;
  }
  return false;
}

int64_t DaysFromCivil(int64_t year, unsigned month, unsigned day) {
  year -= month <= 2;
  const int64_t era = (year >= 0 ? year : year - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(year - era * 400);
  const unsigned doy = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

void CivilFromDays(int64_t days, int64_t* year, unsigned* month, unsigned* day) {
  days += 719468;
  const int64_t era = (days >= 0 ? days : days - 146096) / 146097;
  const unsigned doe = static_cast<unsigned>(days - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  *day = doy - (153 * mp + 2) / 5 + 1;
  *month = mp < 10 ? mp + 3 : mp - 9;
  *year = static_cast<int64_t>(yoe) + era * 400 + (*month <= 2);
}

namespace {

bool Digits(std::string_view text, size_t pos, size_t count, int* out) {
  if (pos + count > text.size()) return false;
  int value = 0;
  for (size_t i = pos; i < pos + count; ++i) {
    unsigned digit = static_cast<unsigned char>(text[i]) - '0';
    if (digit > 9) return false;
    value = value * 10 + static_cast<int>(digit);
  }
  *out = value;
  return true;
}

bool IsLeap(int year) { return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0; }

int DaysInMonth(int year, int month) {
  static const int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return month == 2 && IsLeap(year) ? 29 : kDays[month - 1];
}

}  // namespace

bool ParseTimestamp(std::string_view text, int64_t* micros) {
  int year, month, day;
  if (text.size() < 10 || !Digits(text, 0, 4, &year) || text[4] != '-' ||
      !Digits(text, 5, 2, &month) || text[7] != '-' || !Digits(text, 8, 2, &day)) {
    return false;
  }
  if (month < 1 || month > 12 || day < 1 || day > DaysInMonth(year, month)) return false;
  int64_t result = DaysFromCivil(year, month, day) * kMicrosPerDay;
  size_t pos = 10;
  if (pos < text.size()) {
    if (text[pos] != ' ' && text[pos] != 'T') return false;
    int hour, minute, second = 0;
    if (!Digits(text, pos + 1, 2, &hour) || pos + 3 >= text.size() || text[pos + 3] != ':' ||
        !Digits(text, pos + 4, 2, &minute)) {
      return false;
    }
    pos += 6;
    if (pos < text.size() && text[pos] == ':') {
      if (!Digits(text, pos + 1, 2, &second)) return false;
      pos += 3;
    }
    if (hour > 23 || minute > 59 || second > 60) return false;
    int64_t fraction = 0;
    if (pos < text.size() && text[pos] == '.') {
      ++pos;
      int64_t scale = 100000;
      size_t digits = 0;
      while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') {
        fraction += (text[pos] - '0') * scale;
        scale /= 10;
        ++pos;
        ++digits;
      }
      if (digits == 0) return false;
    }
    result += (hour * 3600 + minute * 60 + second) * kMicrosPerSecond + fraction;
    // The zone, right after the time or after one space, as real files write
    // it: "Z", "UTC" or "GMT" (any case), or a numeric offset "+02:00",
    // "+0200", "+02". Every form is normalised to UTC.
    if (pos + 1 < text.size() && text[pos] == ' ') ++pos;
    if (pos < text.size()) {
      std::string_view zone = text.substr(pos);
      auto named = [&](std::string_view name) {
        if (zone.size() != name.size()) return false;
        for (size_t i = 0; i < name.size(); ++i) {
          if ((zone[i] | 0x20) != (name[i] | 0x20)) return false;
        }
        return true;
      };
      if (named("Z") || named("UTC") || named("GMT")) {
        pos = text.size();
      } else if ((text[pos] == '+' || text[pos] == '-')) {
        int offset_hours, offset_minutes = 0;
        if (!Digits(text, pos + 1, 2, &offset_hours)) return false;
        size_t next = pos + 3;
        if (next < text.size() && text[next] == ':') ++next;
        if (next < text.size()) {
          if (!Digits(text, next, 2, &offset_minutes)) return false;
          next += 2;
        }
        if (next != text.size()) return false;
        int64_t offset = (offset_hours * 3600 + offset_minutes * 60) * kMicrosPerSecond;
        result += text[pos] == '+' ? -offset : offset;
        pos = next;
      } else {
        return false;
      }
    }
  }
  *micros = result;
  return pos == text.size();
}

bool IsValidUtf8(std::string_view text) {
  const auto* bytes = reinterpret_cast<const unsigned char*>(text.data());
  size_t n = text.size();
  size_t i = 0;
  while (i < n) {
    // Fast path over ASCII, eight bytes at a time.
    while (i + 8 <= n) {
      uint64_t word;
      __builtin_memcpy(&word, bytes + i, 8);
      if (word & 0x8080808080808080ULL) break;
      i += 8;
    }
    if (i >= n) break;
    unsigned char c = bytes[i];
    if (c < 0x80) {
      ++i;
      continue;
    }
    size_t extra;
    uint32_t code;
    if ((c & 0xE0) == 0xC0) {
      extra = 1;
      code = c & 0x1F;
    } else if ((c & 0xF0) == 0xE0) {
      extra = 2;
      code = c & 0x0F;
    } else if ((c & 0xF8) == 0xF0) {
      extra = 3;
      code = c & 0x07;
    } else {
      return false;
    }
    for (size_t k = 1; k <= extra; ++k) {
      if (i + k >= n || (bytes[i + k] & 0xC0) != 0x80) return false;
      code = (code << 6) | (bytes[i + k] & 0x3F);
    }
    static const uint32_t kMinimum[] = {0, 0x80, 0x800, 0x10000};
    if (code < kMinimum[extra] || code > 0x10FFFF || (code >= 0xD800 && code <= 0xDFFF)) return false;
    i += extra + 1;
  }
  return true;
}

void AppendTimestamp(std::string& out, int64_t micros) {
  int64_t days = micros >= 0 ? micros / kMicrosPerDay : -((-micros + kMicrosPerDay - 1) / kMicrosPerDay);
  int64_t rest = micros - days * kMicrosPerDay;
  int64_t year;
  unsigned month, day;
  CivilFromDays(days, &year, &month, &day);
  int64_t seconds = rest / kMicrosPerSecond;
  int64_t fraction = rest % kMicrosPerSecond;
  char buffer[48];
  int length = std::snprintf(buffer, sizeof buffer, "%04lld-%02u-%02u %02lld:%02lld:%02lld",
                             static_cast<long long>(year), month, day,
                             static_cast<long long>(seconds / 3600),
                             static_cast<long long>(seconds / 60 % 60),
                             static_cast<long long>(seconds % 60));
  out.append(buffer, length);
  if (fraction != 0) {
    length = std::snprintf(buffer, sizeof buffer, ".%06lld", static_cast<long long>(fraction));
    out.append(buffer, length);
  }
}

void AppendCellText(const Column& column, size_t row, std::string& out) {
  switch (column.type()) {
    case DataType::kString: out.append(column.String(row)); break;
    case DataType::kCategorical: out.append(column.Category(row)); break;
    case DataType::kFloat64: AppendDouble(out, column.Double(row)); break;
    case DataType::kBool: out.append(column.Int(row) ? "true" : "false"); break;
    case DataType::kTimestamp: AppendTimestamp(out, column.Int(row)); break;
    case DataType::kInt64: AppendInt(out, column.Int(row)); break;
  }
}

}  // namespace sluice
