#include "train/metrics.h"

#include <algorithm>
#include <cmath>
#include <numeric>

namespace sluice {

MetricList RegressionMetrics(const std::vector<float>& labels, const std::vector<float>& predictions) {
  size_t n = labels.size();
  if (n == 0) return {};
  double sum_squared = 0, sum_absolute = 0, label_sum = 0;
  for (size_t i = 0; i < n; ++i) {
    double error = static_cast<double>(predictions[i]) - labels[i];
    sum_squared += error * error;
    sum_absolute += std::fabs(error);
    label_sum += labels[i];
  }
  double label_mean = label_sum / n;
  double total = 0;
  for (float label : labels) total += (label - label_mean) * (label - label_mean);
  double mse = sum_squared / n;
  return {{"mse", mse},
          {"rmse", std::sqrt(mse)},
          {"mae", sum_absolute / n},
          {"r2", total > 0 ? 1.0 - sum_squared / total : 0.0}};
}

MetricList BinaryMetrics(const std::vector<float>& labels, const std::vector<float>& scores) {
  size_t n = labels.size();
  if (n == 0) return {};
  double tp = 0, fp = 0, tn = 0, fn = 0;
  for (size_t i = 0; i < n; ++i) {
    bool predicted = scores[i] >= 0.5f;
    bool actual = labels[i] >= 0.5f;
    if (predicted && actual) ++tp;
    else if (predicted) ++fp;
    else if (actual) ++fn;
    else ++tn;
  }
  double precision = tp + fp > 0 ? tp / (tp + fp) : 0;
  double recall = tp + fn > 0 ? tp / (tp + fn) : 0;
  double f1 = precision + recall > 0 ? 2 * precision * recall / (precision + recall) : 0;
  // AUC from ranks (Mann-Whitney U), ties sharing their average rank.
  std::vector<size_t> order(n);
  std::iota(order.begin(), order.end(), 0);
  std::sort(order.begin(), order.end(), [&](size_t a, size_t b) { return scores[a] < scores[b]; });
  double positive_rank_sum = 0, positives = tp + fn, negatives = tn + fp;
  for (size_t i = 0; i < n;) {
    size_t j = i;
    while (j < n && scores[order[j]] == scores[order[i]]) ++j;
    double average_rank = (i + 1 + j) / 2.0;
    for (size_t k = i; k < j; ++k) {
      if (labels[order[k]] >= 0.5f) positive_rank_sum += average_rank;
    }
    i = j;
  }
  double auc = positives > 0 && negatives > 0
                   ? (positive_rank_sum - positives * (positives + 1) / 2) / (positives * negatives)
                   : 0.5;
  return {{"accuracy", (tp + tn) / n}, {"precision", precision}, {"recall", recall}, {"f1", f1}, {"auc", auc}};
}

}  // namespace sluice
