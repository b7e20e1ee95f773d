#include "quality/column_profile.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <limits>
#include <unordered_map>

#include "common/format.h"
#include "common/hash.h"
#include "data/value_parser.h"
#include "prep/quantile_sketch.h"

namespace sluice {

namespace {

// HyperLogLog with 2^12 registers (standard error about 1.6%), with the
// small-range (linear counting) correction; registers merge by maximum.
class DistinctSketch {
 public:
  static constexpr int kBits = 12;
  static constexpr size_t kRegisters = size_t{1} << kBits;

  void Add(uint64_t hash) {
    const size_t index = hash >> (64 - kBits);
    const uint64_t rest = (hash << kBits) | (uint64_t{1} << (kBits - 1));
    const uint8_t rank = static_cast<uint8_t>(__builtin_clzll(rest) + 1);
    registers_[index] = std::max(registers_[index], rank);
  }
  void Merge(const DistinctSketch& other) {
    for (size_t i = 0; i < kRegisters; ++i) registers_[i] = std::max(registers_[i], other.registers_[i]);
  }
  double Estimate() const {
    double sum = 0;
    size_t zeros = 0;
    for (uint8_t r : registers_) {
      sum += std::ldexp(1.0, -r);
      zeros += r == 0;
    }
    const double m = static_cast<double>(kRegisters);
    const double raw = 0.7213 / (1 + 1.079 / m) * m * m / sum;
    if (raw <= 2.5 * m && zeros > 0) return m * std::log(m / static_cast<double>(zeros));
    return raw;
  }

 private:
  std::array<uint8_t, kRegisters> registers_{};
};

std::string Percent(double share) {
  char text[32];
  std::snprintf(text, sizeof text, "%.3g%%", 100 * share);
  return text;
}

}  // namespace

struct TableProfiler::ColumnState {
  int64_t rows = 0, nulls = 0;
  DistinctSketch distinct;
  bool numeric = false;
  double min = std::numeric_limits<double>::infinity(), max = -std::numeric_limits<double>::infinity();
  std::string min_text, max_text;  // strings: lexicographic
  QuantileSketch quantiles{200};
  std::unordered_map<std::string, int64_t> counts;  // exact while tracked
  bool too_many = false;

  void Count(const std::string& value, int64_t n) {
    if (too_many) return;
    counts[value] += n;
    if (counts.size() > kMaxTrackedValues) {
      too_many = true;
      counts.clear();
    }
  }

  void Merge(const ColumnState& other) {
    rows += other.rows;
    nulls += other.nulls;
    distinct.Merge(other.distinct);
    min = std::min(min, other.min);
    max = std::max(max, other.max);
    if (!other.min_text.empty() && (min_text.empty() || other.min_text < min_text)) min_text = other.min_text;
    if (other.max_text > max_text) max_text = other.max_text;
    if (other.quantiles.count() > 0) quantiles.Merge(other.quantiles);
    if (other.too_many) {
      too_many = true;
      counts.clear();
    }
    for (const auto& [value, n] : other.counts) Count(value, n);
  }
};

TableProfiler::TableProfiler(const Schema& schema, std::map<std::string, std::string> key_columns)
    : schema_(schema), key_columns_(std::move(key_columns)) {}

TableProfiler::~TableProfiler() = default;

void TableProfiler::Observe(size_t batch_index, const RecordBatch& batch) {
  std::vector<std::unique_ptr<ColumnState>> states;
  std::string text;
  for (size_t c = 0; c < batch.columns.size(); ++c) {
    const Column& column = batch.columns[c];
    auto state = std::make_unique<ColumnState>();
    state->numeric = IsNumeric(column.type()) || column.type() == DataType::kTimestamp;
    const bool is_text = column.type() == DataType::kString || column.type() == DataType::kCategorical;
    state->rows = static_cast<int64_t>(column.size());
    for (size_t row = 0; row < column.size(); ++row) {
      if (column.IsNull(row)) {
        ++state->nulls;
        continue;
      }
      text.clear();
      AppendCellText(column, row, text);
      state->distinct.Add(Hash64(text));
      state->Count(text, 1);
      if (state->numeric) {
        const double value = column.AsDouble(row);
        state->min = std::min(state->min, value);
        state->max = std::max(state->max, value);
        state->quantiles.Add(value);
      } else if (is_text) {
        if (state->min_text.empty() || text < state->min_text) state->min_text = text;
        if (text > state->max_text) state->max_text = text;
      }
    }
    states.push_back(std::move(state));
  }
  std::lock_guard<std::mutex> lock(mutex_);
  partials_[batch_index] = std::move(states);
}

nlohmann::json TableProfiler::Finish() {
  std::vector<ColumnState> merged(schema_.size());
  for (auto& [index, states] : partials_) {
    for (size_t c = 0; c < states.size() && c < merged.size(); ++c) merged[c].Merge(*states[c]);
  }
  partials_.clear();
  nlohmann::json columns = nlohmann::json::array();
  for (size_t c = 0; c < schema_.size(); ++c) {
    const Field& field = schema_.field(c);
    const ColumnState& state = merged[c];
    const int64_t values = state.rows - state.nulls;
    nlohmann::json column = {{"name", field.name},   {"type", DataTypeName(field.type)}, {"rows", state.rows},
                             {"nulls", state.nulls}, {"key", ""},                        {"top", nlohmann::json::array()}};
    // The estimate never exceeds the values there are; exact while tracked.
    double distinct = state.too_many ? std::min(state.distinct.Estimate(), static_cast<double>(values))
                                     : static_cast<double>(state.counts.size());
    column["distinct"] = static_cast<int64_t>(std::llround(distinct));
    column["distinct_exact"] = !state.too_many;
    auto key = key_columns_.find(field.name);
    if (key != key_columns_.end()) column["key"] = key->second;
    const bool numeric = IsNumeric(field.type) || field.type == DataType::kTimestamp;
    auto value_text = [&](double value) {
      std::string text;
      if (field.type == DataType::kTimestamp) {
        AppendTimestamp(text, static_cast<int64_t>(value));
      } else if (field.type == DataType::kFloat64) {
        AppendDouble(text, value);
      } else {
        AppendInt(text, static_cast<int64_t>(std::llround(value)));
      }
      return text;
    };
    if (values > 0 && numeric) {
      column["min"] = value_text(state.min);
      column["max"] = value_text(state.max);
      column["min_value"] = state.min;
      column["max_value"] = state.max;
      nlohmann::json quantiles;
      for (const auto& [name, q] : std::vector<std::pair<const char*, double>>{
               {"p1", 0.01}, {"p25", 0.25}, {"p50", 0.5}, {"p75", 0.75}, {"p99", 0.99}}) {
        quantiles[name] = value_text(state.quantiles.Quantile(q));
      }
      column["quantiles"] = quantiles;
    } else if (values > 0 && !state.min_text.empty()) {
      column["min"] = state.min_text;
      column["max"] = state.max_text;
    }
    if (!state.too_many) {
      std::vector<std::pair<std::string, int64_t>> top(state.counts.begin(), state.counts.end());
      std::sort(top.begin(), top.end(), [](const auto& a, const auto& b) {
        return a.second != b.second ? a.second > b.second : a.first < b.first;
      });
      if (!top.empty() && top[0].second > 1) {
        for (size_t i = 0; i < top.size() && i < 5; ++i) column["top"].push_back({{"value", top[i].first}, {"count", top[i].second}});
      }
      column["all_values"] = nlohmann::json::array();
      if (top.size() <= 20) {
        std::sort(top.begin(), top.end());
        for (const auto& [value, n] : top) column["all_values"].push_back(value);
      }
    }
    if (column["key"] == "" && values >= 50 && distinct >= 0.97 * static_cast<double>(values) &&
        (field.type == DataType::kInt64 || field.type == DataType::kString)) {
      column["key"] = "an identifier: nearly every value different";
    }
    columns.push_back(std::move(column));
  }
  return columns;
}

std::string FormatProfile(const nlohmann::json& profile, const std::string& header) {
  std::string out = header + "\n";
  for (const auto& column : profile) {
    const int64_t rows = column["rows"].get<int64_t>(), nulls = column["nulls"].get<int64_t>();
    out += std::string("\n") + column["name"].get<std::string>() + "  " + column["type"].get<std::string>() + "\n";
    auto line = [&](const char* key, const std::string& value) {
      char buffer[48];
      std::snprintf(buffer, sizeof buffer, "  %-11s", key);
      out += buffer + value + "\n";
    };
    line("nulls", FormatCount(nulls) + " of " + FormatCount(rows) + " (" + Percent(rows > 0 ? double(nulls) / double(rows) : 0) + ")");
    line("distinct", std::string(column["distinct_exact"].get<bool>() ? "" : "~") + FormatCount(column["distinct"].get<int64_t>()));
    if (column.contains("min")) line("min / max", column["min"].get<std::string>() + " / " + column["max"].get<std::string>());
    if (column.contains("quantiles")) {
      const auto& q = column["quantiles"];
      line("quantiles", std::string("p1 ") + q["p1"].get<std::string>() + ", p25 " + q["p25"].get<std::string>() + ", p50 " +
                            q["p50"].get<std::string>() + ", p75 " + q["p75"].get<std::string>() + ", p99 " +
                            q["p99"].get<std::string>());
    }
    if (!column["top"].empty()) {
      std::string top;
      for (const auto& item : column["top"]) {
        top += std::string(top.empty() ? "" : ", ") + item["value"].get<std::string>() + " (" + FormatCount(item["count"].get<int64_t>()) + ")";
      }
      line("top", top);
    }
    if (!column["key"].get<std::string>().empty()) line("looks like", column["key"].get<std::string>());
  }
  return out;
}

namespace {

// A YAML flow scalar: plain when safe, else single-quoted.
std::string YamlScalar(const std::string& text) {
  bool plain = !text.empty() && text.find_first_of(":#,[]{}&*!|>'\"%@`\n\r\t") == std::string::npos &&
               text.front() != ' ' && text.back() != ' ' && text.front() != '-' && text.front() != '?';
  if (plain) return text;
  std::string out = "'";
  for (char c : text) {
    if (c == '\'') out += "''";
    else if (c == '\n') out += " ";
    else out.push_back(c);
  }
  return out + "'";
}

}  // namespace

std::string SuggestChecks(const nlohmann::json& profile, int64_t rows) {
  std::string out = std::string("# Suggested by sluice profile from ") + FormatCount(rows) +
                    " rows: a start, to be read and edited. Paste under the pipeline's top level.\nchecks:\n";
  for (const auto& column : profile) {
    const std::string name = YamlScalar(column["name"].get<std::string>());
    const int64_t column_rows = column["rows"].get<int64_t>(), nulls = column["nulls"].get<int64_t>();
    if (column_rows == 0 || nulls == column_rows) continue;
    if (nulls == 0) {
      out += std::string("  - {completeness: ") + name + "}\n";
    } else {
      const double share = std::floor(100.0 * double(column_rows - nulls) / double(column_rows)) / 100.0;
      char min[32];
      std::snprintf(min, sizeof min, "%g", share);
      out += std::string("  - {completeness: ") + name + ", min: " + min + ", severity: warn}\n";
    }
    const std::string type = column["type"].get<std::string>();
    if ((type == "int64" || type == "float64") && column.contains("min_value") && column["min_value"].get<double>() >= 0) {
      out += std::string("  - {range: ") + name + ", min: 0}\n";
    }
    const std::string key = column["key"].get<std::string>();
    if (!key.empty() && (type == "int64" || type == "string")) {
      out += std::string("  - {unique: ") + name + ", severity: warn}   # " + key + "\n";
    } else if (column.contains("all_values") && !column["all_values"].empty() && column_rows - nulls >= 100 &&
               type != "float64" && type != "timestamp") {
      std::string values;
      for (const auto& value : column["all_values"]) values += std::string(values.empty() ? "" : ", ") + YamlScalar(value.get<std::string>());
      out += std::string("  - {allowed: ") + name + ", values: [" + values + "], severity: warn}\n";
    }
  }
  out += std::string("  - {row_count: {min: ") + std::to_string(std::max<int64_t>(1, rows / 2)) + "}}   # half the rows profiled\n";
  return out;
}

}  // namespace sluice
