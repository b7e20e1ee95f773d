#include "train/tree_forest.h"

#include <cmath>
#include <cstdlib>

#include "nlohmann/json.hpp"

namespace sluice {

namespace {

float ParseFloatText(const nlohmann::json& value) {
  if (value.is_string()) return std::strtof(value.get<std::string>().c_str(), nullptr);
  return value.get<float>();
}

}  // namespace

std::unique_ptr<TreeForest> TreeForest::FromXgboostJson(std::string_view json, std::string* why) {
  auto fail = [&](const std::string& reason) {
    if (why) *why = reason;
    return std::unique_ptr<TreeForest>();
  };
  nlohmann::json model = nlohmann::json::parse(json, nullptr, false);
  if (model.is_discarded()) return fail("the model is not JSON");
  try {
    const auto& learner = model.at("learner");
    const auto& param = learner.at("learner_model_param");
    if (std::atoi(param.value("num_class", "0").c_str()) > 1) return fail("multi-class models");
    if (std::atoi(param.value("num_target", "1").c_str()) > 1) return fail("multi-target models");
    const auto& booster = learner.at("gradient_booster");
    if (booster.at("name") != "gbtree") return fail("booster " + booster.at("name").get<std::string>());
    const auto& gbtree = booster.at("model");
    if (std::atoi(gbtree.at("gbtree_model_param").value("size_leaf_vector", "0").c_str()) != 0) return fail("vector leaves");
    auto forest = std::unique_ptr<TreeForest>(new TreeForest());
    forest->num_features_ = static_cast<size_t>(std::atoll(param.at("num_feature").get<std::string>().c_str()));
    const std::string objective = learner.at("objective").at("name");
    const float base_score = ParseFloatText(param.at("base_score"));
    if (objective == "reg:squarederror" || objective == "reg:squaredlogerror" || objective == "reg:pseudohubererror" ||
        objective == "reg:absoluteerror") {
      forest->transform_ = Transform::kIdentity;
      forest->base_margin_ = base_score;
    } else if (objective == "binary:logistic") {
      forest->transform_ = Transform::kSigmoid;
      // XGBoost keeps the base score as a probability; the sum starts from its logit.
      forest->base_margin_ = -std::log(1.0f / base_score - 1.0f);
    } else {
      return fail("objective " + objective);
    }
    for (const auto& tree : gbtree.at("trees")) {
      const auto& left = tree.at("left_children");
      const auto& right = tree.at("right_children");
      const auto& feature = tree.at("split_indices");
      const auto& value = tree.at("split_conditions");
      const auto& default_left = tree.at("default_left");
      const auto& split_type = tree.at("split_type");
      const size_t n = left.size();
      if (right.size() != n || feature.size() != n || value.size() != n || default_left.size() != n) {
        return fail("a tree's arrays differ in length");
      }
      const int32_t base = static_cast<int32_t>(forest->nodes_.size());
      forest->roots_.push_back(base);
      for (size_t i = 0; i < n; ++i) {
        if (i < split_type.size() && split_type[i].get<int>() != 0) return fail("categorical splits");
        Node node;
        const int32_t l = left[i].get<int32_t>(), r = right[i].get<int32_t>();
        const bool leaf = l == -1;
        // Children come after their parent (XGBoost appends them so): a
        // walk then always ends, whatever a hostile model file says.
        const int32_t self = static_cast<int32_t>(i);
        if (!leaf && (l <= self || r <= self || static_cast<size_t>(l) >= n || static_cast<size_t>(r) >= n)) {
          return fail("a tree's child index is out of range");
        }
        node.left = leaf ? -1 : base + l;
        node.right = leaf ? -1 : base + r;
        const uint32_t f = feature[i].get<uint32_t>();
        if (!leaf && f >= forest->num_features_) return fail("a split on a feature the model does not have");
        node.feature = f | (default_left[i].get<int>() != 0 ? kDefaultLeft : 0u);
        node.value = value[i].get<float>();
        forest->nodes_.push_back(node);
      }
    }
    return forest;
  } catch (const nlohmann::json::exception& error) {
    return fail(std::string("unexpected model JSON: ") + error.what());
  }
}

std::vector<std::vector<float>> TreeForest::SplitValues() const {
  std::vector<std::vector<float>> values(num_features_);
  for (const Node& node : nodes_) {
    if (node.left >= 0) values[node.feature & ~kDefaultLeft].push_back(node.value);
  }
  return values;
}

void TreeForest::Predict(const float* features, size_t rows, float* out) const {
  const Node* nodes = nodes_.data();
  for (size_t r = 0; r < rows; ++r) {
    const float* x = features + r * num_features_;
    float sum = base_margin_;
    for (int32_t root : roots_) {
      const Node* node = nodes + root;
      while (node->left >= 0) {
        const float f = x[node->feature & ~kDefaultLeft];
        const bool go_left = std::isnan(f) ? (node->feature & kDefaultLeft) != 0 : f < node->value;
        node = nodes + (go_left ? node->left : node->right);
      }
      sum += node->value;
    }
    out[r] = transform_ == Transform::kSigmoid ? 1.0f / (1.0f + std::exp(-sum)) : sum;
  }
}

}  // namespace sluice
