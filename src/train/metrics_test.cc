#include "train/metrics.h"

#include <gtest/gtest.h>

#include <cmath>
#include <map>

namespace sluice {
namespace {

std::map<std::string, double> AsMap(const MetricList& list) { return {list.begin(), list.end()}; }

TEST(Metrics, RegressionAgainstHandComputedValues) {
  // errors: 1, -1, 2, 0; labels mean 2.5, total sum of squares 5
  auto m = AsMap(RegressionMetrics({1, 2, 3, 4}, {2, 1, 5, 4}));
  EXPECT_DOUBLE_EQ(m["mse"], 6.0 / 4);
  EXPECT_DOUBLE_EQ(m["rmse"], std::sqrt(1.5));
  EXPECT_DOUBLE_EQ(m["mae"], 1.0);
  EXPECT_DOUBLE_EQ(m["r2"], 1.0 - 6.0 / 5.0);
}

TEST(Metrics, BinaryAgainstHandComputedValues) {
  // threshold 0.5: predictions 1,1,0,0,1 for labels 1,0,1,0,1 -> tp 2, fp 1, fn 1, tn 1
  auto m = AsMap(BinaryMetrics({1, 0, 1, 0, 1}, {0.9f, 0.6f, 0.4f, 0.2f, 0.7f}));
  EXPECT_DOUBLE_EQ(m["accuracy"], 3.0 / 5);
  EXPECT_DOUBLE_EQ(m["precision"], 2.0 / 3);
  EXPECT_DOUBLE_EQ(m["recall"], 2.0 / 3);
  EXPECT_DOUBLE_EQ(m["f1"], 2.0 / 3);
  // positive scores 0.9, 0.4, 0.7 vs negatives 0.6, 0.2: 5 of 6 pairs ordered right
  EXPECT_DOUBLE_EQ(m["auc"], 5.0 / 6);
}

TEST(Metrics, AucCountsTiesAsHalf) {
  auto m = AsMap(BinaryMetrics({1, 0}, {0.5f, 0.5f}));
  EXPECT_DOUBLE_EQ(m["auc"], 0.5);
}

}  // namespace
}  // namespace sluice
