#pragma once
// A gradient-boosted forest evaluated natively, for the small batches a
// server scores (one to a few dozen rows): XGBoost's C API parses two JSON
// documents and builds a proxy matrix on every call, ~25 µs before the first
// tree is walked; walking this forest for one row takes ~1 µs.
//
// Built from the booster's own JSON (XGBoost 1.7's schema), for the trees
// XGBoost would use: numerical splits only (`fvalue < split` goes left, a
// missing value — NaN — goes the default way), leaf values summed in float in
// tree order from the base margin, then the objective's transform. Whether
// it reproduces XGBoost bit for bit is checked on load (see Matches); a
// forest that does not is not used.

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace sluice {

class TreeForest {
 public:
  // From XGBoost's JSON model; nullptr (and `why`) when the model has what
  // this evaluator does not do (categorical splits, multi-class, vector
  // leaves, an objective it does not know).
  static std::unique_ptr<TreeForest> FromXgboostJson(std::string_view json, std::string* why);

  size_t num_features() const { return num_features_; }
  // Per feature, the thresholds its splits test (to check the forest on).
  std::vector<std::vector<float>> SplitValues() const;
  // Scores `rows` rows of `num_features()` floats (row-major) into `out`.
  void Predict(const float* features, size_t rows, float* out) const;

 private:
  struct Node {
    int32_t left;     // absolute index of the left child; -1 for a leaf
    int32_t right;
    uint32_t feature;  // the split's feature; bit 31: missing goes left
    float value;       // the split's threshold, or the leaf's value
  };
  static constexpr uint32_t kDefaultLeft = 1u << 31;

  enum class Transform { kIdentity, kSigmoid };

  std::vector<Node> nodes_;
  std::vector<int32_t> roots_;
  float base_margin_ = 0;
  Transform transform_ = Transform::kIdentity;
  size_t num_features_ = 0;
};

}  // namespace sluice
