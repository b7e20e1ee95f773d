#pragma once
// The training matrix: rows of float32 features (NaN = missing) with their
// labels, kept in the blocks prep produced them in, so building it needs no
// second copy and a learner can take the blocks one at a time.

#include <cstddef>
#include <vector>

namespace sluice {

struct DenseBlock {
  std::vector<float> values;  // rows x num_features, row-major
  std::vector<float> labels;
  size_t rows() const { return labels.size(); }
};

struct DenseMatrix {
  size_t num_features = 0;
  std::vector<DenseBlock> blocks;

  size_t num_rows() const {
    size_t rows = 0;
    for (const auto& block : blocks) rows += block.rows();
    return rows;
  }
  size_t size_bytes() const { return num_rows() * num_features * sizeof(float); }
  std::vector<float> AllLabels() const;
};

}  // namespace sluice
