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

MetricList ClassificationMetrics(const std::vector<int>& labels, const std::vector<float>& probabilities, int classes,
                                 std::vector<std::vector<int64_t>>* confusion) {
  std::vector<std::vector<int64_t>> counts(static_cast<size_t>(classes), std::vector<int64_t>(static_cast<size_t>(classes), 0));
  int64_t correct = 0;
  for (size_t i = 0; i < labels.size(); ++i) {
    const float* p = probabilities.data() + i * static_cast<size_t>(classes);
    int predicted = static_cast<int>(std::max_element(p, p + classes) - p);
    ++counts[static_cast<size_t>(labels[i])][static_cast<size_t>(predicted)];
    correct += predicted == labels[i];
  }
  double precision = 0, recall = 0, f1 = 0;
  int present = 0;
  for (int c = 0; c < classes; ++c) {
    int64_t true_positive = counts[c][c], predicted = 0, actual = 0;
    for (int k = 0; k < classes; ++k) {
      predicted += counts[k][c];
      actual += counts[c][k];
    }
    // A class neither in the split nor predicted there says nothing about
    // the model (scikit-learn's default averages over the same classes).
    if (predicted == 0 && actual == 0) continue;
    ++present;
    double p = predicted > 0 ? static_cast<double>(true_positive) / predicted : 0;
    double r = actual > 0 ? static_cast<double>(true_positive) / actual : 0;
    precision += p;
    recall += r;
    f1 += p + r > 0 ? 2 * p * r / (p + r) : 0;
  }
  const double average_over = std::max(present, 1);
  MetricList metrics = {{"accuracy", labels.empty() ? 0 : static_cast<double>(correct) / labels.size()},
                        {"precision_macro", precision / average_over},
                        {"recall_macro", recall / average_over},
                        {"f1_macro", f1 / average_over}};
  if (classes == 2) {
    std::vector<float> binary_labels(labels.size()), scores(labels.size());
    for (size_t i = 0; i < labels.size(); ++i) {
      binary_labels[i] = static_cast<float>(labels[i]);
      scores[i] = probabilities[i * 2 + 1];
    }
    for (const auto& [name, value] : BinaryMetrics(binary_labels, scores)) {
      if (name == "auc") metrics.emplace_back("auc", value);
    }
  }
  if (confusion) *confusion = std::move(counts);
  return metrics;
}

bool MetricHigherIsBetter(const std::string& metric) {
  for (const char* prefix : {"auc", "map", "ndcg", "pre"}) {
    if (metric.rfind(prefix, 0) == 0) return true;
  }
  return false;
}

}  // namespace sluice
