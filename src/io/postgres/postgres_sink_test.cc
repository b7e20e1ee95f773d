#include "io/postgres/postgres_sink.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "io/postgres/postgres_connection.h"

namespace sluice {
namespace {

std::string CopyText(const Column& column) {
  std::string out;
  for (size_t row = 0; row < column.size(); ++row) {
    if (row) out += '|';
    AppendCopyTextValue(out, column, row);
  }
  return out;
}

TEST(PostgresSink, CopyTextEscapesTheFourCharactersCopyReadsSpecially) {
  Column text(DataType::kString);
  text.AppendString("a\tb\nc\rd\\e");
  text.AppendString("");
  text.AppendNull();
  text.AppendString("\\N");
  EXPECT_EQ(CopyText(text), "a\\tb\\nc\\rd\\\\e||\\N|\\\\N");
}

TEST(PostgresSink, CopyTextSpellsNumbersAsPostgresReadsThem) {
  Column numbers(DataType::kFloat64);
  numbers.AppendDouble(0.1);
  numbers.AppendDouble(-1e300);
  numbers.AppendDouble(std::numeric_limits<double>::infinity());
  numbers.AppendDouble(-std::numeric_limits<double>::infinity());
  numbers.AppendDouble(std::nan(""));
  EXPECT_EQ(CopyText(numbers), "0.1|-1e+300|Infinity|-Infinity|NaN");
  Column flags(DataType::kBool);
  flags.AppendInt(1);
  flags.AppendInt(0);
  EXPECT_EQ(CopyText(flags), "t|f");
  Column times(DataType::kTimestamp);
  times.AppendInt(1420070400000000 + 1);  // 2015-01-01 00:00:00.000001 UTC
  EXPECT_EQ(CopyText(times), "2015-01-01 00:00:00.000001+00");
}

TEST(PostgresSink, OutputParametersAreTakenOutOfWhatLibpqIsGiven) {
  const PostgresTarget target = SplitPostgresUri("postgres://u@h:5/db?sslmode=disable&table=s.t&if_exists=append");
  EXPECT_EQ(target.conninfo, "postgres://u@h:5/db?sslmode=disable");
  EXPECT_EQ(target.table, "s.t");
  EXPECT_EQ(target.if_exists, "append");
  EXPECT_STREQ(PostgresColumnType(DataType::kCategorical), "text");
  EXPECT_STREQ(PostgresColumnType(DataType::kTimestamp), "timestamptz");
}

}  // namespace
}  // namespace sluice
