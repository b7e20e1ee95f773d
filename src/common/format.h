#pragma once
// Number formatting shared by writers and reports. Doubles and floats print in
// their shortest form that reads back to the same bits, so a value written by
// one sluice command and read by another is exactly the value it was.

#include <cstdint>
#include <string>

namespace sluice {

void AppendDouble(std::string& out, double value);
void AppendFloat(std::string& out, float value);
// The double nearest the shortest decimal that reads back as `value`: a
// float32 result kept in a float64 column prints as the float does (0.1f
// gives 0.1, not 0.100000001490116) and still rounds back to `value`.
double FloatAsDecimalDouble(float value);
void AppendInt(std::string& out, int64_t value);
std::string FormatDouble(double value);
// 1234567 -> "1,234,567"
std::string FormatCount(int64_t value);
// 0.0123 -> "12.3 ms", 75.2 -> "1m 15.2s"
std::string FormatSeconds(double seconds);
// 1536 -> "1.5 KiB"
std::string FormatBytes(double bytes);
// Unix seconds as local time, "2026-11-24 15:04:05".
std::string FormatLocalTime(double unix_seconds);

}  // namespace sluice
