#include "io/batch_builder.h"

#include <cmath>
#include <cstdio>

#include "data/value_parser.h"

namespace sluice {

namespace {

std::string_view Trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  return text;
}

std::string Shorten(std::string_view text) {
  constexpr size_t kMax = 60;
  if (text.size() <= kMax) return std::string(text);
  return std::string(text.substr(0, kMax)) + "...";
}

}  // namespace

BatchBuilder::BatchBuilder(const Schema& schema, const TextConversion& conversion) : conversion_(conversion) {
  batch_.schema = schema;
  category_codes_.resize(schema.size());
  dictionaries_.resize(schema.size());
  timestamp_formats_.resize(schema.size());
  for (size_t i = 0; i < schema.size(); ++i) {
    const Field& field = schema.field(i);
    batch_.columns.emplace_back(field.type);
    if (field.type == DataType::kCategorical) dictionaries_[i] = std::make_shared<Dictionary>();
    if (field.type == DataType::kTimestamp && !field.format.empty()) {
      timestamp_formats_[i] = TimestampFormat::Parse(field.format, "source.schema." + field.name + ".format");
    }
  }
}

void BatchBuilder::Reserve(size_t rows) {
  for (auto& column : batch_.columns) column.Reserve(rows);
  batch_.lines.reserve(rows);
}

bool BatchBuilder::Fail(size_t index, std::string_view text, const char* what) {
  error_ = "column " + batch_.schema.field(index).name + ": '" + Shorten(text) + "' " + what;
  return false;
}

bool BatchBuilder::AppendText(size_t index, std::string_view text, bool quoted) {
  Column& column = batch_.columns[index];
  DataType type = column.type();
  if (!quoted && text.empty()) {
    column.AppendNull();
    return true;
  }
  if (type == DataType::kString || type == DataType::kCategorical) {
    if (!IsValidUtf8(text)) {
      error_ = "column " + batch_.schema.field(index).name + ": invalid UTF-8";
      return false;
    }
    if (type == DataType::kString) {
      column.AppendString(text);
      return true;
    }
    auto& codes = category_codes_[index];
    auto found = codes.find(std::string(text));
    if (found == codes.end()) {
      found = codes.emplace(std::string(text), static_cast<int64_t>(dictionaries_[index]->size())).first;
      dictionaries_[index]->emplace_back(text);
    }
    column.AppendInt(found->second);
    return true;
  }
  std::string_view value = Trim(text);
  // Null tokens are checked only when the text is not a value: most fields are.
  auto is_null_token = [&]() {
    if (quoted && !value.empty()) return false;
    for (const auto& null_value : conversion_.null_values) {
      if (value == null_value) return true;
    }
    return false;
  };
  // A value that did not parse: a null token, or the row's reject reason.
  auto null_or_fail = [&](const char* problem) {
    if (!is_null_token()) return Fail(index, text, problem);
    column.AppendNull();
    return true;
  };
  switch (type) {
    case DataType::kInt64: {
      int64_t parsed;
      if (ParseInt64(value, &parsed)) {
        column.AppendInt(parsed);
        return true;
      }
      double as_double;
      if (ParseFloat64(value, &as_double) && std::trunc(as_double) == as_double &&
          std::fabs(as_double) < 9.2e18) {
        column.AppendInt(static_cast<int64_t>(as_double));
        return true;
      }
      return null_or_fail(ParseFloat64(value, &as_double)
                              ? "is not an integer (declare the column float64 in source.schema)"
                              : "is not an integer");
    }
    case DataType::kFloat64: {
      double parsed = 0;
      if (ParseFloat64(value, &parsed)) {
        // NaN and infinities carry no value a model or a statistic can use.
        if (std::isfinite(parsed)) {
          column.AppendDouble(parsed);
        } else {
          column.AppendNull();
        }
        return true;
      }
      return null_or_fail("is not a number");
    }
    case DataType::kBool: {
      bool parsed;
      if (ParseBool(value, &parsed)) {
        column.AppendInt(parsed);
        return true;
      }
      return null_or_fail("is not a boolean");
    }
    case DataType::kTimestamp: {
      int64_t micros;
      const auto& format = timestamp_formats_[index];
      if (format ? format->Read(value, &micros) : ParseTimestamp(value, &micros)) {
        column.AppendInt(micros);
        return true;
      }
      if (format && !is_null_token()) {
        return Fail(index, text, ("is not a timestamp in format " + format->spec()).c_str());
      }
      return null_or_fail("is not a timestamp (YYYY-MM-DD HH:MM:SS)");
    }
    default:
      return Fail(index, text, "cannot be converted");
  }
}

bool BatchBuilder::AppendInt(size_t index, int64_t value) {
  Column& column = batch_.columns[index];
  switch (column.type()) {
    case DataType::kInt64:
      column.AppendInt(value);
      return true;
    case DataType::kFloat64:
      column.AppendDouble(static_cast<double>(value));
      return true;
    case DataType::kBool:
      if (value == 0 || value == 1) {
        column.AppendInt(value);
        return true;
      }
      break;
    case DataType::kString:
    case DataType::kCategorical:
      return AppendText(index, std::to_string(value), true);
    case DataType::kTimestamp:
      // A declared format reads numbers too (epoch_ms, "%Y%m%d").
      if (timestamp_formats_[index]) return AppendText(index, std::to_string(value), false);
      break;
    default:
      break;
  }
  return Fail(index, std::to_string(value), ("is not a " + std::string(DataTypeName(column.type()))).c_str());
}

bool BatchBuilder::AppendDouble(size_t index, double value) {
  Column& column = batch_.columns[index];
  if (!std::isfinite(value)) {
    // As in text: NaN and infinities carry no value, they are missing.
    column.AppendNull();
    return true;
  }
  if (column.type() == DataType::kFloat64) {
    column.AppendDouble(value);
    return true;
  }
  if (column.type() == DataType::kInt64 && std::trunc(value) == value && std::fabs(value) < 9.2e18) {
    column.AppendInt(static_cast<int64_t>(value));
    return true;
  }
  std::string text = std::to_string(value);
  if (column.type() == DataType::kString || column.type() == DataType::kCategorical) {
    return AppendText(index, text, true);
  }
  if (column.type() == DataType::kTimestamp && timestamp_formats_[index]) {
    char exact[32];
    std::snprintf(exact, sizeof exact, "%.17g", value);
    return AppendText(index, exact, false);
  }
  return Fail(index, text, ("is not a " + std::string(DataTypeName(column.type()))).c_str());
}

bool BatchBuilder::AppendBool(size_t index, bool value) {
  Column& column = batch_.columns[index];
  if (column.type() == DataType::kBool || column.type() == DataType::kInt64) {
    column.AppendInt(value);
    return true;
  }
  if (column.type() == DataType::kFloat64) {
    column.AppendDouble(value);
    return true;
  }
  if (column.type() == DataType::kString || column.type() == DataType::kCategorical) {
    return AppendText(index, value ? "true" : "false", true);
  }
  return Fail(index, value ? "true" : "false", "is not a timestamp");
}

bool BatchBuilder::AppendTimestamp(size_t index, int64_t micros) {
  Column& column = batch_.columns[index];
  if (column.type() == DataType::kTimestamp) {
    column.AppendInt(micros);
    return true;
  }
  std::string text;
  sluice::AppendTimestamp(text, micros);  // the free function (data/value_parser.h)
  if (column.type() == DataType::kString || column.type() == DataType::kCategorical) return AppendText(index, text, true);
  return Fail(index, text, "is a timestamp, not a number");
}

void BatchBuilder::RejectRow(int64_t line, std::string reason, std::string_view text) {
  size_t rows = batch_.lines.size();
  for (auto& column : batch_.columns) column.Truncate(rows);
  constexpr size_t kMaxText = 1000;
  batch_.rejects.push_back(
      {line, std::move(reason), std::string(text.substr(0, std::min(text.size(), kMaxText)))});
}

RecordBatch BatchBuilder::Finish() {
  for (size_t i = 0; i < dictionaries_.size(); ++i) {
    if (dictionaries_[i]) batch_.columns[i].set_dictionary(dictionaries_[i]);
  }
  return std::move(batch_);
}

}  // namespace sluice
