#include "data/expression.h"

#include <gtest/gtest.h>

#include <cmath>

#include "common/error.h"
#include "data/value_parser.h"

namespace sluice {
namespace {

RecordBatch MakeBatch() {
  RecordBatch batch;
  batch.schema = Schema({{"x", DataType::kFloat64}, {"n", DataType::kInt64}, {"s", DataType::kString},
                         {"t", DataType::kTimestamp}, {"odd name", DataType::kInt64}});
  batch.columns = {Column(DataType::kFloat64), Column(DataType::kInt64), Column(DataType::kString),
                   Column(DataType::kTimestamp), Column(DataType::kInt64)};
  batch.columns[0].AppendDouble(1.5);
  batch.columns[0].AppendNull();
  batch.columns[0].AppendDouble(-4);
  batch.columns[1].AppendInt(3);
  batch.columns[1].AppendInt(0);
  batch.columns[1].AppendNull();
  batch.columns[2].AppendString("a");
  batch.columns[2].AppendString("b");
  batch.columns[2].AppendNull();
  int64_t t;
  ParseTimestamp("2015-01-04 18:30:00", &t);  // a Sunday
  batch.columns[3].AppendInt(t);
  batch.columns[3].AppendInt(t + 90LL * 60 * 1000000);
  batch.columns[3].AppendNull();
  for (int i = 0; i < 3; ++i) batch.columns[4].AppendInt(i);
  batch.lines = {1, 2, 3};
  return batch;
}

std::shared_ptr<const Column> Eval(const std::string& text) {
  RecordBatch batch = MakeBatch();
  auto expression = Expression::Compile(text, batch.schema, "test");
  auto result = expression->Evaluate(batch);
  // Copy: the result may borrow from the batch.
  return std::make_shared<Column>(*result);
}

TEST(Expression, ArithmeticPropagatesNullsAndDivisionByZeroIsNull) {
  auto result = Eval("x * 2 + n / n");
  ASSERT_EQ(result->type(), DataType::kFloat64);
  EXPECT_DOUBLE_EQ(result->Double(0), 4.0);
  EXPECT_TRUE(result->IsNull(1));  // x null, and 0/0
  EXPECT_TRUE(result->IsNull(2));
}

TEST(Expression, IntegerArithmeticStaysInteger) {
  auto result = Eval("n * 2 - 1");
  ASSERT_EQ(result->type(), DataType::kInt64);
  EXPECT_EQ(result->Int(0), 5);
  EXPECT_EQ(result->Int(1), -1);
}

TEST(Expression, ThreeValuedLogic) {
  auto result = Eval("x > 0 or n = 0");
  EXPECT_EQ(result->Int(0), 1);
  EXPECT_EQ(result->Int(1), 1);   // null or true = true
  EXPECT_TRUE(result->IsNull(2));  // false or null = null
  auto conjunction = Eval("x > 0 and n > 100");
  EXPECT_EQ(conjunction->Int(0), 0);
  EXPECT_FALSE(conjunction->IsNull(2));  // false and null = false
}

TEST(Expression, TimeFunctions) {
  auto hour = Eval("hour(t)");
  EXPECT_EQ(hour->Int(0), 18);
  EXPECT_EQ(hour->Int(1), 20);
  auto dow = Eval("dayofweek(t)");
  EXPECT_EQ(dow->Int(0), 0);  // Sunday
  auto minutes = Eval("minutes_between(t, t)");
  EXPECT_DOUBLE_EQ(minutes->Double(1), 0);
  auto later = Eval("t > '2015-01-04 19:00:00'");
  EXPECT_EQ(later->Int(0), 0);
  EXPECT_EQ(later->Int(1), 1);
}

TEST(Expression, HaversineOfKnownDistance) {
  RecordBatch batch = MakeBatch();
  auto expression = Expression::Compile("haversine_km(40.7580, -73.9855, 40.6413, -73.7781)", batch.schema, "test");
  auto result = expression->Evaluate(batch);
  EXPECT_NEAR(result->Double(0), 21.6, 0.2);  // Times Square to JFK
}

TEST(Expression, NullHandlingFunctions) {
  auto result = Eval("coalesce(x, n, 7)");
  EXPECT_DOUBLE_EQ(result->Double(0), 1.5);
  EXPECT_DOUBLE_EQ(result->Double(1), 0);
  EXPECT_DOUBLE_EQ(result->Double(2), -4);
  auto is_null = Eval("is_null(s)");
  EXPECT_EQ(is_null->Int(2), 1);
  EXPECT_FALSE(is_null->IsNull(2));
  auto log = Eval("log1p(x)");
  EXPECT_TRUE(log->IsNull(2));  // log1p(-4) is not a number
  auto choose = Eval("if(n > 1, 'big', s)");
  EXPECT_EQ(choose->String(0), "big");
  EXPECT_EQ(choose->String(1), "b");
}

TEST(Expression, QuotedColumnNames) {
  auto result = Eval("\"odd name\" + `odd name`");
  EXPECT_EQ(result->Int(2), 4);
}

void ExpectUsageError(const std::string& text, const std::string& fragment) {
  RecordBatch batch = MakeBatch();
  try {
    Expression::Compile(text, batch.schema, "prep.filter");
    FAIL() << "expected an error for " << text;
  } catch (const Error& error) {
    EXPECT_EQ(error.kind(), ErrorKind::kUsage);
    EXPECT_NE(std::string(error.what()).find(fragment), std::string::npos) << error.what();
    EXPECT_NE(std::string(error.what()).find("prep.filter"), std::string::npos) << error.what();
  }
}

TEST(Expression, ErrorsNameTheProblemAndPosition) {
  ExpectUsageError("fare > 0", "unknown column 'fare'");
  ExpectUsageError("x > ", "unexpected end of expression");
  ExpectUsageError("s + 1", "needs numbers");
  ExpectUsageError("nosuch(x)", "unknown function 'nosuch'");
  ExpectUsageError("hour(x)", "must be a timestamp");
  ExpectUsageError("x > 0 and n", "needs conditions");
  ExpectUsageError("'unterminated", "unterminated quote");
  ExpectUsageError("1 < x < 2", "do not chain");
  ExpectUsageError("x $ 2", "position 3");
}

}  // namespace
}  // namespace sluice
