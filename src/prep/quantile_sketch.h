#pragma once
// A mergeable quantile sketch (KLL-style compactors) for the median imputer:
// memory stays O(k log n) whatever the input size, partial sketches from
// threads and ranks merge, and the result is deterministic for a given order
// of updates and merges (compaction offsets alternate, no randomness).

#include <cstddef>
#include <cstdint>
#include <vector>

#include "nlohmann/json.hpp"

namespace sluice {

class QuantileSketch {
 public:
  explicit QuantileSketch(size_t k = 256) : k_(k) {}

  void Add(double value);
  void Merge(const QuantileSketch& other);
  // The q-quantile (0 <= q <= 1) of the values added; 0 when empty.
  double Quantile(double q) const;
  uint64_t count() const { return count_; }

  // The sketch as JSON and back: partial sketches of other ranks travel so.
  nlohmann::json ToJson() const;
  static QuantileSketch FromJson(const nlohmann::json& json);

 private:
  void Compact();

  size_t k_;
  uint64_t count_ = 0;
  std::vector<std::vector<double>> levels_;  // level i items weigh 2^i
  uint64_t compactions_ = 0;
};

// Mean and variance in one pass (Welford), mergeable (Chan et al.).
struct RunningMoments {
  uint64_t count = 0;
  double mean = 0;
  double m2 = 0;

  void Add(double value) {
    ++count;
    double delta = value - mean;
    mean += delta / static_cast<double>(count);
    m2 += delta * (value - mean);
  }
  void Merge(const RunningMoments& other);
  double variance() const { return count > 1 ? m2 / static_cast<double>(count - 1) : 0; }
};

}  // namespace sluice
