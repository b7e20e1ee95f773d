#pragma once
// The names and types of a batch's columns, in order. Names are kept exactly
// as the source spells them (any characters), and looked up exactly.

#include <optional>
#include <string>
#include <vector>

#include "data/data_type.h"
#include "nlohmann/json_fwd.hpp"

namespace sluice {

struct Field {
  std::string name;
  DataType type;
  // How the column's text is read, when not the type's default forms: a
  // timestamp format (data/timestamp_format.h). Empty: the defaults.
  std::string format = {};
};

class Schema {
 public:
  Schema() = default;
  explicit Schema(std::vector<Field> fields) : fields_(std::move(fields)) {}

  size_t size() const { return fields_.size(); }
  const Field& field(size_t index) const { return fields_[index]; }
  const std::vector<Field>& fields() const { return fields_; }
  std::optional<size_t> Find(const std::string& name) const;
  void Add(Field field) { fields_.push_back(std::move(field)); }
  // "a int64, b string, ..." for messages.
  std::string ToString() const;
  std::string NameList() const;

  nlohmann::json ToJson() const;
  static Schema FromJson(const nlohmann::json& json);

 private:
  std::vector<Field> fields_;
};

}  // namespace sluice
