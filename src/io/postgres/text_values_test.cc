#include "io/postgres/text_values.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <vector>

#include "common/error.h"
#include "io/postgres/every_type_row.h"

namespace sluice {
namespace {

// Every value's text, as a server writes it, turned into a COPY tuple and
// decoded like a binary one.
RecordBatch Decode(const std::vector<std::pair<uint32_t, std::string>>& typed_texts) {
  std::vector<PgColumn> columns;
  std::string tuple;
  auto put = [&tuple](uint64_t value, int bytes) {
    for (int shift = (bytes - 1) * 8; shift >= 0; shift -= 8) tuple.push_back(static_cast<char>((value >> shift) & 0xff));
  };
  put(typed_texts.size(), 2);
  for (const auto& [oid, text] : typed_texts) {
    std::string name = "c";
    name += std::to_string(columns.size());  // appended: GCC 12's -Wrestrict misfires on "c" + string
    columns.push_back(*MapPostgresType(name, oid));
    std::string value;
    AppendBinaryFromText(columns.back().wire, text, value, "t");
    put(value.size(), 4);
    tuple += value;
  }
  Schema schema;
  for (const auto& column : columns) schema.Add({column.name, column.type});
  TextConversion conversion;
  BatchBuilder builder(schema, conversion);
  EXPECT_TRUE(DecodeCopyTuple(tuple, columns, builder, 1, "t"));
  return builder.Finish();
}

constexpr int64_t kDay = 86400LL * 1000000LL;

TEST(TextValues, EveryMappedTypeReadsAsItsBinaryFormDoes) {
  RecordBatch batch = Decode({{16, "t"}, {21, "-7"}, {23, "123456"}, {20, "-9000000000"}, {700, "1.5"},
                              {701, "12.5"}, {1700, "-12.3400"}, {1043, "héllo"}, {1042, "ab  "}, {1082, "1999-12-31"},
                              {1114, "2000-01-02 00:00:00.000001"}, {1184, "2000-01-01 00:00:00+00"}});
  ExpectEveryTypeRow(batch);
}

TEST(TextValues, NumericsKeepTheirValueAtEveryScale) {
  const std::vector<std::pair<std::string, double>> cases = {
      {"0", 0.0}, {"0.0001", 0.0001}, {"10000", 10000.0}, {"123456789.987654321", 123456789.987654321},
      {"-0.5", -0.5}, {"99999999999999999999", 1e20}, {"0.00000000000000000001", 1e-20}, {"7.00", 7.0}};
  for (const auto& [text, expected] : cases) {
    RecordBatch batch = Decode({{1700, text}});
    EXPECT_EQ(expected, batch.columns[0].Double(0)) << text;
  }
}

TEST(TextValues, OffsetsBcDatesAndFractionsLandOnTheirInstant) {
  RecordBatch batch = Decode({{1184, "2015-01-01 05:30:00+05:30"}, {1184, "2014-12-31 19:00:00.25-05"},
                              {1082, "2015-01-01"}, {1082, "0001-12-31 BC"}, {1114, "0001-01-01 00:00:00"}});
  const int64_t new_year_2015 = (10957 + 5479) * kDay;  // 15 years, 4 of them leap
  EXPECT_EQ(new_year_2015, batch.columns[0].Int(0));
  EXPECT_EQ(new_year_2015 + 250000, batch.columns[1].Int(0));
  EXPECT_EQ(new_year_2015, batch.columns[2].Int(0));
  // 1 BC is the year before 1 AD: its last day is the day before 0001-01-01.
  EXPECT_EQ(batch.columns[4].Int(0) - kDay, batch.columns[3].Int(0));
}

TEST(TextValues, NaNAndInfinitiesAreMissingValuesAsInBinary) {
  RecordBatch batch = Decode({{701, "NaN"}, {701, "-Infinity"}, {1700, "NaN"}, {1700, "Infinity"}, {1082, "infinity"},
                              {1184, "-infinity"}});
  for (size_t c = 0; c < batch.columns.size(); ++c) EXPECT_TRUE(batch.columns[c].IsNull(0)) << c;
}

TEST(TextValues, TextThatIsNotAValueOfTheTypeIsAnErrorNamingIt) {
  for (const auto& [wire, text] : std::vector<std::pair<PgWireType, std::string>>{
           {PgWireType::kInt4, "12x"}, {PgWireType::kInt2, "70000"}, {PgWireType::kFloat8, ""},
           {PgWireType::kNumeric, "1e5"}, {PgWireType::kBool, "yes"}, {PgWireType::kDate, "01/02/2015"},
           {PgWireType::kTimestamp, "2015-01-01T00:00:00"}, {PgWireType::kTimestamp, "2015-01-01 00:00:00+5"},
           // Found by the copy_binary fuzzer: a year of 40 digits overflowed.
           {PgWireType::kDate, "5555555555555555555555555555555555555555-01-01"}}) {
    std::string out;
    try {
      AppendBinaryFromText(wire, text, out, "trips.fare");
      ADD_FAILURE() << "accepted '" << text << "'";
    } catch (const Error& error) {
      EXPECT_EQ(ErrorKind::kInputData, error.kind());
      EXPECT_NE(std::string(error.what()).find(std::string("trips.fare: the server sent '") + text + "'"), std::string::npos)
          << error.what();
    }
  }
}

}  // namespace
}  // namespace sluice
