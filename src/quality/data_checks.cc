#include "quality/data_checks.h"

#include <re2/re2.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <set>

#include "common/error.h"
#include "common/format.h"
#include "common/hash.h"
#include "common/log.h"
#include "data/expression.h"
#include "data/value_parser.h"

namespace sluice {

namespace {

constexpr size_t kExamples = 3;

struct KindName {
  CheckSpec::Kind kind;
  const char* key;
};
constexpr KindName kKinds[] = {
    {CheckSpec::Kind::kCompleteness, "completeness"}, {CheckSpec::Kind::kRange, "range"},
    {CheckSpec::Kind::kAllowed, "allowed"},           {CheckSpec::Kind::kUnique, "unique"},
    {CheckSpec::Kind::kPattern, "pattern"},           {CheckSpec::Kind::kRowCount, "row_count"},
    {CheckSpec::Kind::kExpression, "expression"},
};

const char* KindKey(CheckSpec::Kind kind) {
  for (const auto& entry : kKinds) {
    if (entry.kind == kind) return entry.key;
  }
  return "?";
}

std::string ScalarText(const nlohmann::json& value) {
  if (value.is_string()) return value.get<std::string>();
  if (value.is_boolean()) return value.get<bool>() ? "true" : "false";
  if (value.is_number_integer()) return std::to_string(value.get<int64_t>());
  if (value.is_number()) {
    std::string text;
    AppendDouble(text, value.get<double>());
    return text;
  }
  return value.dump();
}

}  // namespace

std::vector<CheckSpec> ParseChecks(const nlohmann::json& list, const std::string& file) {
  std::vector<CheckSpec> checks;
  if (list.is_null()) return checks;
  if (!list.is_array()) ThrowUsage(file + ": checks: expected a list of checks ({range: COLUMN, min: 0}, ...)");
  for (size_t i = 0; i < list.size(); ++i) {
    const nlohmann::json& item = list[i];
    const std::string where = file + ": checks[" + std::to_string(i + 1) + "]";
    if (!item.is_object()) ThrowUsage(where + ": expected a map such as {range: fare, min: 0}");
    CheckSpec check;
    int kinds = 0;
    for (const auto& entry : kKinds) {
      if (!item.contains(entry.key)) continue;
      ++kinds;
      check.kind = entry.kind;
    }
    if (kinds != 1) {
      ThrowUsage(where + ": give exactly one of completeness, range, allowed, unique, pattern, row_count, expression");
    }
    const std::string kind = KindKey(check.kind);
    const nlohmann::json& subject = item[kind];
    std::set<std::string> allowed_keys = {kind, "name", "severity", "max_failing"};
    // YAML scalars arrive as text.
    auto number = [&](const nlohmann::json& value, const std::string& key) {
      double parsed;
      if (value.is_number()) return value.get<double>();
      if (!value.is_string() || !ParseFloat64(value.get<std::string>(), &parsed)) {
        ThrowUsage(where + "." + key + ": expected a number");
      }
      return parsed;
    };
    if (check.kind == CheckSpec::Kind::kRowCount) {
      if (!subject.is_object()) ThrowUsage(where + ".row_count: expected {min: N} and/or {max: N}");
      for (const auto& [key, value] : subject.items()) {
        if (key == "min") {
          check.min = number(value, "row_count.min");
          check.has_min = true;
        } else if (key == "max") {
          check.max = number(value, "row_count.max");
          check.has_max = true;
        } else {
          ThrowUsage(where + ".row_count." + key + ": unknown key (min, max)");
        }
      }
      if (!check.has_min && !check.has_max) ThrowUsage(where + ".row_count: give min, max or both");
    } else if (check.kind == CheckSpec::Kind::kExpression) {
      if (!subject.is_string()) ThrowUsage(where + ".expression: expected a condition, such as \"dropoff >= pickup\"");
      check.text = subject.get<std::string>();
    } else {
      if (!subject.is_string() || subject.get<std::string>().empty()) ThrowUsage(where + "." + kind + ": expected a column name");
      check.column = subject.get<std::string>();
    }
    switch (check.kind) {
      case CheckSpec::Kind::kCompleteness:
        allowed_keys.insert("min");
        check.min = item.contains("min") ? number(item["min"], "min") : 1.0;
        if (check.min < 0 || check.min > 1) ThrowUsage(where + ".min: a share between 0 and 1");
        break;
      case CheckSpec::Kind::kRange:
        allowed_keys.insert({"min", "max"});
        if (item.contains("min")) {
          check.min = number(item["min"], "min");
          check.has_min = true;
        }
        if (item.contains("max")) {
          check.max = number(item["max"], "max");
          check.has_max = true;
        }
        if (!check.has_min && !check.has_max) ThrowUsage(where + ": a range check needs min, max or both");
        break;
      case CheckSpec::Kind::kAllowed:
        allowed_keys.insert("values");
        if (!item.contains("values") || !item["values"].is_array() || item["values"].empty()) {
          ThrowUsage(where + ".values: expected a list of the allowed values");
        }
        for (const auto& value : item["values"]) check.values.push_back(ScalarText(value));
        break;
      case CheckSpec::Kind::kPattern:
        allowed_keys.insert("regex");
        if (!item.contains("regex") || !item["regex"].is_string()) ThrowUsage(where + ".regex: expected a regular expression");
        check.text = item["regex"].get<std::string>();
        break;
      default:
        break;
    }
    for (const auto& [key, value] : item.items()) {
      if (!allowed_keys.count(key)) ThrowUsage(where + "." + key + ": not a key of a " + kind + " check");
    }
    if (item.contains("severity")) {
      const std::string severity = item["severity"].is_string() ? item["severity"].get<std::string>() : "";
      if (severity != "error" && severity != "warn") ThrowUsage(where + ".severity: error or warn");
      check.warn = severity == "warn";
    }
    if (item.contains("max_failing")) {
      check.max_failing = number(item["max_failing"], "max_failing");
      if (check.max_failing < 0 || check.max_failing > 1) ThrowUsage(where + ".max_failing: a share between 0 and 1");
    }
    if (check.kind == CheckSpec::Kind::kCompleteness) check.max_failing = 1.0 - check.min;
    check.name = item.contains("name") && item["name"].is_string()
                     ? item["name"].get<std::string>()
                     : kind + "(" + (check.kind == CheckSpec::Kind::kExpression ? check.text : check.column) + ")";
    if (check.kind == CheckSpec::Kind::kRowCount && !item.contains("name")) check.name = "row_count";
    checks.push_back(std::move(check));
  }
  return checks;
}

struct DataChecks::Compiled {
  CheckSpec spec;
  std::unique_ptr<Expression> expression;
  std::unique_ptr<RE2> pattern;
  std::set<std::string> allowed;
};

struct DataChecks::Partial {
  int64_t rows = 0;
  int64_t failing = 0;
  std::vector<std::pair<int64_t, std::string>> examples;  // line, value
  std::vector<std::pair<uint64_t, int64_t>> hashes;       // unique: value hash, line
};

DataChecks::DataChecks(const std::vector<CheckSpec>& specs, const Schema& schema) {
  for (const auto& spec : specs) {
    auto check = std::make_unique<Compiled>();
    check->spec = spec;
    const std::string where = "checks: " + spec.name;
    if (!spec.column.empty()) {
      auto index = schema.Find(spec.column);
      if (!index) ThrowUsage(where + ": the source has no column '" + spec.column + "' (columns: " + schema.NameList() + ")");
      const DataType type = schema.field(*index).type;
      if (spec.kind == CheckSpec::Kind::kRange && !IsNumeric(type)) {
        ThrowUsage(where + ": a range check needs a numeric column, '" + spec.column + "' is " +
                   std::string(DataTypeName(type)));
      }
      if (spec.kind == CheckSpec::Kind::kPattern && type != DataType::kString && type != DataType::kCategorical) {
        ThrowUsage(where + ": a pattern check needs a string column, '" + spec.column + "' is " +
                   std::string(DataTypeName(type)) + " (declare it string in source.schema)");
      }
    }
    if (spec.kind == CheckSpec::Kind::kExpression) {
      check->expression = Expression::Compile(spec.text, schema, where);
      if (check->expression->type() != DataType::kBool) ThrowUsage(where + ": '" + spec.text + "' is not a condition");
    }
    if (spec.kind == CheckSpec::Kind::kPattern) {
      RE2::Options options;
      options.set_log_errors(false);
      check->pattern = std::make_unique<RE2>(spec.text, options);
      if (!check->pattern->ok()) ThrowUsage(where + ": '" + spec.text + "' is not a regular expression: " + check->pattern->error());
    }
    for (const auto& value : spec.values) {
      // Numbers compare as the cells print them: "2.50" is 2.5, "1.0" is 1.
      double number;
      const auto index = spec.column.empty() ? std::nullopt : schema.Find(spec.column);
      if (index && IsNumeric(schema.field(*index).type) && schema.field(*index).type != DataType::kBool &&
          ParseFloat64(value, &number)) {
        std::string text;
        if (schema.field(*index).type == DataType::kInt64 && number == std::trunc(number) && std::fabs(number) < 9e18) {
          AppendInt(text, static_cast<int64_t>(number));
        } else {
          AppendDouble(text, number);
        }
        check->allowed.insert(text);
      } else {
        check->allowed.insert(value);
      }
    }
    checks_.push_back(std::move(check));
  }
}

DataChecks::~DataChecks() = default;

std::vector<std::string> DataChecks::ColumnsRead() const {
  std::vector<std::string> columns;
  for (const auto& check : checks_) {
    if (!check->spec.column.empty()) columns.push_back(check->spec.column);
    if (check->expression) {
      for (const auto& column : check->expression->columns()) columns.push_back(column);
    }
  }
  return columns;
}

void DataChecks::Observe(size_t batch_index, const RecordBatch& batch) {
  std::vector<Partial> partials(checks_.size());
  std::string text;
  for (size_t c = 0; c < checks_.size(); ++c) {
    const Compiled& check = *checks_[c];
    Partial& partial = partials[c];
    const size_t rows = batch.num_rows();
    partial.rows = static_cast<int64_t>(rows);
    auto fail = [&](size_t row, std::string value) {
      ++partial.failing;
      if (partial.examples.size() < kExamples) partial.examples.push_back({batch.lines[row], std::move(value)});
    };
    if (check.spec.kind == CheckSpec::Kind::kRowCount) continue;
    if (check.expression) {
      auto result = check.expression->Evaluate(batch);
      for (size_t row = 0; row < rows; ++row) {
        if (result->valid()[row] && !result->ints()[row]) fail(row, "false");
      }
      continue;
    }
    const Column& column = batch.columns[*batch.schema.Find(check.spec.column)];
    for (size_t row = 0; row < rows; ++row) {
      if (column.IsNull(row)) {
        if (check.spec.kind == CheckSpec::Kind::kCompleteness) fail(row, "null");
        continue;
      }
      switch (check.spec.kind) {
        case CheckSpec::Kind::kRange: {
          const double value = column.AsDouble(row);
          if ((check.spec.has_min && value < check.spec.min) || (check.spec.has_max && value > check.spec.max)) {
            text.clear();
            AppendCellText(column, row, text);
            fail(row, text);
          }
          break;
        }
        case CheckSpec::Kind::kAllowed:
          text.clear();
          AppendCellText(column, row, text);
          if (!check.allowed.count(text)) fail(row, text);
          break;
        case CheckSpec::Kind::kPattern: {
          std::string_view value = column.type() == DataType::kString ? column.String(row) : column.Category(row);
          if (!RE2::PartialMatch(re2::StringPiece(value.data(), value.size()), *check.pattern)) fail(row, std::string(value));
          break;
        }
        case CheckSpec::Kind::kUnique:
          text.clear();
          AppendCellText(column, row, text);
          partial.hashes.push_back({Hash64(text), batch.lines[row]});
          break;
        default:
          break;
      }
    }
  }
  std::lock_guard<std::mutex> lock(mutex_);
  partials_[batch_index] = std::move(partials);
}

namespace {

template <typename T>
void Put(std::string& out, T value) {
  out.append(reinterpret_cast<const char*>(&value), sizeof value);
}

template <typename T>
T Take(const std::string& in, size_t& at) {
  if (at + sizeof(T) > in.size()) ThrowInternal("a rank's check results are cut short");
  T value;
  std::memcpy(&value, in.data() + at, sizeof value);
  at += sizeof value;
  return value;
}

}  // namespace

void DataChecks::MergeShards(const std::function<std::vector<std::string>(const std::string&)>& all_gather) {
  // This rank's results, check by check, in batch order.
  std::string mine;
  for (size_t c = 0; c < checks_.size(); ++c) {
    int64_t rows = 0, failing = 0;
    std::vector<std::pair<int64_t, std::string>> examples;
    uint64_t hashes = 0;
    for (const auto& [index, partials] : partials_) {
      rows += partials[c].rows;
      failing += partials[c].failing;
      for (const auto& example : partials[c].examples) {
        if (examples.size() < kExamples) examples.push_back(example);
      }
      hashes += partials[c].hashes.size();
    }
    Put(mine, rows);
    Put(mine, failing);
    Put(mine, static_cast<uint32_t>(examples.size()));
    for (const auto& [line, value] : examples) {
      Put(mine, line);
      Put(mine, static_cast<uint32_t>(value.size()));
      mine.append(value);
    }
    Put(mine, hashes);
    for (const auto& [index, partials] : partials_) {
      for (const auto& [hash, line] : partials[c].hashes) {
        Put(mine, hash);
        Put(mine, line);
      }
    }
  }
  std::vector<Partial> merged(checks_.size());
  for (const auto& theirs : all_gather(mine)) {
    size_t at = 0;
    for (size_t c = 0; c < checks_.size(); ++c) {
      Partial& total = merged[c];
      total.rows += Take<int64_t>(theirs, at);
      total.failing += Take<int64_t>(theirs, at);
      const uint32_t examples = Take<uint32_t>(theirs, at);
      for (uint32_t e = 0; e < examples; ++e) {
        const int64_t line = Take<int64_t>(theirs, at);
        const uint32_t length = Take<uint32_t>(theirs, at);
        if (at + length > theirs.size()) ThrowInternal("a rank's check results are cut short");
        if (total.examples.size() < kExamples) total.examples.push_back({line, theirs.substr(at, length)});
        at += length;
      }
      const uint64_t hashes = Take<uint64_t>(theirs, at);
      for (uint64_t h = 0; h < hashes; ++h) {
        const uint64_t hash = Take<uint64_t>(theirs, at);
        total.hashes.push_back({hash, Take<int64_t>(theirs, at)});
      }
    }
  }
  std::lock_guard<std::mutex> lock(mutex_);
  partials_.clear();
  partials_[0] = std::move(merged);
}

nlohmann::json DataChecks::Finish(int64_t rows_read, const std::string& source_name) {
  nlohmann::json results = nlohmann::json::array();
  std::string errors;
  for (size_t c = 0; c < checks_.size(); ++c) {
    const CheckSpec& spec = checks_[c]->spec;
    Partial total;
    std::vector<std::pair<uint64_t, int64_t>> hashes;
    for (auto& [index, partials] : partials_) {
      Partial& part = partials[c];
      total.rows += part.rows;
      total.failing += part.failing;
      for (auto& example : part.examples) {
        if (total.examples.size() < kExamples) total.examples.push_back(std::move(example));
      }
      hashes.insert(hashes.end(), part.hashes.begin(), part.hashes.end());
      std::vector<std::pair<uint64_t, int64_t>>().swap(part.hashes);
    }
    if (spec.kind == CheckSpec::Kind::kUnique) {
      // Rows whose value an earlier row already had fail; examples are the
      // earliest such rows, each with the line it repeats.
      std::stable_sort(hashes.begin(), hashes.end(),
                       [](const auto& a, const auto& b) { return a.first < b.first; });
      std::vector<std::pair<int64_t, int64_t>> repeats;  // line, first line
      size_t run_start = 0;
      for (size_t i = 1; i < hashes.size(); ++i) {
        if (hashes[i].first != hashes[run_start].first) {
          run_start = i;
          continue;
        }
        repeats.push_back({hashes[i].second, hashes[run_start].second});
      }
      total.failing = static_cast<int64_t>(repeats.size());
      std::sort(repeats.begin(), repeats.end());
      for (size_t i = 0; i < repeats.size() && i < kExamples; ++i) {
        total.examples.push_back({repeats[i].first, "same value as line " + std::to_string(repeats[i].second)});
      }
    }
    bool passed;
    double share = 0;
    if (spec.kind == CheckSpec::Kind::kRowCount) {
      total.rows = rows_read;
      passed = (!spec.has_min || static_cast<double>(rows_read) >= spec.min) &&
               (!spec.has_max || static_cast<double>(rows_read) <= spec.max);
    } else {
      share = total.rows > 0 ? static_cast<double>(total.failing) / static_cast<double>(total.rows) : 0;
      passed = share <= spec.max_failing;
    }
    nlohmann::json examples = nlohmann::json::array();
    for (const auto& [line, value] : total.examples) examples.push_back({{"line", line}, {"value", value}});
    nlohmann::json result = {{"name", spec.name},     {"kind", KindKey(spec.kind)}, {"column", spec.column},
                             {"severity", spec.warn ? "warn" : "error"},          {"rows", total.rows},
                             {"failing", total.failing}, {"share", share},         {"passed", passed},
                             {"examples", examples}};
    results.push_back(result);
    if (passed) continue;
    char what[160];
    if (spec.kind == CheckSpec::Kind::kRowCount) {
      std::snprintf(what, sizeof what, "%s rows read, outside [%s, %s]", FormatCount(rows_read).c_str(),
                    spec.has_min ? FormatCount(static_cast<int64_t>(spec.min)).c_str() : "-",
                    spec.has_max ? FormatCount(static_cast<int64_t>(spec.max)).c_str() : "-");
    } else {
      std::snprintf(what, sizeof what, "%s of %s rows fail (%.3g%%, at most %.3g%% allowed)",
                    FormatCount(total.failing).c_str(), FormatCount(total.rows).c_str(), 100 * share,
                    100 * spec.max_failing);
    }
    std::string line = "check " + spec.name + (spec.column.empty() ? "" : " on column " + spec.column) + ": " + what;
    for (size_t i = 0; i < total.examples.size(); ++i) {
      line += (i == 0 ? "; e.g. " : ", ") + source_name + ":" + std::to_string(total.examples[i].first) + " (" +
              total.examples[i].second + ")";
    }
    if (spec.warn) {
      Log(LogLevel::kWarning, "sluice: warning: " + line);
    } else {
      errors += (errors.empty() ? "" : "\n  ") + line;
    }
  }
  partials_.clear();
  if (!errors.empty()) ThrowInputData("data checks failed before training:\n  " + errors);
  return results;
}

}  // namespace sluice
