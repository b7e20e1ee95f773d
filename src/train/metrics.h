#pragma once
// Evaluation metrics on a held-out split, as flat name -> value pairs in a
// fixed order (they go to metrics.json and the run summary as they are).

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace sluice {

using MetricList = std::vector<std::pair<std::string, double>>;

// mse, rmse, mae, r2.
MetricList RegressionMetrics(const std::vector<float>& labels, const std::vector<float>& predictions);
// accuracy, precision, recall, f1 (of class 1 at a 0.5 threshold) and auc
// (ROC, ties averaged). `scores` are probabilities of class 1.
MetricList BinaryMetrics(const std::vector<float>& labels, const std::vector<float>& scores);

// For a classifier of `classes` classes: accuracy and macro-averaged
// precision, recall and F1 (each class's, averaged with equal weight over
// the classes the labels hold or the predictions name), plus
// ROC AUC when there are two classes (`probabilities`: rows x classes).
// `confusion` (if given) gets counts[true class][predicted class].
MetricList ClassificationMetrics(const std::vector<int>& labels, const std::vector<float>& probabilities, int classes,
                                 std::vector<std::vector<int64_t>>* confusion);

// Whether a larger value of the named validation metric is better (auc,
// aucpr, map, ndcg, pre...); rmse, logloss, error and the rest are minimised.
bool MetricHigherIsBetter(const std::string& metric);

}  // namespace sluice
