#include "train/dense_matrix.h"

namespace sluice {

std::vector<float> DenseMatrix::AllLabels() const {
  std::vector<float> labels;
  labels.reserve(num_rows());
  for (const auto& block : blocks) labels.insert(labels.end(), block.labels.begin(), block.labels.end());
  return labels;
}

}  // namespace sluice
