#pragma once
// The fitted part of prep (θ) for one model input column: how a raw column
// becomes one feature (impute, standardize) or several (one-hot). Fitted on
// the train split, stored in the artifact as JSON, applied identically to
// training rows and to rows at serving time.

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "data/record_batch.h"
#include "nlohmann/json_fwd.hpp"
#include "prep/prep_spec.h"

namespace sluice {

struct StringViewHash {
  using is_transparent = void;
  size_t operator()(std::string_view text) const { return std::hash<std::string_view>()(text); }
};
using CategoryIndex = std::unordered_map<std::string, int32_t, StringViewHash, std::equal_to<>>;

struct FeatureTransform {
  enum class Kind { kNumeric, kOneHot };

  std::string column;
  Kind kind = Kind::kNumeric;

  // kNumeric: a null becomes `fill` (NaN: missing, left to the learner).
  ImputeStrategy impute = ImputeStrategy::kNone;
  double fill = 0;
  bool standardize = false;
  double mean = 0;
  double scale = 1;

  // kOneHot: one feature per category; categories seen in fit beyond the cap
  // share the "other" feature; a category never seen encodes as all zeros.
  size_t max_categories = 32;
  std::vector<std::string> categories;
  std::vector<std::string> other_categories;
  bool has_other = false;

  size_t width() const { return kind == Kind::kNumeric ? 1 : categories.size() + (has_other ? 1 : 0); }
  void AppendFeatureNames(std::vector<std::string>* names) const;

  // Builds the lookup tables after fitting or loading.
  void Prepare();
  // Writes this transform's features for every row of `column_data` into
  // `out`, a row-major matrix with `stride` floats a row, from column `offset`.
  void Apply(const Column& column_data, float* out, size_t stride, size_t offset) const;

  nlohmann::json ToJson() const;
  static FeatureTransform FromJson(const nlohmann::json& json);

 private:
  CategoryIndex index_;  // category -> feature position (other: categories.size())
};

// The text a one-hot encoder keys a value by: the string itself, an integer
// in decimal, a float in shortest form, a bool as true/false.
std::string_view CategoryKey(const Column& column, size_t row, std::string& scratch);

}  // namespace sluice
