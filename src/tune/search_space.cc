#include "tune/search_space.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <set>

#include "common/error.h"

namespace sluice {

namespace {

// Pipeline values arrive as YAML scalars (text) or JSON numbers.
std::string Text(const nlohmann::json& value) {
  if (value.is_string()) return value.get<std::string>();
  if (value.is_null()) return "";
  return value.dump();
}

bool ParseNumber(const nlohmann::json& value, double* out) {
  if (value.is_number()) {
    *out = value.get<double>();
    return true;
  }
  if (!value.is_string()) return false;
  const std::string text = value.get<std::string>();
  char* end = nullptr;
  *out = std::strtod(text.c_str(), &end);
  return !text.empty() && end == text.c_str() + text.size() && std::isfinite(*out);
}

double ToUnit(const SearchParam& param, double value) {
  if (param.high == param.low) return 0.5;
  double u = param.log ? (std::log(value) - std::log(param.low)) / (std::log(param.high) - std::log(param.low))
                       : (value - param.low) / (param.high - param.low);
  return std::clamp(u, 0.0, 1.0);
}

double FromUnit(const SearchParam& param, double unit) {
  unit = std::clamp(unit, 0.0, 1.0);
  double value = param.log ? std::exp(std::log(param.low) + unit * (std::log(param.high) - std::log(param.low)))
                           : param.low + unit * (param.high - param.low);
  if (param.kind == ParamKind::kInt) value = std::round(value);
  return std::clamp(value, param.low, param.high);
}

std::string LastPart(const std::string& key) {
  size_t dot = key.rfind('.');
  return dot == std::string::npos ? key : key.substr(dot + 1);
}

}  // namespace

std::string SearchSpace::FormatValue(const SearchParam& param, double value) {
  char text[32];
  if (param.kind == ParamKind::kInt) {
    std::snprintf(text, sizeof text, "%lld", static_cast<long long>(std::llround(value)));
  } else {
    std::snprintf(text, sizeof text, "%.5g", value);
  }
  return text;
}

SearchSpace SearchSpace::Parse(const nlohmann::ordered_json& space, const std::string& where) {
  SearchSpace result;
  if (!space.is_object() || space.empty()) {
    ThrowUsage(where + ": expected a map of pipeline key: {type, low, high} or key: [choices]");
  }
  for (const auto& [key, entry] : space.items()) {
    const std::string name = where + "." + key;
    auto fail = [&](const std::string& problem) { ThrowUsage(name + ": " + problem); };
    SearchParam param;
    param.key = key;
    nlohmann::json spec = nlohmann::json::parse(entry.dump());
    if (spec.is_array()) spec = nlohmann::json{{"type", "categorical"}, {"values", spec}};
    if (!spec.is_object()) fail("expected {type: int|float|categorical, ...} or a list of choices");
    for (const auto& [field, value] : spec.items()) {
      static const std::set<std::string> kFields = {"type", "low", "high", "log", "values", "grid"};
      if (!kFields.count(field)) fail("unknown field '" + field + "' (type, low, high, log, values, grid)");
    }
    const std::string type = spec.contains("type") ? Text(spec["type"]) : "";
    if (type == "int" || type == "float") {
      param.kind = type == "int" ? ParamKind::kInt : ParamKind::kFloat;
      if (!spec.contains("low") || !spec.contains("high")) fail("a " + type + " range needs low and high");
      if (!ParseNumber(spec["low"], &param.low)) fail("low: expected a number, got '" + Text(spec["low"]) + "'");
      if (!ParseNumber(spec["high"], &param.high)) fail("high: expected a number, got '" + Text(spec["high"]) + "'");
      if (!(param.low < param.high)) {
        fail("empty range: low (" + Text(spec["low"]) + ") must be below high (" + Text(spec["high"]) + ")");
      }
      if (param.kind == ParamKind::kInt && (param.low != std::floor(param.low) || param.high != std::floor(param.high))) {
        fail("an int range needs whole-number ends");
      }
      if (spec.contains("log")) {
        const std::string log = Text(spec["log"]);
        if (log != "true" && log != "false") fail("log: expected true or false");
        param.log = log == "true";
      }
      if (param.log && param.low <= 0) {
        fail("a log range must lie above zero (low is " + Text(spec["low"]) + ")");
      }
      if (spec.contains("values")) fail("values belong to a categorical parameter; use grid for a range's grid");
    } else if (type == "categorical") {
      param.kind = ParamKind::kCategorical;
      if (!spec.contains("values") || !spec["values"].is_array() || spec["values"].empty()) {
        fail("a categorical parameter needs a non-empty list of values");
      }
      std::set<std::string> seen;
      for (const auto& value : spec["values"]) {
        std::string text = value.is_array() || value.is_object() ? value.dump() : Text(value);
        if (!seen.insert(text).second) fail("value '" + text + "' is listed twice");
        param.choices.push_back(text);
      }
      if (spec.contains("low") || spec.contains("high") || spec.contains("log")) {
        fail("low, high and log belong to int and float ranges");
      }
    } else {
      fail(type.empty() ? "type not set (int, float or categorical)"
                        : "unknown type '" + type + "' (int, float or categorical)");
    }
    if (spec.contains("grid")) {
      if (!spec["grid"].is_array() || spec["grid"].empty()) fail("grid: expected a non-empty list of values");
      for (const auto& value : spec["grid"]) {
        std::string text = Text(value);
        if (param.kind == ParamKind::kCategorical) {
          if (std::find(param.choices.begin(), param.choices.end(), text) == param.choices.end()) {
            fail("grid value '" + text + "' is not one of the values");
          }
        } else {
          double number;
          if (!ParseNumber(value, &number) || number < param.low || number > param.high ||
              (param.kind == ParamKind::kInt && number != std::floor(number))) {
            fail("grid value '" + text + "' is not in the range");
          }
          text = FormatValue(param, number);
        }
        param.grid.push_back(text);
      }
    }
    result.dims_ += param.kind == ParamKind::kCategorical ? param.choices.size() : 1;
    result.params_.push_back(std::move(param));
  }
  return result;
}

void SearchSpace::Encode(const ParamValues& values, double* unit) const {
  size_t dim = 0;
  for (size_t index = 0; index < params_.size(); ++index) {
    const SearchParam& param = params_[index];
    if (param.kind == ParamKind::kCategorical) {
      for (const auto& choice : param.choices) unit[dim++] = choice == values[index] ? 1.0 : 0.0;
    } else {
      unit[dim++] = ToUnit(param, std::strtod(values[index].c_str(), nullptr));
    }
  }
}

ParamValues SearchSpace::Decode(const double* unit) const {
  ParamValues values;
  size_t dim = 0;
  for (const auto& param : params_) {
    if (param.kind == ParamKind::kCategorical) {
      size_t best = 0;
      for (size_t choice = 1; choice < param.choices.size(); ++choice) {
        if (unit[dim + choice] > unit[dim + best]) best = choice;
      }
      values.push_back(param.choices[best]);
      dim += param.choices.size();
    } else {
      values.push_back(FormatValue(param, FromUnit(param, unit[dim++])));
    }
  }
  return values;
}

ParamValues SearchSpace::Sample(std::mt19937_64& rng) const {
  std::uniform_real_distribution<double> uniform(0.0, 1.0);
  ParamValues values;
  for (const auto& param : params_) {
    if (param.kind == ParamKind::kCategorical) {
      values.push_back(param.choices[std::uniform_int_distribution<size_t>(0, param.choices.size() - 1)(rng)]);
    } else if (param.kind == ParamKind::kInt && !param.log) {
      auto low = static_cast<int64_t>(param.low), high = static_cast<int64_t>(param.high);
      values.push_back(FormatValue(param, static_cast<double>(std::uniform_int_distribution<int64_t>(low, high)(rng))));
    } else {
      values.push_back(FormatValue(param, FromUnit(param, uniform(rng))));
    }
  }
  return values;
}

bool SearchSpace::Contains(const ParamValues& values) const {
  if (values.size() != params_.size()) return false;
  for (size_t index = 0; index < params_.size(); ++index) {
    const SearchParam& param = params_[index];
    if (param.kind == ParamKind::kCategorical) {
      if (std::find(param.choices.begin(), param.choices.end(), values[index]) == param.choices.end()) return false;
      continue;
    }
    double number;
    if (!ParseNumber(values[index], &number) || number < param.low || number > param.high) return false;
    if (param.kind == ParamKind::kInt && number != std::floor(number)) return false;
  }
  return true;
}

std::vector<ParamValues> SearchSpace::Grid(int points) const {
  std::vector<std::vector<std::string>> axes;
  for (const auto& param : params_) {
    std::vector<std::string> axis = param.grid;
    if (axis.empty() && param.kind == ParamKind::kCategorical) axis = param.choices;
    if (axis.empty() && param.kind == ParamKind::kInt && param.high - param.low + 1 <= points) {
      for (double value = param.low; value <= param.high; value += 1) axis.push_back(FormatValue(param, value));
    }
    if (axis.empty()) {
      for (int point = 0; point < points; ++point) {
        std::string value = FormatValue(param, FromUnit(param, points == 1 ? 0.5 : point / double(points - 1)));
        if (std::find(axis.begin(), axis.end(), value) == axis.end()) axis.push_back(value);
      }
    }
    axes.push_back(std::move(axis));
  }
  std::vector<ParamValues> grid(1);
  for (const auto& axis : axes) {
    std::vector<ParamValues> next;
    for (const auto& prefix : grid) {
      for (const auto& value : axis) {
        next.push_back(prefix);
        next.back().push_back(value);
      }
    }
    grid = std::move(next);
  }
  return grid;
}

std::string SearchSpace::Label(size_t index) const {
  std::string last = LastPart(params_[index].key);
  for (size_t other = 0; other < params_.size(); ++other) {
    if (other != index && LastPart(params_[other].key) == last) return params_[index].key;
  }
  return last;
}

std::string SearchSpace::Describe(const ParamValues& values) const {
  std::string out;
  for (size_t index = 0; index < params_.size() && index < values.size(); ++index) {
    if (!out.empty()) out += ' ';
    out.append(Label(index)).append("=").append(values[index]);
  }
  return out;
}

nlohmann::json SearchSpace::ToJson(const ParamValues& values) const {
  nlohmann::json object = nlohmann::json::object();
  for (size_t index = 0; index < params_.size(); ++index) object[params_[index].key] = values[index];
  return object;
}

std::optional<ParamValues> SearchSpace::FromJson(const nlohmann::json& object) const {
  if (!object.is_object()) return std::nullopt;
  ParamValues values;
  for (const auto& param : params_) {
    if (!object.contains(param.key)) return std::nullopt;
    values.push_back(Text(object[param.key]));
  }
  return values;
}

}  // namespace sluice
