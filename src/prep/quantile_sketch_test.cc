#include "prep/quantile_sketch.h"

#include <gtest/gtest.h>

#include <cmath>

namespace sluice {
namespace {

TEST(QuantileSketch, MedianOfManyValuesIsClose) {
  QuantileSketch sketch;
  for (int i = 0; i < 100000; ++i) sketch.Add((i * 7919) % 100000);
  EXPECT_NEAR(sketch.Quantile(0.5), 50000, 1500);
  EXPECT_NEAR(sketch.Quantile(0.9), 90000, 1500);
}

TEST(QuantileSketch, MergedPartsAgreeWithOneSketch) {
  QuantileSketch whole, left, right;
  for (int i = 0; i < 50000; ++i) {
    double value = std::sin(i) * 1000;
    whole.Add(value);
    (i % 2 ? left : right).Add(value);
  }
  left.Merge(right);
  EXPECT_EQ(left.count(), whole.count());
  EXPECT_NEAR(left.Quantile(0.5), whole.Quantile(0.5), 40);
}

TEST(QuantileSketch, SmallInputsAreExact) {
  QuantileSketch sketch;
  for (double value : {5.0, 1.0, 3.0}) sketch.Add(value);
  EXPECT_EQ(sketch.Quantile(0.5), 3.0);
}

TEST(RunningMoments, MergeEqualsSinglePass) {
  RunningMoments all, a, b;
  for (int i = 0; i < 1000; ++i) {
    double value = i * 0.37 - 40;
    all.Add(value);
    (i < 300 ? a : b).Add(value);
  }
  a.Merge(b);
  EXPECT_NEAR(a.mean, all.mean, 1e-9);
  EXPECT_NEAR(a.variance(), all.variance(), 1e-6);
}

}  // namespace
}  // namespace sluice
