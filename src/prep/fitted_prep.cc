#include "prep/fitted_prep.h"

#include <nlohmann/json.hpp>

#include "common/error.h"
#include "data/timestamp_format.h"
#include "data/value_parser.h"

#include <limits>

namespace sluice {

FittedPrep::FittedPrep(Schema source_schema, std::string target, DeriveStep derive,
                       std::vector<FeatureTransform> features, std::vector<std::string> labels)
    : source_schema_(std::move(source_schema)),
      target_(std::move(target)),
      derive_(std::move(derive)),
      features_(std::move(features)),
      labels_(std::move(labels)) {
  for (size_t i = 0; i < labels_.size(); ++i) label_ids_[labels_[i]] = static_cast<int>(i);
  size_t offset = 0;
  for (auto& feature : features_) {
    feature.Prepare();
    auto index = derive_.output_schema().Find(feature.column);
    if (!index) ThrowInputData("prep: feature column '" + feature.column + "' is neither an input nor a derived column");
    feature_columns_.push_back(*index);
    feature_offsets_.push_back(offset);
    offset += feature.width();
    feature.AppendFeatureNames(&feature_names_);
  }
}

void FittedPrep::LabelIds(const RecordBatch& batch, float* out) const {
  const Column& target = batch.columns[*batch.schema.Find(target_)];
  std::string text;
  for (size_t row = 0; row < target.size(); ++row) {
    out[row] = std::numeric_limits<float>::quiet_NaN();
    if (target.IsNull(row)) continue;
    text.clear();
    AppendCellText(target, row, text);
    auto found = label_ids_.find(text);
    if (found != label_ids_.end()) out[row] = static_cast<float>(found->second);
  }
}

Schema FittedPrep::InputSchema() const {
  Schema input;
  for (const auto& field : source_schema_.fields()) {
    if (field.name != target_) input.Add(field);
  }
  return input;
}

void FittedPrep::Encode(const RecordBatch& derived, float* out) const {
  size_t stride = feature_names_.size();
  for (size_t i = 0; i < features_.size(); ++i) {
    features_[i].Apply(derived.columns[feature_columns_[i]], out, stride, feature_offsets_[i]);
  }
}

nlohmann::json FittedPrep::ToJson() const {
  nlohmann::json json;
  json["source_schema"] = source_schema_.ToJson();
  json["target"] = target_;
  auto derive = nlohmann::json::array();
  for (const auto& [name, text] : derive_.definitions()) derive.push_back({{"name", name}, {"expression", text}});
  json["derive"] = derive;
  auto features = nlohmann::json::array();
  for (const auto& feature : features_) features.push_back(feature.ToJson());
  json["features"] = features;
  json["feature_names"] = feature_names_;
  if (!labels_.empty()) json["labels"] = labels_;
  return json;
}

FittedPrep FittedPrep::FromJson(const nlohmann::json& json) {
  try {
    Schema schema = Schema::FromJson(json.at("source_schema"));
    // A declared timestamp format is checked now, not at the first request.
    for (const auto& field : schema.fields()) {
      if (field.format.empty()) continue;
      if (field.type != DataType::kTimestamp) {
        ThrowInputData("sluice-model.json: column " + field.name + " has a format but is not a timestamp");
      }
      try {
        TimestampFormat::Parse(field.format, "sluice-model.json: column " + field.name + " format");
      } catch (const Error& error) {
        ThrowInputData(error.what());
      }
    }
    std::vector<std::pair<std::string, std::string>> derive;
    for (const auto& item : json.at("derive")) {
      derive.emplace_back(item.at("name").get<std::string>(), item.at("expression").get<std::string>());
    }
    std::vector<FeatureTransform> features;
    for (const auto& item : json.at("features")) features.push_back(FeatureTransform::FromJson(item));
    DeriveStep step = DeriveStep::Compile(derive, schema);
    std::vector<std::string> labels = json.value("labels", std::vector<std::string>());
    return FittedPrep(std::move(schema), json.at("target").get<std::string>(), std::move(step), std::move(features),
                      std::move(labels));
  } catch (const nlohmann::json::exception& error) {
    ThrowInputData(std::string("sluice-model.json: bad prep section: ") + error.what());
  }
}

}  // namespace sluice
