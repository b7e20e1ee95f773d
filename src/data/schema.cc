#include "data/schema.h"

#include <nlohmann/json.hpp>

#include "common/error.h"

namespace sluice {

std::optional<size_t> Schema::Find(const std::string& name) const {
  for (size_t i = 0; i < fields_.size(); ++i) {
    if (fields_[i].name == name) return i;
  }
  return std::nullopt;
}

std::string Schema::ToString() const {
  std::string out;
  for (const auto& field : fields_) {
    if (!out.empty()) out += ", ";
    out += field.name + " " + std::string(DataTypeName(field.type));
  }
  return out;
}

std::string Schema::NameList() const {
  std::string out;
  for (const auto& field : fields_) {
    if (!out.empty()) out += ", ";
    out += field.name;
  }
  return out;
}

nlohmann::json Schema::ToJson() const {
  auto json = nlohmann::json::array();
  for (const auto& field : fields_) {
    json.push_back({{"name", field.name}, {"type", DataTypeName(field.type)}});
    if (!field.format.empty()) json.back()["format"] = field.format;
  }
  return json;
}

Schema Schema::FromJson(const nlohmann::json& json) {
  Schema schema;
  for (const auto& item : json) {
    std::string type_name = item.at("type").get<std::string>();
    auto type = ParseDataType(type_name);
    if (!type) ThrowInputData("schema: unknown type '" + type_name + "'");
    schema.Add({item.at("name").get<std::string>(), *type, item.value("format", "")});
  }
  return schema;
}

}  // namespace sluice
