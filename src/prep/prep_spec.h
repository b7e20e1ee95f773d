#pragma once
// What the pipeline file asks prep to do, before it is checked against the
// data's schema (PrepPlan does that). Every field maps to a `prep.*` key
// documented in docs/pipeline.md.

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace sluice {

enum class ImputeStrategy { kNone, kDrop, kMean, kMedian, kConstant };

struct ImputeSpec {
  std::string column;
  ImputeStrategy strategy = ImputeStrategy::kNone;
  double value = 0;  // for kConstant
};

struct OneHotSpec {
  std::string column;
  // At most this many categories get their own feature (the most frequent in
  // the train split); the rest seen in fit share an "other" feature.
  size_t max_categories = 32;
};

struct SplitSpec {
  double train = 0.8;
  double valid = 0.1;
  double test = 0.1;
  uint64_t seed = 42;
};

struct PrepSpec {
  std::string filter;  // empty: keep every row
  std::vector<std::pair<std::string, std::string>> derive;  // name, expression, in order
  std::vector<ImputeSpec> impute;
  std::vector<OneHotSpec> onehot;
  std::vector<std::string> standardize;
  std::vector<std::string> features;  // empty: every usable column but the target
  std::string target;
  // The target is a class label (multi-class): any type, mapped to class
  // ids 0..K-1 by a label map fitted on the train split.
  bool target_classes = false;
  SplitSpec split;
};

}  // namespace sluice
