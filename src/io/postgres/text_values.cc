#include "io/postgres/text_values.h"

#include <charconv>
#include <cstdlib>
#include <cstring>
#include <limits>

#include "common/error.h"

namespace sluice {

namespace {

constexpr int64_t kPgEpochDays = 10957;  // 2000-01-01, in days from 1970-01-01

void Put(std::string& out, uint64_t value, int bytes) {
  for (int shift = (bytes - 1) * 8; shift >= 0; shift -= 8) out.push_back(static_cast<char>((value >> shift) & 0xff));
}

[[noreturn]] void NotA(const char* what, std::string_view text, const std::string& where) {
  ThrowInputData(where + ": the server sent '" + std::string(text.substr(0, 64)) + "' where " + what + " belongs");
}

// Digits [at, at + count) of `text` as a number; false unless all digits.
bool Digits(std::string_view text, size_t at, size_t count, int64_t* value) {
  // No value read here (a year, a field of a time) has more than 9 digits:
  // more is not a value, and would overflow.
  if (at + count > text.size() || count > 9) return false;
  *value = 0;
  for (size_t i = at; i < at + count; ++i) {
    if (text[i] < '0' || text[i] > '9') return false;
    *value = *value * 10 + (text[i] - '0');
  }
  return true;
}

// Days from 1970-01-01 of a proleptic Gregorian date (H. Hinnant's
// days_from_civil), year in astronomical numbering (1 BC is 0).
int64_t DaysFromCivil(int64_t year, int64_t month, int64_t day) {
  year -= month <= 2;
  const int64_t era = (year >= 0 ? year : year - 399) / 400;
  const int64_t year_of_era = year - era * 400;
  const int64_t day_of_year = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1;
  const int64_t day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
  return era * 146097 + day_of_era - 719468;
}

// "YYYY-MM-DD" at the start of `text` (the year may have more digits), as
// days from 1970; `rest` gets what follows. A trailing " BC" is the
// caller's to apply to the year: `bc` says whether the text ends with it.
bool ParseDate(std::string_view text, int64_t* days, std::string_view* rest, bool* bc) {
  *bc = text.size() > 3 && text.substr(text.size() - 3) == " BC";
  if (*bc) text.remove_suffix(3);
  const size_t dash = text.find('-', 1);
  int64_t year = 0, month = 0, day = 0;
  if (dash == std::string_view::npos || dash < 4 || !Digits(text, 0, dash, &year) || !Digits(text, dash + 1, 2, &month) ||
      text.size() < dash + 6 || text[dash + 3] != '-' || !Digits(text, dash + 4, 2, &day) || month < 1 || month > 12 ||
      day < 1 || day > 31) {
    return false;
  }
  if (*bc) year = 1 - year;
  *days = DaysFromCivil(year, month, day);
  *rest = text.substr(dash + 6);
  return true;
}

void AppendNumeric(std::string_view text, std::string& out, const std::string& where) {
  // numeric's binary form: ndigits, weight, sign, dscale, then base-10000
  // digits, the first worth 10000^weight.
  auto special = [&out](uint16_t sign) {
    Put(out, 0, 2);
    Put(out, 0, 2);
    Put(out, sign, 2);
    Put(out, 0, 2);
  };
  if (text == "NaN") return special(0xC000);
  if (text == "Infinity") return special(0xD000);
  if (text == "-Infinity") return special(0xF000);
  std::string_view body = text;
  const bool negative = !body.empty() && body[0] == '-';
  if (!body.empty() && (body[0] == '-' || body[0] == '+')) body.remove_prefix(1);
  const size_t point = body.find('.');
  std::string whole(body.substr(0, point));
  std::string fraction(point == std::string_view::npos ? std::string_view() : body.substr(point + 1));
  if (whole.empty() && fraction.empty()) NotA("a numeric", text, where);
  for (char c : whole + fraction) {
    if (c < '0' || c > '9') NotA("a numeric", text, where);
  }
  const size_t scale = fraction.size();
  whole.insert(0, (4 - whole.size() % 4) % 4, '0');
  fraction.append((4 - fraction.size() % 4) % 4, '0');
  const std::string all = whole + fraction;
  std::vector<uint16_t> groups;
  for (size_t i = 0; i < all.size(); i += 4) groups.push_back(static_cast<uint16_t>(std::stoi(all.substr(i, 4))));
  int64_t weight = static_cast<int64_t>(whole.size() / 4) - 1;
  size_t first = 0;
  while (first < groups.size() && groups[first] == 0) {
    ++first;
    --weight;
  }
  size_t last = groups.size();
  while (last > first && groups[last - 1] == 0) --last;
  if (first == last) weight = 0;
  if (last - first > 0x7fff || weight > 0x7fff || weight < -0x8000 || scale > 0x3fff) NotA("a numeric", text, where);
  Put(out, last - first, 2);
  Put(out, static_cast<uint16_t>(static_cast<int16_t>(weight)), 2);
  Put(out, negative && first != last ? 0x4000 : 0x0000, 2);
  Put(out, scale, 2);
  for (size_t i = first; i < last; ++i) Put(out, groups[i], 2);
}

void AppendTimestamp(std::string_view text, std::string& out, const std::string& where) {
  if (text == "infinity") return Put(out, static_cast<uint64_t>(std::numeric_limits<int64_t>::max()), 8);
  if (text == "-infinity") return Put(out, static_cast<uint64_t>(std::numeric_limits<int64_t>::min()), 8);
  int64_t days = 0;
  std::string_view rest;
  bool bc = false;
  if (!ParseDate(text, &days, &rest, &bc)) NotA("a timestamp", text, where);
  int64_t hour = 0, minute = 0, second = 0;
  if (rest.size() < 9 || rest[0] != ' ' || !Digits(rest, 1, 2, &hour) || rest[3] != ':' || !Digits(rest, 4, 2, &minute) ||
      rest[6] != ':' || !Digits(rest, 7, 2, &second) || hour > 24 || minute > 59 || second > 60) {
    NotA("a timestamp", text, where);
  }
  rest.remove_prefix(9);
  int64_t micros = 0;
  if (!rest.empty() && rest[0] == '.') {
    size_t digits = 1;
    while (digits < rest.size() && rest[digits] >= '0' && rest[digits] <= '9') ++digits;
    std::string fraction(rest.substr(1, digits - 1));
    if (fraction.empty() || fraction.size() > 6) NotA("a timestamp", text, where);
    fraction.append(6 - fraction.size(), '0');
    micros = std::stoll(fraction);
    rest.remove_prefix(digits);
  }
  int64_t offset_seconds = 0;
  if (!rest.empty()) {
    // +HH, +HH:MM or +HH:MM:SS (or -): the time is local to that offset.
    const int64_t sign = rest[0] == '-' ? -1 : 1;
    int64_t part = 0;
    if ((rest[0] != '+' && rest[0] != '-') || !Digits(rest, 1, 2, &part)) NotA("a timestamp", text, where);
    offset_seconds = part * 3600;
    size_t at = 3;
    for (int64_t unit : {60, 1}) {
      if (at == rest.size()) break;
      if (rest[at] != ':' || !Digits(rest, at + 1, 2, &part)) NotA("a timestamp", text, where);
      offset_seconds += part * unit;
      at += 3;
    }
    if (at != rest.size()) NotA("a timestamp", text, where);
    offset_seconds *= sign;
  }
  const __int128 total = (static_cast<__int128>(days - kPgEpochDays) * 86400 + hour * 3600 + minute * 60 + second -
                          offset_seconds) * 1000000 + micros;
  if (total >= std::numeric_limits<int64_t>::max() || total <= std::numeric_limits<int64_t>::min()) {
    NotA("a timestamp sluice can hold", text, where);
  }
  Put(out, static_cast<uint64_t>(static_cast<int64_t>(total)), 8);
}

}  // namespace

void AppendBinaryFromText(PgWireType wire, std::string_view text, std::string& out, const std::string& where) {
  switch (wire) {
    case PgWireType::kBool:
      if (text == "t" || text == "true") {
        out.push_back(1);
      } else if (text == "f" || text == "false") {
        out.push_back(0);
      } else {
        NotA("a boolean", text, where);
      }
      return;
    case PgWireType::kInt2:
    case PgWireType::kInt4:
    case PgWireType::kInt8: {
      int64_t value = 0;
      const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
      if (error != std::errc() || end != text.data() + text.size()) NotA("an integer", text, where);
      const int bytes = wire == PgWireType::kInt2 ? 2 : wire == PgWireType::kInt4 ? 4 : 8;
      if (bytes < 8 && (value < -(int64_t{1} << (bytes * 8 - 1)) || value >= (int64_t{1} << (bytes * 8 - 1)))) {
        NotA("an integer of its width", text, where);
      }
      Put(out, static_cast<uint64_t>(value), bytes);
      return;
    }
    case PgWireType::kFloat4:
    case PgWireType::kFloat8: {
      const std::string copy(text);
      char* end = nullptr;
      const double value = std::strtod(copy.c_str(), &end);
      if (copy.empty() || *end != '\0') NotA("a number", text, where);
      if (wire == PgWireType::kFloat8) {
        uint64_t bits = 0;
        std::memcpy(&bits, &value, 8);
        Put(out, bits, 8);
      } else {
        const float narrow = std::strtof(copy.c_str(), nullptr);
        uint32_t bits = 0;
        std::memcpy(&bits, &narrow, 4);
        Put(out, bits, 4);
      }
      return;
    }
    case PgWireType::kNumeric: return AppendNumeric(text, out, where);
    case PgWireType::kText:
    case PgWireType::kBpchar: out.append(text.data(), text.size()); return;
    case PgWireType::kDate: {
      if (text == "infinity") return Put(out, static_cast<uint32_t>(std::numeric_limits<int32_t>::max()), 4);
      if (text == "-infinity") return Put(out, static_cast<uint32_t>(std::numeric_limits<int32_t>::min()), 4);
      int64_t days = 0;
      std::string_view rest;
      bool bc = false;
      if (!ParseDate(text, &days, &rest, &bc) || !rest.empty()) NotA("a date", text, where);
      const int64_t pg_days = days - kPgEpochDays;
      if (pg_days <= std::numeric_limits<int32_t>::min() || pg_days >= std::numeric_limits<int32_t>::max()) {
        NotA("a date", text, where);
      }
      Put(out, static_cast<uint32_t>(static_cast<int32_t>(pg_days)), 4);
      return;
    }
    case PgWireType::kTimestamp: return AppendTimestamp(text, out, where);
  }
}

}  // namespace sluice
