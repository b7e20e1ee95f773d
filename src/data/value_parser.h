#pragma once
// Text to typed values, shared by every reader and by expression literals.
// Each returns false on text that is not a whole value of the type, never
// throws; surrounding spaces are not accepted (readers trim where the format
// says so).

#include <cstdint>
#include <string>
#include <string_view>

#include "data/column.h"

namespace sluice {

bool ParseInt64(std::string_view text, int64_t* out);
bool ParseFloat64(std::string_view text, double* out);
// true/false, t/f, yes/no, 1/0 (case-insensitive).
bool ParseBool(std::string_view text, bool* out);
// "YYYY-MM-DD", "YYYY-MM-DD HH:MM[:SS[.fff...]]" with ' ' or 'T', then an
// optional zone, right after the time or after one space: 'Z', "UTC" or
// "GMT" (any case), or an offset "+HH:MM", "+HHMM", "+HH" (or '-'), as in
// "2015-05-07 19:52:06 UTC"; to microseconds since the epoch, UTC. Digits of
// a fraction past the sixth are dropped.
bool ParseTimestamp(std::string_view text, int64_t* micros);
bool IsValidUtf8(std::string_view text);

// Civil calendar arithmetic (proleptic Gregorian), after H. Hinnant.
int64_t DaysFromCivil(int64_t year, unsigned month, unsigned day);
void CivilFromDays(int64_t days, int64_t* year, unsigned* month, unsigned* day);

constexpr int64_t kMicrosPerSecond = 1000000;
constexpr int64_t kMicrosPerDay = 86400 * kMicrosPerSecond;

// "2015-01-15 19:05:39" (with ".ffffff" when there are fractional seconds).
void AppendTimestamp(std::string& out, int64_t micros);

// The text of row `row` of `column` (not null), as the writers print it:
// shortest round-trip floats, true/false, timestamps as above.
void AppendCellText(const Column& column, size_t row, std::string& out);

}  // namespace sluice
