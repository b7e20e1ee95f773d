#include "io/postgres/copy_binary.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>

#include "common/error.h"
#include "io/postgres/every_type_row.h"
#include "io/postgres/postgres_connection.h"

namespace sluice {
namespace {

// A COPY BINARY tuple built by hand, as the server sends one.
class Tuple {
 public:
  explicit Tuple(int fields) { Put16(static_cast<uint16_t>(fields)); }
  Tuple& Null() {
    Put32(0xffffffffu);
    return *this;
  }
  Tuple& Bytes(const std::string& bytes) {
    Put32(static_cast<uint32_t>(bytes.size()));
    data_ += bytes;
    return *this;
  }
  Tuple& Int(int64_t value, int width) {
    std::string bytes;
    for (int shift = (width - 1) * 8; shift >= 0; shift -= 8) bytes += static_cast<char>((static_cast<uint64_t>(value) >> shift) & 0xff);
    return Bytes(bytes);
  }
  Tuple& Double(double value) {
    uint64_t bits;
    std::memcpy(&bits, &value, 8);
    return Int(static_cast<int64_t>(bits), 8);
  }
  const std::string& data() const { return data_; }

 private:
  void Put16(uint16_t v) {
    data_ += static_cast<char>(v >> 8);
    data_ += static_cast<char>(v & 0xff);
  }
  void Put32(uint32_t v) {
    Put16(static_cast<uint16_t>(v >> 16));
    Put16(static_cast<uint16_t>(v & 0xffff));
  }
  std::string data_;
};

// numeric's binary form: ndigits, weight, sign, dscale, base-10000 digits.
std::string Numeric(std::vector<uint16_t> digits, int16_t weight, uint16_t sign) {
  Tuple out(0);
  std::string bytes;
  auto put = [&](uint16_t v) {
    bytes += static_cast<char>(v >> 8);
    bytes += static_cast<char>(v & 0xff);
  };
  put(static_cast<uint16_t>(digits.size()));
  put(static_cast<uint16_t>(weight));
  put(sign);
  put(0);
  for (auto d : digits) put(d);
  return bytes;
}

std::vector<PgColumn> Columns(std::vector<std::pair<std::string, uint32_t>> named) {
  std::vector<PgColumn> out;
  for (const auto& [name, oid] : named) out.push_back(*MapPostgresType(name, oid));
  return out;
}

Schema SchemaOf(const std::vector<PgColumn>& columns) {
  Schema schema;
  for (const auto& column : columns) schema.Add({column.name, column.type});
  return schema;
}

TEST(CopyBinary, EveryMappedTypeDecodesToItsExactValue) {
  auto columns = Columns({{"flag", 16}, {"small", 21}, {"count", 23}, {"big", 20}, {"ratio", 700}, {"fare", 701},
                          {"amount", 1700}, {"name", 1043}, {"code", 1042}, {"day", 1082}, {"at", 1114}, {"utc", 1184}});
  Tuple tuple(12);
  tuple.Int(1, 1).Int(-7, 2).Int(123456, 4).Int(-9000000000LL, 8).Int(0x3fc00000, 4).Double(12.5)
      .Bytes(Numeric({12, 3400}, 0, 0x4000))  // -12.34
      .Bytes("héllo").Bytes("ab  ")
      .Int(-1, 4)                                     // 1999-12-31
      .Int(86400LL * 1000000LL + 1, 8)                // 2000-01-02 00:00:00.000001
      .Int(0, 8);                                     // 2000-01-01 UTC
  TextConversion conversion;
  BatchBuilder builder(SchemaOf(columns), conversion);
  ASSERT_EQ(tuple.data().size(), CopyTupleSize(tuple.data(), columns.size(), "t"));
  ASSERT_TRUE(DecodeCopyTuple(tuple.data(), columns, builder, 1, "t"));
  ExpectEveryTypeRow(builder.Finish());
}

TEST(CopyBinary, NullsNaNAndInfinitiesAreMissingValues) {
  auto columns = Columns({{"fare", 701}, {"amount", 1700}, {"day", 1082}, {"at", 1184}, {"name", 25}});
  Tuple tuple(5);
  tuple.Double(NAN).Bytes(Numeric({}, 0, 0xD000)).Int(0x7fffffff, 4).Int(INT64_MIN, 8).Null();
  TextConversion conversion;
  BatchBuilder builder(SchemaOf(columns), conversion);
  ASSERT_TRUE(DecodeCopyTuple(tuple.data(), columns, builder, 1, "t"));
  RecordBatch batch = builder.Finish();
  for (size_t c = 0; c < columns.size(); ++c) EXPECT_TRUE(batch.columns[c].IsNull(0)) << columns[c].name;
}

TEST(CopyBinary, DatesAndTimestampsPastSluicesRangeRejectTheirRowNotOverflow) {
  // Found by the copy_binary fuzzer: PostgreSQL's dates reach 5874897 AD,
  // past the microseconds an int64 holds.
  auto columns = Columns({{"day", 1082}, {"at", 1114}});
  TextConversion conversion;
  BatchBuilder builder(SchemaOf(columns), conversion);
  Tuple far_date(2);
  far_date.Int(2147483000, 4).Int(0, 8);
  ASSERT_TRUE(DecodeCopyTuple(far_date.data(), columns, builder, 2, "t"));
  Tuple far_time(2);
  far_time.Int(0, 4).Int(INT64_MAX - 5, 8);
  ASSERT_TRUE(DecodeCopyTuple(far_time.data(), columns, builder, 3, "t"));
  Tuple fine(2);
  fine.Int(1, 4).Int(1, 8);
  ASSERT_TRUE(DecodeCopyTuple(fine.data(), columns, builder, 4, "t"));
  RecordBatch batch = builder.Finish();
  ASSERT_EQ(1u, batch.num_rows());
  ASSERT_EQ(2u, batch.rejects.size());
  EXPECT_NE(batch.rejects[0].reason.find("column day: date out of the range sluice holds"), std::string::npos);
  EXPECT_NE(batch.rejects[1].reason.find("column at: timestamp out of the range sluice holds"), std::string::npos);
}

TEST(CopyBinary, NumericIsTheDoubleNearestItsDecimal) {
  EXPECT_EQ(0.1, NumericToDouble(Numeric({1000}, -1, 0)));                 // 0.1
  EXPECT_EQ(123456789.000001, NumericToDouble(Numeric({1, 2345, 6789, 0, 100}, 2, 0)));
  EXPECT_EQ(1e40, NumericToDouble(Numeric({1}, 10, 0)));
  EXPECT_EQ(0.0, NumericToDouble(Numeric({}, 0, 0)));
  EXPECT_TRUE(std::isnan(NumericToDouble(Numeric({}, 0, 0xC000))));
}

TEST(CopyBinary, AValueThatDoesNotFitAnOverriddenTypeRejectsItsRowNamingTheColumn) {
  auto columns = Columns({{"flag", 23}, {"at", 1114}});
  columns[0].type = DataType::kBool;  // source.schema.flag: bool
  Tuple good(2), bad(2);
  good.Int(1, 4).Int(0, 8);
  bad.Int(5, 4).Int(0, 8);
  TextConversion conversion;
  BatchBuilder builder(SchemaOf(columns), conversion);
  DecodeCopyTuple(good.data(), columns, builder, 1, "t");
  DecodeCopyTuple(bad.data(), columns, builder, 2, "t");
  RecordBatch batch = builder.Finish();
  EXPECT_EQ(1u, batch.num_rows());
  ASSERT_EQ(1u, batch.rejects.size());
  EXPECT_EQ(2, batch.rejects[0].line);
  EXPECT_NE(std::string::npos, batch.rejects[0].reason.find("flag")) << batch.rejects[0].reason;
}

TEST(CopyBinary, ATruncatedOrMisshapenStreamIsAnErrorNotAGuess) {
  Tuple tuple(2);
  tuple.Int(1, 4).Int(2, 4);
  EXPECT_EQ(0u, CopyTupleSize(tuple.data().substr(0, tuple.data().size() - 1), 2, "t"));  // wait for the rest
  EXPECT_THROW(CopyTupleSize(tuple.data(), 3, "t"), Error);                             // 2 fields, 3 columns
  EXPECT_EQ(2u, CopyTupleSize(std::string("\xff\xff", 2), 2, "t"));                     // the trailer
  EXPECT_THROW(CopyBinaryHeaderSize("PGCOPY\nnot binary at all", "t"), Error);
  const std::string header("PGCOPY\n\377\r\n\0\0\0\0\0\0\0\0\0", 19);
  EXPECT_EQ(19u, CopyBinaryHeaderSize(header, "t"));
  EXPECT_FALSE(MapPostgresType("doc", 3802).has_value());  // jsonb: refused by the source, named
}

TEST(PostgresUri, APasswordIsNeverShown) {
  EXPECT_EQ("postgres://ann:***@db.example:5432/trips", RedactUri("postgres://ann:s3cret@db.example:5432/trips"));
  EXPECT_EQ("postgresql://ann@db/trips?sslmode=require&password=***",
            RedactUri("postgresql://ann@db/trips?sslmode=require&password=s3cret"));
  EXPECT_EQ("postgres://db/trips", RedactUri("postgres://db/trips"));
  EXPECT_EQ("data/trips.csv", RedactUri("data/trips.csv"));
  PostgresTarget target = SplitPostgresUri("postgres://ann:pw@db/trips?table=predictions&sslmode=disable");
  EXPECT_EQ("postgres://ann:pw@db/trips?sslmode=disable", target.conninfo);
  EXPECT_EQ("predictions", target.table);
  // A source's own parameters are sluice's too: libpq never sees them.
  target = SplitPostgresUri("postgres://db/trips?partition_by=day&connect_timeout=3&partitions=8&read=copy");
  EXPECT_EQ("postgres://db/trips?connect_timeout=3", target.conninfo);
  EXPECT_EQ("day", target.partition_by);
  EXPECT_EQ("8", target.partitions);
  EXPECT_EQ("copy", target.read);
  EXPECT_EQ("\"public\".\"odd \"\"name\"\"\"", QuoteQualifiedName("public.odd \"name\""));
}

}  // namespace
}  // namespace sluice
