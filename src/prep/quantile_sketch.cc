#include "prep/quantile_sketch.h"

#include <bit>

#include <algorithm>

namespace sluice {

void QuantileSketch::Add(double value) {
  if (levels_.empty()) levels_.emplace_back();
  levels_[0].push_back(value);
  ++count_;
  if (levels_[0].size() >= k_) Compact();
}

void QuantileSketch::Compact() {
  for (size_t level = 0; level < levels_.size(); ++level) {
    if (levels_[level].size() < k_) continue;
    if (level + 1 == levels_.size()) levels_.emplace_back();
    auto& items = levels_[level];
    std::sort(items.begin(), items.end());
    size_t offset = compactions_++ % 2;
    size_t keep_odd = items.size() % 2;
    // Keep one item back when the count is odd so no weight is lost.
    double held = keep_odd ? items.back() : 0;
    size_t even_size = items.size() - keep_odd;
    for (size_t i = offset; i < even_size; i += 2) levels_[level + 1].push_back(items[i]);
    items.clear();
    if (keep_odd) items.push_back(held);
  }
}

void QuantileSketch::Merge(const QuantileSketch& other) {
  if (levels_.size() < other.levels_.size()) levels_.resize(other.levels_.size());
  for (size_t level = 0; level < other.levels_.size(); ++level) {
    levels_[level].insert(levels_[level].end(), other.levels_[level].begin(), other.levels_[level].end());
  }
  count_ += other.count_;
  Compact();
}

// Values travel as their bits: exact, infinities and NaN included.
nlohmann::json QuantileSketch::ToJson() const {
  std::vector<std::vector<uint64_t>> bits;
  for (const auto& level : levels_) {
    bits.emplace_back();
    for (double value : level) bits.back().push_back(std::bit_cast<uint64_t>(value));
  }
  return {{"k", k_}, {"count", count_}, {"levels", bits}, {"compactions", compactions_}};
}

QuantileSketch QuantileSketch::FromJson(const nlohmann::json& json) {
  QuantileSketch sketch(json.at("k").get<size_t>());
  sketch.count_ = json.at("count").get<uint64_t>();
  for (const auto& level : json.at("levels").get<std::vector<std::vector<uint64_t>>>()) {
    sketch.levels_.emplace_back();
    for (uint64_t bits : level) sketch.levels_.back().push_back(std::bit_cast<double>(bits));
  }
  sketch.compactions_ = json.at("compactions").get<uint64_t>();
  return sketch;
}

double QuantileSketch::Quantile(double q) const {
  std::vector<std::pair<double, uint64_t>> weighted;
  uint64_t total = 0;
  for (size_t level = 0; level < levels_.size(); ++level) {
    for (double value : levels_[level]) {
      weighted.push_back({value, uint64_t{1} << level});
      total += uint64_t{1} << level;
    }
  }
  if (weighted.empty()) return 0;
  std::sort(weighted.begin(), weighted.end());
  double target = q * static_cast<double>(total);
  uint64_t seen = 0;
  for (const auto& [value, weight] : weighted) {
    seen += weight;
    if (static_cast<double>(seen) >= target) return value;
  }
  return weighted.back().first;
}

void RunningMoments::Merge(const RunningMoments& other) {
  if (other.count == 0) return;
  if (count == 0) {
    *this = other;
    return;
  }
  double total = static_cast<double>(count + other.count);
  double delta = other.mean - mean;
  mean += delta * static_cast<double>(other.count) / total;
  m2 += other.m2 + delta * delta * static_cast<double>(count) * static_cast<double>(other.count) / total;
  count += other.count;
}

}  // namespace sluice
