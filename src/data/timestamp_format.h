#pragma once
// How the text of one timestamp column is read when the default forms
// (value_parser.h's ParseTimestamp) are not what a file holds: epoch numbers
// or a declared pattern. Declared in a pipeline as
//   source.schema.COL: {type: timestamp, format: "%d/%m/%Y %H:%M"}
// and kept in the artifact's schema, so serving reads values the same way.
//
// Formats:
//   epoch_s, epoch_ms, epoch_us   a number (fraction allowed) of seconds,
//                                 milliseconds or microseconds since 1970 UTC
//   a pattern with % directives   %Y year (4 digits), %y (2: 69-99 -> 19xx,
//       else 20xx), %m month, %d day, %e day (space-padded), %H hour, %I hour
//       (1-12) with %p (AM/PM), %M minute, %S second, %f fraction (1-9 digits),
//       %b/%h month abbreviation, %B month name (English, any case), %j day of
//       the year, %z offset (Z, +HH, +HHMM, +HH:MM), %Z zone name (UTC, GMT,
//       Z), %T = %H:%M:%S, %F = %Y-%m-%d, %% a percent sign. Numbers take 1 to
//       their width in digits; a space matches one or more spaces; any other
//       character matches itself. The whole text must match. Fields left out
//       are 1 (month, day) or 0; every value is checked (31/02 is refused) and
//       the result is UTC, less the offset when there is one.
// Locale-free and allocation-free: it runs on the read path.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace sluice {

class TimestampFormat {
 public:
  // Throws a usage error naming `key` when `spec` is not a format.
  static TimestampFormat Parse(const std::string& spec, const std::string& key);

  bool Read(std::string_view text, int64_t* micros) const;
  const std::string& spec() const { return spec_; }

 private:
  enum class Kind { kEpoch, kPattern };
  struct Step {
    char directive = 0;  // 0: a literal
    char literal = 0;
  };
  Kind kind_ = Kind::kPattern;
  int64_t micros_per_unit_ = 1;
  std::vector<Step> steps_;
  std::string spec_;
};

}  // namespace sluice
