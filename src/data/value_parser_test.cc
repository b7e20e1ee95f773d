#include "data/value_parser.h"

#include <gtest/gtest.h>

#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstring>

namespace sluice {
namespace {

TEST(ValueParser, TimestampFormatsAndOffsets) {
  int64_t micros;
  ASSERT_TRUE(ParseTimestamp("1970-01-01 00:00:01", &micros));
  EXPECT_EQ(micros, 1000000);
  ASSERT_TRUE(ParseTimestamp("2015-01-15T19:05:39.5Z", &micros));
  EXPECT_EQ(micros, (DaysFromCivil(2015, 1, 15) * 86400 + 19 * 3600 + 5 * 60 + 39) * 1000000 + 500000);
  int64_t with_offset;
  ASSERT_TRUE(ParseTimestamp("2015-01-15T21:05:39.5+02:00", &with_offset));
  EXPECT_EQ(with_offset, micros);
  ASSERT_TRUE(ParseTimestamp("2016-02-29", &micros));
  EXPECT_FALSE(ParseTimestamp("2015-02-29", &micros));
  EXPECT_FALSE(ParseTimestamp("2015-13-01 00:00:00", &micros));
  EXPECT_FALSE(ParseTimestamp("2015-01-01 25:00:00", &micros));
  EXPECT_FALSE(ParseTimestamp("2015-01-01x", &micros));
}

TEST(ValueParser, TimestampsWithAZoneAfterASpaceAsRealFilesWriteThem) {
  int64_t utc = 0, micros = 0;
  ASSERT_TRUE(ParseTimestamp("2015-05-07 19:52:06", &utc));
  for (const char* text : {"2015-05-07 19:52:06 UTC", "2015-05-07 19:52:06 utc", "2015-05-07 19:52:06 GMT",
                           "2015-05-07 19:52:06Z", "2015-05-07 19:52:06 Z", "2015-05-07T19:52:06+00:00",
                           "2015-05-07 21:52:06 +02:00", "2015-05-07 21:52:06+0200", "2015-05-07 17:52:06 -02",
                           "2015-05-07T19:52:06.000000000Z"}) {
    ASSERT_TRUE(ParseTimestamp(text, &micros)) << text;
    EXPECT_EQ(utc, micros) << text;
  }
  for (const char* text : {"2015-05-07 19:52:06 ", "2015-05-07 19:52:06  UTC", "2015-05-07 19:52:06 EST",
                           "2015-05-07 19:52:06 UTCX", "2015-05-07 19:52:06 +2"}) {
    EXPECT_FALSE(ParseTimestamp(text, &micros)) << text;
  }
}

TEST(ValueParser, TimestampRoundTripsThroughText) {
  int64_t micros;
  ASSERT_TRUE(ParseTimestamp("1969-12-31 23:59:59.25", &micros));
  std::string text;
  AppendTimestamp(text, micros);
  EXPECT_EQ(text, "1969-12-31 23:59:59.250000");
}

TEST(ValueParser, NumbersAreWholeValuesOnly) {
  int64_t i;
  double d;
  EXPECT_TRUE(ParseInt64("+42", &i));
  EXPECT_EQ(i, 42);
  EXPECT_FALSE(ParseInt64("42abc", &i));
  EXPECT_FALSE(ParseInt64("", &i));
  EXPECT_FALSE(ParseInt64("99999999999999999999", &i));
  EXPECT_TRUE(ParseFloat64("-1.5e3", &d));
  EXPECT_EQ(d, -1500);
  EXPECT_FALSE(ParseFloat64("1.5.2", &d));
  EXPECT_FALSE(ParseFloat64("abc", &d));
}

TEST(ValueParser, Utf8Validation) {
  EXPECT_TRUE(IsValidUtf8("plain ascii text that is long enough"));
  EXPECT_TRUE(IsValidUtf8("caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80"));
  EXPECT_FALSE(IsValidUtf8("bad \xC3"));
  EXPECT_FALSE(IsValidUtf8("overlong \xC0\xAF"));
  EXPECT_FALSE(IsValidUtf8("surrogate \xED\xA0\x80"));
  EXPECT_FALSE(IsValidUtf8("\xFF"));
}

}  // namespace
}  // namespace sluice

namespace sluice {
namespace {

// The fast decimal path must give exactly the bits a full parser gives.
TEST(ValueParser, FastDecimalPathMatchesFromCharsBitForBit) {
  uint64_t state = 99;
  auto next = [&state]() { return state = state * 6364136223846793005ULL + 1442695040888963407ULL; };
  for (int i = 0; i < 200000; ++i) {
    char text[64];
    int decimals = static_cast<int>(next() >> 61);
    double value = static_cast<double>(static_cast<int64_t>((next() >> 33) % 2000000000)) /
                   std::pow(10.0, static_cast<double>((next() >> 60) % 10)) * ((next() >> 63) ? -1 : 1);
    int length = std::snprintf(text, sizeof text, "%.*f", decimals, value);
    double fast = 0, reference = 0;
    ASSERT_TRUE(ParseFloat64(std::string_view(text, length), &fast)) << text;
    std::from_chars(text, text + length, reference);
    ASSERT_EQ(std::memcmp(&fast, &reference, sizeof fast), 0) << text;
  }
}

}  // namespace
}  // namespace sluice
