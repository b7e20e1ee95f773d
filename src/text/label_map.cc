#include "text/label_map.h"

#include <algorithm>
#include <charconv>
#include <cstdint>

#include "common/error.h"

namespace sluice {

namespace {

bool AsInteger(std::string_view text, int64_t* value) {
  auto result = std::from_chars(text.data(), text.data() + text.size(), *value);
  return result.ec == std::errc() && result.ptr == text.data() + text.size() && !text.empty();
}

}  // namespace

LabelMap LabelMap::Fit(const std::vector<std::string>& distinct_labels) {
  LabelMap map;
  map.labels_ = distinct_labels;
  std::sort(map.labels_.begin(), map.labels_.end());
  map.labels_.erase(std::unique(map.labels_.begin(), map.labels_.end()), map.labels_.end());
  bool integers = std::all_of(map.labels_.begin(), map.labels_.end(), [](const std::string& label) {
    int64_t value;
    return AsInteger(label, &value);
  });
  if (integers) {
    std::sort(map.labels_.begin(), map.labels_.end(), [](const std::string& a, const std::string& b) {
      int64_t x = 0, y = 0;
      AsInteger(a, &x);
      AsInteger(b, &y);
      return x < y;
    });
  }
  if (map.labels_.size() < 2) {
    ThrowInputData("the label column has " + std::to_string(map.labels_.size()) +
                   " class(es) in the train split; a classifier needs at least two");
  }
  map.Index();
  return map;
}

void LabelMap::Index() {
  ids_.clear();
  for (size_t i = 0; i < labels_.size(); ++i) ids_.emplace(labels_[i], static_cast<int>(i));
}

LabelMap LabelMap::FromJson(const nlohmann::json& json) {
  LabelMap map;
  map.labels_ = json.at("labels").get<std::vector<std::string>>();
  map.Index();
  return map;
}

nlohmann::json LabelMap::ToJson() const { return {{"labels", labels_}}; }

std::optional<int> LabelMap::Id(std::string_view label) const {
  auto it = ids_.find(std::string(label));
  if (it == ids_.end()) return std::nullopt;
  return it->second;
}

}  // namespace sluice
