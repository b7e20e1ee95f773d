#pragma once
// The classes of a text model (part of θ): the distinct labels of the train
// split, strings or integers, numbered 0..k-1 in order (numerically when
// every label is an integer, else by text). At serving time a prediction's
// class id maps back to its label; a label not seen in training is unknown.

#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "nlohmann/json.hpp"

namespace sluice {

class LabelMap {
 public:
  // Throws an input-data error with fewer than two classes.
  static LabelMap Fit(const std::vector<std::string>& distinct_labels);
  static LabelMap FromJson(const nlohmann::json& json);
  nlohmann::json ToJson() const;

  size_t size() const { return labels_.size(); }
  std::optional<int> Id(std::string_view label) const;
  const std::string& Label(int id) const { return labels_.at(static_cast<size_t>(id)); }
  const std::vector<std::string>& labels() const { return labels_; }

 private:
  void Index();
  std::vector<std::string> labels_;
  std::unordered_map<std::string, int> ids_;
};

}  // namespace sluice
