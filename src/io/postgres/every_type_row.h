#pragma once
// For the decoder's tests: the row of every mapped type that the binary
// test (copy_binary_test.cc) builds byte by byte and the text test
// (text_values_test.cc) from the server's text, and what sluice must hold
// for it — the same values, whichever way they came.

#include <gtest/gtest.h>

#include "data/record_batch.h"

namespace sluice {

// Columns: boolean, smallint, integer, bigint, real, double, numeric,
// varchar, char(n), date, timestamp, timestamptz.
inline void ExpectEveryTypeRow(const RecordBatch& batch) {
  constexpr int64_t kDay = 86400LL * 1000000LL;
  ASSERT_EQ(1u, batch.num_rows());
  ASSERT_EQ(12u, batch.columns.size());
  EXPECT_EQ(1, batch.columns[0].Int(0));
  EXPECT_EQ(-7, batch.columns[1].Int(0));
  EXPECT_EQ(123456, batch.columns[2].Int(0));
  EXPECT_EQ(-9000000000LL, batch.columns[3].Int(0));
  EXPECT_EQ(1.5, batch.columns[4].Double(0));
  EXPECT_EQ(12.5, batch.columns[5].Double(0));
  EXPECT_EQ(-12.34, batch.columns[6].Double(0));
  EXPECT_EQ("héllo", batch.columns[7].String(0));
  EXPECT_EQ("ab", batch.columns[8].String(0));  // char(n) padding dropped
  EXPECT_EQ((10957 - 1) * kDay, batch.columns[9].Int(0));          // 1999-12-31
  EXPECT_EQ((10957 + 1) * kDay + 1, batch.columns[10].Int(0));     // 2000-01-02 00:00:00.000001
  EXPECT_EQ(10957 * kDay, batch.columns[11].Int(0));               // 2000-01-01 UTC
}

}  // namespace sluice
