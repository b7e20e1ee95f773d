#include "prep/feature_transform.h"

#include <cmath>
#include <limits>
#include <nlohmann/json.hpp>

#include "common/error.h"
#include "common/format.h"
#include "data/value_parser.h"

namespace sluice {

namespace {

const char* ImputeName(ImputeStrategy strategy) {
  switch (strategy) {
    case ImputeStrategy::kNone: return "none";
    case ImputeStrategy::kDrop: return "drop";
    case ImputeStrategy::kMean: return "mean";
    case ImputeStrategy::kMedian: return "median";
    case ImputeStrategy::kConstant: return "constant";
  }
  return "none";
}

ImputeStrategy ImputeFromName(const std::string& name) {
  if (name == "drop") return ImputeStrategy::kDrop;
  if (name == "mean") return ImputeStrategy::kMean;
  if (name == "median") return ImputeStrategy::kMedian;
  if (name == "constant") return ImputeStrategy::kConstant;
  return ImputeStrategy::kNone;
}

}  // namespace

std::string_view CategoryKey(const Column& column, size_t row, std::string& scratch) {
  switch (column.type()) {
    case DataType::kString: return column.String(row);
    case DataType::kCategorical: return column.Category(row);
    case DataType::kBool: return column.Int(row) ? "true" : "false";
    case DataType::kFloat64: {
      double value = column.Double(row);
      scratch.clear();
      if (std::trunc(value) == value && std::fabs(value) < 1e15) {
        AppendInt(scratch, static_cast<int64_t>(value));
      } else {
        AppendDouble(scratch, value);
      }
      return scratch;
    }
    case DataType::kTimestamp:
      scratch.clear();
      AppendTimestamp(scratch, column.Int(row));
      return scratch;
    default:
      scratch.clear();
      AppendInt(scratch, column.Int(row));
      return scratch;
  }
}

void FeatureTransform::AppendFeatureNames(std::vector<std::string>* names) const {
  if (kind == Kind::kNumeric) {
    names->push_back(column);
    return;
  }
  for (const auto& category : categories) names->push_back(column + "=" + category);
  if (has_other) names->push_back(column + "=__other__");
}

void FeatureTransform::Prepare() {
  index_.clear();
  for (size_t i = 0; i < categories.size(); ++i) index_.emplace(categories[i], static_cast<int32_t>(i));
  for (const auto& category : other_categories) index_.emplace(category, static_cast<int32_t>(categories.size()));
}

void FeatureTransform::Apply(const Column& data, float* out, size_t stride, size_t offset) const {
  size_t rows = data.size();
  const uint8_t* valid = data.valid().data();
  if (kind == Kind::kNumeric) {
    float* cell = out + offset;
    const float missing = std::numeric_limits<float>::quiet_NaN();
    if (data.type() == DataType::kFloat64) {
      const double* values = data.doubles().data();
      for (size_t row = 0; row < rows; ++row, cell += stride) {
        double value = valid[row] ? values[row] : fill;
        if (standardize) value = (value - mean) / scale;
        *cell = std::isnan(value) ? missing : static_cast<float>(value);
      }
    } else {
      const int64_t* values = data.ints().data();
      double unit = data.type() == DataType::kTimestamp ? 1.0 / kMicrosPerSecond : 1.0;
      for (size_t row = 0; row < rows; ++row, cell += stride) {
        double value = valid[row] ? static_cast<double>(values[row]) * unit : fill;
        if (standardize) value = (value - mean) / scale;
        *cell = std::isnan(value) ? missing : static_cast<float>(value);
      }
    }
    return;
  }
  size_t width = this->width();
  std::string scratch;
  float* row_out = out + offset;
  for (size_t row = 0; row < rows; ++row, row_out += stride) {
    for (size_t k = 0; k < width; ++k) row_out[k] = 0.0f;
    if (!valid[row]) continue;
    auto found = index_.find(CategoryKey(data, row, scratch));
    if (found != index_.end()) row_out[found->second] = 1.0f;
  }
}

nlohmann::json FeatureTransform::ToJson() const {
  nlohmann::json json;
  json["column"] = column;
  if (kind == Kind::kNumeric) {
    json["kind"] = "numeric";
    json["impute"] = ImputeName(impute);
    // JSON has no NaN: a missing fill is written as null.
    json["fill"] = std::isnan(fill) ? nlohmann::json(nullptr) : nlohmann::json(fill);
    json["standardize"] = standardize;
    json["mean"] = mean;
    json["scale"] = scale;
  } else {
    json["kind"] = "onehot";
    json["max_categories"] = max_categories;
    json["categories"] = categories;
    json["has_other"] = has_other;
    json["other_categories"] = other_categories;
  }
  return json;
}

FeatureTransform FeatureTransform::FromJson(const nlohmann::json& json) {
  FeatureTransform transform;
  try {
    transform.column = json.at("column").get<std::string>();
    std::string kind = json.at("kind").get<std::string>();
    if (kind == "numeric") {
      transform.kind = Kind::kNumeric;
      transform.impute = ImputeFromName(json.at("impute").get<std::string>());
      transform.fill = json.at("fill").is_null() ? std::numeric_limits<double>::quiet_NaN()
                                                 : json.at("fill").get<double>();
      transform.standardize = json.at("standardize").get<bool>();
      transform.mean = json.at("mean").get<double>();
      transform.scale = json.at("scale").get<double>();
    } else if (kind == "onehot") {
      transform.kind = Kind::kOneHot;
      transform.max_categories = json.at("max_categories").get<size_t>();
      transform.categories = json.at("categories").get<std::vector<std::string>>();
      transform.has_other = json.at("has_other").get<bool>();
      transform.other_categories = json.at("other_categories").get<std::vector<std::string>>();
    } else {
      ThrowInputData("feature '" + transform.column + "': unknown kind '" + kind + "'");
    }
  } catch (const nlohmann::json::exception& error) {
    ThrowInputData(std::string("sluice-model.json: bad feature entry: ") + error.what());
  }
  transform.Prepare();
  return transform;
}

}  // namespace sluice
