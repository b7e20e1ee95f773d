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

TEST(ClassificationMetrics, MacroAveragesEachClassAndCountsTheConfusion) {
  // Three classes; class 2 is never predicted.
  std::vector<int> labels = {0, 0, 1, 1, 2};
  std::vector<float> probabilities = {0.9f, 0.1f, 0.0f,   // 0 -> 0
                                      0.2f, 0.7f, 0.1f,   // 0 -> 1
                                      0.1f, 0.8f, 0.1f,   // 1 -> 1
                                      0.1f, 0.6f, 0.3f,   // 1 -> 1
                                      0.5f, 0.4f, 0.1f};  // 2 -> 0
  std::vector<std::vector<int64_t>> confusion;
  MetricList metrics = ClassificationMetrics(labels, probabilities, 3, &confusion);
  auto get = [&](const std::string& name) {
    for (const auto& [key, value] : metrics) {
      if (key == name) return value;
    }
    return -1.0;
  };
  EXPECT_DOUBLE_EQ(get("accuracy"), 0.6);
  // precision: class 0 1/2, class 1 2/3, class 2 0 -> mean 7/18
  EXPECT_NEAR(get("precision_macro"), 7.0 / 18, 1e-12);
  // recall: 1/2, 1, 0 -> 1/2
  EXPECT_NEAR(get("recall_macro"), 0.5, 1e-12);
  EXPECT_EQ(get("auc"), -1.0);  // only for two classes
  EXPECT_EQ(confusion, (std::vector<std::vector<int64_t>>{{1, 1, 0}, {0, 2, 0}, {1, 0, 0}}));
  // A fourth class, neither in the labels nor predicted, does not count.
  std::vector<float> four;
  for (size_t i = 0; i < labels.size(); ++i) {
    four.insert(four.end(), probabilities.begin() + i * 3, probabilities.begin() + i * 3 + 3);
    four.push_back(0.0f);
  }
  MetricList with_absent = ClassificationMetrics(labels, four, 4, nullptr);
  EXPECT_NEAR(with_absent[1].second, 7.0 / 18, 1e-12);
  EXPECT_NEAR(with_absent[2].second, 0.5, 1e-12);
  MetricList binary = ClassificationMetrics({0, 1, 1, 0}, {0.8f, 0.2f, 0.3f, 0.7f, 0.1f, 0.9f, 0.6f, 0.4f}, 2, nullptr);
  EXPECT_EQ(binary.back().first, "auc");
  EXPECT_DOUBLE_EQ(binary.back().second, 1.0);
}

}  // namespace
}  // namespace sluice
