#include "data/timestamp_format.h"

#include <cctype>
#include <cmath>
#include <string_view>

#include "common/error.h"
#include "data/value_parser.h"

namespace sluice {

namespace {

constexpr std::string_view kMonths[12] = {"january", "february", "march",     "april",   "may",      "june",
                                          "july",    "august",   "september", "october", "november", "december"};

bool IsLeap(int64_t year) { return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0; }

int DaysInMonth(int64_t year, int month) {
  static const int kDays[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return month == 2 && IsLeap(year) ? 29 : kDays[month - 1];
}

// Reads 1 to `width` digits at `pos`.
bool Number(std::string_view text, size_t& pos, int width, int64_t* out) {
  int64_t value = 0;
  int digits = 0;
  while (digits < width && pos < text.size() && text[pos] >= '0' && text[pos] <= '9') {
    value = value * 10 + (text[pos++] - '0');
    ++digits;
  }
  *out = value;
  return digits > 0;
}

bool EqualsIgnoringCase(std::string_view text, std::string_view word) {
  if (text.size() != word.size()) return false;
  for (size_t i = 0; i < text.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(text[i])) != word[i]) return false;
  }
  return true;
}

// A month's English name (`full`) or its three-letter abbreviation.
bool MonthName(std::string_view text, size_t& pos, bool full, int64_t* month) {
  for (int m = 0; m < 12; ++m) {
    std::string_view name = full ? kMonths[m] : kMonths[m].substr(0, 3);
    if (pos + name.size() <= text.size() && EqualsIgnoringCase(text.substr(pos, name.size()), name)) {
      pos += name.size();
      *month = m + 1;
      return true;
    }
  }
  return false;
}

// Z, +HH, +HHMM or +HH:MM (or '-'): the offset in seconds east of UTC.
bool Offset(std::string_view text, size_t& pos, int64_t* seconds) {
  if (pos < text.size() && (text[pos] == 'Z' || text[pos] == 'z')) {
    ++pos;
    *seconds = 0;
    return true;
  }
  if (pos >= text.size() || (text[pos] != '+' && text[pos] != '-')) return false;
  const int sign = text[pos++] == '-' ? -1 : 1;
  int64_t hours = 0, minutes = 0;
  size_t start = pos;
  if (!Number(text, pos, 2, &hours) || pos - start != 2) return false;
  if (pos < text.size() && text[pos] == ':') ++pos;
  start = pos;
  if (Number(text, pos, 2, &minutes) && pos - start != 2) return false;
  if (hours > 23 || minutes > 59) return false;
  *seconds = sign * (hours * 3600 + minutes * 60);
  return true;
}

}  // namespace

TimestampFormat TimestampFormat::Parse(const std::string& spec, const std::string& key) {
  TimestampFormat format;
  format.spec_ = spec;
  if (spec == "epoch_s" || spec == "epoch_ms" || spec == "epoch_us") {
    format.kind_ = Kind::kEpoch;
    format.micros_per_unit_ = spec == "epoch_s" ? kMicrosPerSecond : spec == "epoch_ms" ? 1000 : 1;
    return format;
  }
  if (spec.find('%') == std::string::npos) {
    ThrowUsage(key + ": '" + spec + "' is not a timestamp format (epoch_s, epoch_ms, epoch_us, or a pattern such as \"%d/%m/%Y %H:%M\")");
  }
  static constexpr std::string_view kDirectives = "YymdeHIMSfbhBjzZp%";
  for (size_t i = 0; i < spec.size(); ++i) {
    if (spec[i] != '%') {
      format.steps_.push_back({0, spec[i]});
      continue;
    }
    if (i + 1 == spec.size()) ThrowUsage(key + ": '" + spec + "' ends in a lone %");
    const char directive = spec[++i];
    if (directive == 'T' || directive == 'F') {
      const char* expansion = directive == 'T' ? "H:M:S" : "Y-m-d";
      for (const char* c = expansion; *c; ++c) format.steps_.push_back(*c == ':' || *c == '-' ? Step{0, *c} : Step{*c, 0});
      continue;
    }
    if (kDirectives.find(directive) == std::string_view::npos) {
      ThrowUsage(key + ": '" + spec + "': %" + std::string(1, directive) +
                 " is not a directive sluice reads (Y y m d e H I M S f b h B j z Z p T F %)");
    }
    if (directive == '%') {
      format.steps_.push_back({0, '%'});
    } else {
      format.steps_.push_back({directive, 0});
    }
  }
  return format;
}

bool TimestampFormat::Read(std::string_view text, int64_t* micros) const {
  if (kind_ == Kind::kEpoch) {
    double value;
    if (!ParseFloat64(text, &value) || !std::isfinite(value)) return false;
    const double scaled = value * static_cast<double>(micros_per_unit_);
    // Years 0001 to 9999, as every other timestamp.
    if (!(scaled > -62135596800.0 * kMicrosPerSecond && scaled < 253402300800.0 * kMicrosPerSecond)) return false;
    *micros = static_cast<int64_t>(std::llround(scaled));
    return true;
  }
  int64_t year = 1970, month = 1, day = 1, hour = 0, minute = 0, second = 0, fraction = 0, offset = 0, day_of_year = 0;
  int64_t hour12 = -1, pm = -1;
  size_t pos = 0;
  for (const Step& step : steps_) {
    if (step.directive == 0) {
      if (step.literal == ' ') {
        if (pos >= text.size() || text[pos] != ' ') return false;
        while (pos < text.size() && text[pos] == ' ') ++pos;
      } else if (pos >= text.size() || text[pos++] != step.literal) {
        return false;
      }
      continue;
    }
    bool ok = true;
    switch (step.directive) {
      case 'Y': {
        const size_t start = pos;
        ok = Number(text, pos, 4, &year) && pos - start == 4;
        break;
      }
      case 'y': {
        int64_t two;
        const size_t start = pos;
        ok = Number(text, pos, 2, &two) && pos - start == 2;
        year = two < 69 ? 2000 + two : 1900 + two;
        break;
      }
      case 'm': ok = Number(text, pos, 2, &month); break;
      case 'e':
        if (pos < text.size() && text[pos] == ' ') ++pos;
        ok = Number(text, pos, 2, &day);
        break;
      case 'd': ok = Number(text, pos, 2, &day); break;
      case 'H': ok = Number(text, pos, 2, &hour); break;
      case 'I': ok = Number(text, pos, 2, &hour12); break;
      case 'M': ok = Number(text, pos, 2, &minute); break;
      case 'S': ok = Number(text, pos, 2, &second); break;
      case 'j': ok = Number(text, pos, 3, &day_of_year) && day_of_year >= 1; break;
      case 'f': {
        const size_t start = pos;
        int64_t digits_value;
        ok = Number(text, pos, 9, &digits_value);
        // To microseconds: pad or cut to six digits.
        int64_t digits = static_cast<int64_t>(pos - start);
        fraction = digits_value;
        for (; digits < 6; ++digits) fraction *= 10;
        for (; digits > 6; --digits) fraction /= 10;
        break;
      }
      case 'b':
      case 'h': ok = MonthName(text, pos, false, &month); break;
      case 'B': ok = MonthName(text, pos, true, &month); break;
      case 'p':
        if (pos + 2 <= text.size() && EqualsIgnoringCase(text.substr(pos, 2), "am")) {
          pm = 0;
        } else if (pos + 2 <= text.size() && EqualsIgnoringCase(text.substr(pos, 2), "pm")) {
          pm = 1;
        } else {
          ok = false;
        }
        pos += 2;
        break;
      case 'z': ok = Offset(text, pos, &offset); break;
      case 'Z':
        if (pos < text.size() && (text[pos] == 'Z' || text[pos] == 'z')) {
          ++pos;
        } else if (pos + 3 <= text.size() &&
                   (EqualsIgnoringCase(text.substr(pos, 3), "utc") || EqualsIgnoringCase(text.substr(pos, 3), "gmt"))) {
          pos += 3;
        } else {
          ok = false;
        }
        break;
      default: ok = false;
    }
    if (!ok) return false;
  }
  if (pos != text.size()) return false;
  if (hour12 >= 0) {
    if (hour12 < 1 || hour12 > 12 || pm < 0) return false;
    hour = hour12 % 12 + (pm ? 12 : 0);
  }
  if (year < 1 || year > 9999 || month < 1 || month > 12 || hour > 23 || minute > 59 || second > 60) return false;
  int64_t days;
  if (day_of_year > 0) {
    if (day_of_year > (IsLeap(year) ? 366 : 365)) return false;
    days = DaysFromCivil(year, 1, 1) + day_of_year - 1;
  } else {
    if (day < 1 || day > DaysInMonth(year, static_cast<int>(month))) return false;
    days = DaysFromCivil(year, static_cast<unsigned>(month), static_cast<unsigned>(day));
  }
  *micros = (days * 86400 + hour * 3600 + minute * 60 + std::min<int64_t>(second, 59) - offset) * kMicrosPerSecond + fraction;
  return true;
}

}  // namespace sluice
