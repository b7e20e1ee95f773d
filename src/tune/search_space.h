#pragma once
// What a tuning run searches: named parameters (pipeline keys such as
// train.params.eta or prep.impute.fare.strategy), each an int or float range
// — log-scaled where asked — or a list of categorical choices. A point of the
// space is one value per parameter, as the text a pipeline override takes.
//
// Strategies work in the unit cube: Encode maps a point to one coordinate in
// [0, 1] per numeric parameter (log-scaled ones by their logarithm) and one
// per choice of a categorical one (one-hot); Decode maps any vector back to
// the nearest point (ints rounded, the largest one-hot coordinate chosen).

#include <cstdint>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "nlohmann/json.hpp"

namespace sluice {

enum class ParamKind { kInt, kFloat, kCategorical };

struct SearchParam {
  std::string key;
  ParamKind kind = ParamKind::kFloat;
  double low = 0, high = 0;  // ints and floats, both ends included
  bool log = false;
  std::vector<std::string> choices;  // categorical
  std::vector<std::string> grid;     // the grid strategy's values, when given
};

using ParamValues = std::vector<std::string>;  // one value per parameter, in space order

class SearchSpace {
 public:
  // `space` is the tune.space map, in the file's order: key -> {type:
  // int|float|categorical, low, high, log, values, grid}, or key -> a list
  // (categorical shorthand).
  // Empty or reversed ranges, log ranges that are not wholly positive, ints
  // with fractional ends and empty choice lists are usage errors naming
  // `where` and the key.
  static SearchSpace Parse(const nlohmann::ordered_json& space, const std::string& where);

  const std::vector<SearchParam>& params() const { return params_; }
  size_t size() const { return params_.size(); }
  size_t dims() const { return dims_; }

  void Encode(const ParamValues& values, double* unit) const;
  ParamValues Decode(const double* unit) const;
  // A point drawn uniformly (log-uniformly where log is set).
  ParamValues Sample(std::mt19937_64& rng) const;
  // Whether every value is one the space can take (warm start from older trials).
  bool Contains(const ParamValues& values) const;
  // The grid: each parameter's `grid` values, its choices, its integers when
  // there are at most `points` of them, else `points` values spread evenly
  // (log-evenly where log is set); the first parameter varies slowest.
  std::vector<ParamValues> Grid(int points) const;

  // A parameter's short name: the last part of its key, or the whole key
  // where another parameter's key ends the same.
  std::string Label(size_t index) const;
  // "eta=0.1 max_depth=6": the parameters by their labels.
  std::string Describe(const ParamValues& values) const;
  nlohmann::json ToJson(const ParamValues& values) const;  // {key: value}
  // The values of `object` ({key: value}) in space order; nullopt when a key is missing.
  std::optional<ParamValues> FromJson(const nlohmann::json& object) const;
  // The text of a numeric value as a trial's override carries it.
  static std::string FormatValue(const SearchParam& param, double value);

 private:
  std::vector<SearchParam> params_;
  size_t dims_ = 0;
};

}  // namespace sluice
