#include "data/timestamp_format.h"

#include <gtest/gtest.h>

#include "common/error.h"
#include "data/value_parser.h"

namespace sluice {
namespace {

int64_t Micros(int64_t year, unsigned month, unsigned day, int64_t hour = 0, int64_t minute = 0, int64_t second = 0) {
  return (DaysFromCivil(year, month, day) * 86400 + hour * 3600 + minute * 60 + second) * kMicrosPerSecond;
}

int64_t Read(const std::string& spec, std::string_view text) {
  int64_t micros = 0;
  EXPECT_TRUE(TimestampFormat::Parse(spec, "test").Read(text, &micros)) << spec << " on '" << text << "'";
  return micros;
}

bool Refuses(const std::string& spec, std::string_view text) {
  int64_t micros;
  return !TimestampFormat::Parse(spec, "test").Read(text, &micros);
}

TEST(TimestampFormat, DayFirstPatternsAndPaddingAreRead) {
  EXPECT_EQ(Read("%d/%m/%Y %H:%M", "07/05/2015 19:52"), Micros(2015, 5, 7, 19, 52));
  EXPECT_EQ(Read("%d/%m/%Y %H:%M", "7/5/2015 9:02"), Micros(2015, 5, 7, 9, 2));
  EXPECT_EQ(Read("%d.%m.%y", "31.12.99"), Micros(1999, 12, 31));
  EXPECT_EQ(Read("%d.%m.%y", "01.01.15"), Micros(2015, 1, 1));
  EXPECT_EQ(Read("%F %T", "2015-05-07 19:52:06"), Micros(2015, 5, 7, 19, 52, 6));
}

TEST(TimestampFormat, NamesTwelveHourClockFractionsAndZones) {
  EXPECT_EQ(Read("%b %e %Y %I:%M %p", "May  7 2015 07:52 PM"), Micros(2015, 5, 7, 19, 52));
  EXPECT_EQ(Read("%B %d, %Y", "DECEMBER 25, 2020"), Micros(2020, 12, 25));
  EXPECT_EQ(Read("%I %p", "12 AM"), Micros(1970, 1, 1, 0));
  EXPECT_EQ(Read("%Y-%m-%dT%H:%M:%S.%f%z", "2015-05-07T19:52:06.25+02:00"), Micros(2015, 5, 7, 17, 52, 6) + 250000);
  EXPECT_EQ(Read("%Y%m%d %H%M%S %Z", "20150507 195206 UTC"), Micros(2015, 5, 7, 19, 52, 6));
  EXPECT_EQ(Read("%Y %j", "2016 366"), Micros(2016, 12, 31));
  EXPECT_EQ(Read("%S.%f", "1.123456789"), Micros(1970, 1, 1, 0, 0, 1) + 123456);
}

TEST(TimestampFormat, EpochNumbersInEachUnit) {
  EXPECT_EQ(Read("epoch_s", "1430999526"), Micros(2015, 5, 7, 11, 52, 6));
  EXPECT_EQ(Read("epoch_s", "1430999526.5"), Micros(2015, 5, 7, 11, 52, 6) + 500000);
  EXPECT_EQ(Read("epoch_ms", "1430999526123"), Micros(2015, 5, 7, 11, 52, 6) + 123000);
  EXPECT_EQ(Read("epoch_us", "-1"), -1);
  EXPECT_TRUE(Refuses("epoch_s", "1e300"));
  EXPECT_TRUE(Refuses("epoch_s", "soon"));
}

TEST(TimestampFormat, ImpossibleDatesAndLeftoverTextAreRefused) {
  EXPECT_TRUE(Refuses("%d/%m/%Y", "31/02/2015"));
  EXPECT_TRUE(Refuses("%d/%m/%Y", "29/02/2015"));
  EXPECT_FALSE(Refuses("%d/%m/%Y", "29/02/2016"));
  EXPECT_TRUE(Refuses("%d/%m/%Y", "07/05/2015 19:52"));
  EXPECT_TRUE(Refuses("%d/%m/%Y", "07/13/2015"));
  EXPECT_TRUE(Refuses("%H:%M", "24:00"));
  EXPECT_TRUE(Refuses("%I %p", "13 PM"));
  EXPECT_TRUE(Refuses("%Y", "15"));
  EXPECT_TRUE(Refuses("%Y-%m-%d", ""));
}

TEST(TimestampFormat, BadFormatsAreUsageErrorsNamingTheKey) {
  EXPECT_THROW(TimestampFormat::Parse("dd/mm/yyyy", "source.schema.t.format"), Error);
  EXPECT_THROW(TimestampFormat::Parse("%d/%q", "source.schema.t.format"), Error);
  EXPECT_THROW(TimestampFormat::Parse("%Y%", "source.schema.t.format"), Error);
  try {
    TimestampFormat::Parse("%Q", "source.schema.t.format");
  } catch (const Error& error) {
    EXPECT_NE(std::string(error.what()).find("source.schema.t.format"), std::string::npos);
  }
}

}  // namespace
}  // namespace sluice
