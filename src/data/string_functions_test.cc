#include <gtest/gtest.h>

#include "common/error.h"
#include "data/expression.h"
#include "data/value_parser.h"

namespace sluice {
namespace {

// One string column `s` of real-world dirt, and an int column `n`.
RecordBatch Texts() {
  RecordBatch batch;
  batch.schema = Schema({{"s", DataType::kString}, {"n", DataType::kInt64}});
  batch.columns = {Column(DataType::kString), Column(DataType::kInt64)};
  for (const char* text : {"  Straße UTC ", "2015-05-07 19:52:06 UTC", "a,b,,c", "Ünïcödé"}) {
    batch.columns[0].AppendString(text);
  }
  batch.columns[0].AppendNull();
  for (int64_t n : {1, 2, 3, 4, 5}) batch.columns[1].AppendInt(n);
  batch.lines = {1, 2, 3, 4, 5};
  return batch;
}

// The results of `text` on Texts() as strings ("NULL" for null).
std::vector<std::string> Eval(const std::string& text) {
  RecordBatch batch = Texts();
  auto expression = Expression::Compile(text, batch.schema, "test");
  auto column = expression->Evaluate(batch);
  std::vector<std::string> out;
  for (size_t row = 0; row < column->size(); ++row) {
    if (column->IsNull(row)) {
      out.push_back("NULL");
    } else if (column->type() == DataType::kString) {
      out.emplace_back(column->String(row));
    } else if (column->type() == DataType::kFloat64) {
      out.push_back(std::to_string(column->Double(row)));
    } else if (column->type() == DataType::kTimestamp) {
      std::string stamp;
      AppendTimestamp(stamp, column->Int(row));
      out.push_back(stamp);
    } else {
      out.push_back(std::to_string(column->Int(row)));
    }
  }
  return out;
}

using Strings = std::vector<std::string>;

TEST(StringFunctions, CaseTrimAndLengthCountCodePoints) {
  EXPECT_EQ(Eval("lower(s)")[3], "ünïcödé");
  EXPECT_EQ(Eval("upper(s)")[3], "ÜNÏCÖDÉ");
  EXPECT_EQ(Eval("trim(s)")[0], "Straße UTC");
  EXPECT_EQ(Eval("ltrim(s)")[0], "Straße UTC ");
  EXPECT_EQ(Eval("rtrim(s)")[0], "  Straße UTC");
  EXPECT_EQ(Eval("length(s)"), (Strings{"13", "23", "6", "7", "NULL"}));
}

TEST(StringFunctions, SubstrCountsFromOneAndFromTheEnd) {
  EXPECT_EQ(Eval("substr(s, 1, 10)")[1], "2015-05-07");
  EXPECT_EQ(Eval("substr(s, -3)")[1], "UTC");
  EXPECT_EQ(Eval("substr(s, 3, 3)")[3], "ïcö");
  EXPECT_EQ(Eval("substr(s, 0, 2)")[3], "Ü");
  EXPECT_EQ(Eval("substring(s, 100)")[3], "");
  EXPECT_EQ(Eval("substr(s, 2, -1)")[3], "");
  EXPECT_EQ(Eval("substr(s, n)")[4], "NULL");
}

TEST(StringFunctions, ReplaceSplitPartConcatAndAffixes) {
  EXPECT_EQ(Eval("replace(s, ' UTC', '')")[1], "2015-05-07 19:52:06");
  EXPECT_EQ(Eval("split_part(s, ',', 4)")[2], "c");
  EXPECT_EQ(Eval("split_part(s, ',', 3)")[2], "");
  EXPECT_EQ(Eval("split_part(s, ',', -1)")[2], "c");
  EXPECT_EQ(Eval("split_part(s, ',', 9)")[2], "");
  EXPECT_EQ(Eval("concat(n, '-', s)"), (Strings{"1-  Straße UTC ", "2-2015-05-07 19:52:06 UTC", "3-a,b,,c", "4-Ünïcödé", "5-"}));
  EXPECT_EQ(Eval("starts_with(s, '2015')"), (Strings{"0", "1", "0", "0", "NULL"}));
  EXPECT_EQ(Eval("ends_with(s, 'UTC')"), (Strings{"0", "1", "0", "0", "NULL"}));
  EXPECT_EQ(Eval("contains(s, ',,')"), (Strings{"0", "0", "1", "0", "NULL"}));
}

TEST(StringFunctions, RegularExpressionsAreRe2AndCompiledOnce) {
  EXPECT_EQ(Eval("regexp_matches(s, '^\\d{4}-')"), (Strings{"0", "1", "0", "0", "NULL"}));
  EXPECT_EQ(Eval("regexp_extract(s, '(\\d+):(\\d+)', 2)")[1], "52");
  EXPECT_EQ(Eval("regexp_extract(s, '(\\d+):(\\d+)')")[1], "19:52");
  EXPECT_EQ(Eval("regexp_extract(s, 'x(y)', 1)")[0], "");
  EXPECT_EQ(Eval("regexp_replace(s, '\\s+', '_')")[0], "_Straße_UTC_");
  EXPECT_EQ(Eval("regexp_replace(s, '(\\d+)-(\\d+)', '\\2/\\1')")[1], "05/2015-07 19:52:06 UTC");
  // A pathological pattern for backtracking engines runs in linear time.
  EXPECT_EQ(Eval("regexp_matches(s, '(a*)*b')")[2], "1");
  EXPECT_THROW(Eval("regexp_matches(s, '(')"), Error);
  EXPECT_THROW(Eval("regexp_matches(s, s)"), Error);
  EXPECT_THROW(Eval("regexp_extract(s, '(a)', 2)"), Error);
}

TEST(StringFunctions, StrptimeAndCastGiveNullForWhatDoesNotConvert) {
  EXPECT_EQ(Eval("strptime(replace(s, ' UTC', ''), '%Y-%m-%d %H:%M:%S')"),
            (Strings{"NULL", "2015-05-07 19:52:06", "NULL", "NULL", "NULL"}));
  EXPECT_EQ(Eval("cast(s as timestamp)")[1], "2015-05-07 19:52:06");
  EXPECT_EQ(Eval("cast(split_part(s, '-', 1) as int64)")[1], "2015");
  EXPECT_EQ(Eval("cast(s as float64)")[2], "NULL");
  EXPECT_EQ(Eval("cast(n as string)")[0], "1");
  EXPECT_EQ(Eval("cast(n * 1.5 as int64)")[0], "2");
  EXPECT_EQ(Eval("cast(n > 2 as string)")[2], "true");
  EXPECT_EQ(Eval("year(cast(1430999526 as timestamp))")[0], "2015");
  EXPECT_THROW(Eval("cast(s as money)"), Error);
  EXPECT_THROW(Eval("cast(s int64)"), Error);
  EXPECT_THROW(Eval("strptime(s, 'dd/mm')"), Error);
}

TEST(StringFunctions, WrongArgumentsAreUsageErrorsNamingTheFunction) {
  try {
    Eval("substr(s)");
    FAIL();
  } catch (const Error& error) {
    EXPECT_NE(std::string(error.what()).find("substr() takes 2 to 3 arguments"), std::string::npos) << error.what();
  }
  try {
    Eval("lower(n)");
    FAIL();
  } catch (const Error& error) {
    EXPECT_NE(std::string(error.what()).find("lower() argument 1 must be a string, got int64"), std::string::npos)
        << error.what();
  }
}

}  // namespace
}  // namespace sluice
