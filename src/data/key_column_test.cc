#include "data/key_column.h"

#include <gtest/gtest.h>

namespace sluice {
namespace {

Column Integers(const std::vector<int64_t>& values) {
  Column column(DataType::kInt64);
  for (int64_t value : values) column.AppendInt(value);
  return column;
}

std::vector<int64_t> Range(int64_t first, int64_t count, int64_t step) {
  std::vector<int64_t> values;
  for (int64_t i = 0; i < count; ++i) values.push_back(first + i * step);
  return values;
}

TEST(KeyColumn, IncreasingOrDecreasingUniqueIntegersAreARowIndex) {
  EXPECT_EQ(KeyColumnReason(Integers(Range(0, 100, 1))), "a row index: unique, increasing integers");
  EXPECT_EQ(KeyColumnReason(Integers(Range(1000, 100, -3))), "a row index: unique, decreasing integers");
}

TEST(KeyColumn, UniqueIntegersInNoOrderAreAnIdentifier) {
  std::vector<int64_t> values = Range(0, 100, 7919);
  std::swap(values[3], values[50]);
  EXPECT_EQ(KeyColumnReason(Integers(values)), "an identifier: a different integer in every row");
}

TEST(KeyColumn, RepeatedValuesSmallSamplesAndFloatsAreNotKeys) {
  std::vector<int64_t> counts;
  for (int i = 0; i < 100; ++i) counts.push_back(1 + i % 4);  // passenger_count
  EXPECT_EQ(KeyColumnReason(Integers(counts)), "");
  EXPECT_EQ(KeyColumnReason(Integers(Range(0, kKeyColumnMinValues - 1, 1))), "");
  Column floats(DataType::kFloat64);
  for (int i = 0; i < 100; ++i) floats.AppendDouble(i * 0.5);
  EXPECT_EQ(KeyColumnReason(floats), "");
}

TEST(KeyColumn, NullsDoNotCountAndAStringPerRowIsAnIdentifier) {
  Column strings(DataType::kString);
  for (int i = 0; i < 80; ++i) {
    if (i % 5 == 0) {
      strings.AppendNull();
    } else {
      strings.AppendString("trip-" + std::to_string(i));
    }
  }
  EXPECT_EQ(KeyColumnReason(strings), "an identifier: a different string in every row");
  strings.AppendString("trip-1");
  EXPECT_EQ(KeyColumnReason(strings), "");
}

}  // namespace
}  // namespace sluice
