#include "artifact/invocation_codec.h"

#include "artifact/text_codec.h"

#include <simdjson.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <cstdint>
#include <memory>

#include "common/format.h"
#include "io/batch_builder.h"
#include "io/csv_tokenizer.h"

namespace sluice {

namespace {

std::string Lower(std::string_view text) {
  std::string out(text);
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

const TextConversion& Conversion() {
  static const TextConversion conversion;
  return conversion;
}

// `json` with every number token outside strings that overflows a double
// replaced by null.
std::string NullOutOfRangeNumbers(std::string_view json) {
  std::string out;
  out.reserve(json.size());
  size_t i = 0;
  while (i < json.size()) {
    const char c = json[i];
    if (c == '"') {
      size_t end = i + 1;
      while (end < json.size() && json[end] != '"') end += json[end] == '\\' ? 2 : 1;
      end = std::min(end + 1, json.size());
      out.append(json.substr(i, end - i));
      i = end;
    } else if (c == '-' || (c >= '0' && c <= '9')) {
      size_t end = i + 1;
      while (end < json.size() && std::strchr("0123456789.eE+-", json[end]) != nullptr) ++end;
      std::string token(json.substr(i, end - i));
      const double value = std::strtod(token.c_str(), nullptr);
      out += std::isfinite(value) ? token : "null";
      i = end;
    } else {
      out.push_back(c);
      ++i;
    }
  }
  return out;
}

}  // namespace

PayloadFormat ParsePayloadFormat(std::string_view media_type, const char* header_name) {
  std::string type = Lower(media_type.substr(0, media_type.find(';')));
  while (!type.empty() && type.back() == ' ') type.pop_back();
  if (type == "text/csv") return PayloadFormat::kCsv;
  if (type == "application/json") return PayloadFormat::kJson;
  if (type == "application/jsonlines" || type == "application/x-jsonlines" || type == "application/jsonl") {
    return PayloadFormat::kJsonLines;
  }
  throw InvocationError(415, std::string(header_name) + " '" + std::string(media_type) +
                                 "' is not supported (text/csv, application/json, application/jsonlines)");
}

const char* MediaType(PayloadFormat format) {
  switch (format) {
    case PayloadFormat::kCsv: return "text/csv";
    case PayloadFormat::kJson: return "application/json";
    case PayloadFormat::kJsonLines: return "application/jsonlines";
  }
  return "text/csv";
}

InvocationCodec::InvocationCodec(const FittedPrep& prep, const Schema& raw_schema)
    : source_schema_(prep.source_schema()), input_schema_(prep.InputSchema()), target_(prep.target()) {
  if (!prep.labels().empty()) class_codec_ = std::make_unique<TextCodec>(std::string(), prep.labels());
  for (const auto& field : raw_schema.fields()) {
    if (field.name != target_) raw_input_schema_.Add(field);
  }
}

RecordBatch InvocationCodec::Decode(PayloadFormat format, std::string_view body, bool csv_header) const {
  RecordBatch all;
  DecodeInSlices(format, body, csv_header, SIZE_MAX, [&](RecordBatch&& batch) { all = std::move(batch); });
  return all;
}

void InvocationCodec::DecodeInSlices(PayloadFormat format, std::string_view body, bool csv_header, size_t max_rows,
                                     const std::function<void(RecordBatch&&)>& slice) const {
  if (body.empty()) throw InvocationError(400, "the request body is empty");
  auto in_layout = [&](RecordBatch&& batch) {
    RejectRowsWithoutValues(batch);
    slice(ToSourceLayout(std::move(batch)));
  };
  switch (format) {
    case PayloadFormat::kCsv: return DecodeCsv(body, csv_header, max_rows, in_layout);
    case PayloadFormat::kJson: return DecodeJson(body, false, max_rows, in_layout);
    case PayloadFormat::kJsonLines: return DecodeJson(body, true, max_rows, in_layout);
  }
  throw InvocationError(415, "unsupported content type");
}

void InvocationCodec::RejectRowsWithoutValues(const RecordBatch& batch) const {
  if (batch.columns.empty()) return;
  for (size_t row = 0; row < batch.num_rows(); ++row) {
    bool any = false;
    for (const auto& column : batch.columns) {
      if (!column.IsNull(row)) {
        any = true;
        break;
      }
    }
    if (!any) {
      throw InvocationError(400, "row " + std::to_string(batch.lines[row]) +
                                     ": no input values (every column the model reads is empty: " +
                                     input_schema_.NameList() + ")");
    }
  }
}

void InvocationCodec::DecodeCsv(std::string_view body, bool header, size_t max_rows,
                                const std::function<void(RecordBatch&&)>& slice) const {
  // No row of a request has more fields than the training data has columns
  // (with the target): past that the row is refused without keeping them.
  CsvOptions options;
  options.max_fields = std::max(raw_input_schema_.size(), input_schema_.size()) + 2;
  CsvTokenizer tokenizer(body.data(), body.size(), 1, options);
  auto builder = std::make_unique<BatchBuilder>(input_schema_, Conversion());
  size_t in_slice = 0;
  // Field position -> input column; without a header, the input schema's order.
  std::vector<int> target(input_schema_.size());
  for (size_t i = 0; i < target.size(); ++i) target[i] = static_cast<int>(i);
  // Rows with every column of the training data: pick out the ones read.
  std::vector<int> raw_target;
  for (const auto& field : raw_input_schema_.fields()) {
    auto index = input_schema_.Find(field.name);
    raw_target.push_back(index ? static_cast<int>(*index) : -1);
  }
  size_t row = 0;
  if (header) {
    if (!tokenizer.Next()) throw InvocationError(400, "the CSV body has no header");
    if (!tokenizer.error().empty()) throw InvocationError(400, "the header: " + tokenizer.error());
    target.assign(tokenizer.fields().size(), -1);
    std::vector<uint8_t> seen(input_schema_.size(), 0);
    for (size_t f = 0; f < tokenizer.fields().size(); ++f) {
      std::string name(tokenizer.fields()[f].text);
      const bool unnamed = name.empty();
      // An unnamed column is named as the training data's reader names it.
      if (unnamed) name = "column_" + std::to_string(f + 1);
      if (name == target_) continue;  // a target column is allowed and ignored
      auto index = input_schema_.Find(name);
      if (!index && (raw_input_schema_.Find(name) || unnamed)) continue;  // a column the model does not read
      if (!index) throw InvocationError(400, "unknown column '" + name + "' (the model reads " + input_schema_.NameList() + ")");
      target[f] = static_cast<int>(*index);
      seen[*index] = 1;
    }
    for (size_t c = 0; c < seen.size(); ++c) {
      if (!seen[c]) throw InvocationError(400, "the header lacks column '" + input_schema_.field(c).name + "'");
    }
  }
  while (tokenizer.Next()) {
    ++row;
    const auto& fields = tokenizer.fields();
    if (!tokenizer.error().empty()) throw InvocationError(400, "row " + std::to_string(row) + ": " + tokenizer.error());
    const std::vector<int>& mapping =
        !header && fields.size() != target.size() && fields.size() == raw_target.size() ? raw_target : target;
    if (fields.size() != mapping.size()) {
      throw InvocationError(400, "row " + std::to_string(row) + ": expected " + std::to_string(target.size()) +
                                     " fields (" + input_schema_.NameList() + ")" +
                                     (raw_target.size() != target.size()
                                          ? " or " + std::to_string(raw_target.size()) + " (" + raw_input_schema_.NameList() + ")"
                                          : std::string()) +
                                     ", found " + std::to_string(fields.size()));
    }
    // Fields go to their columns; with a header they may come in any order.
    std::vector<std::pair<int, size_t>> order;
    for (size_t f = 0; f < fields.size(); ++f) {
      if (mapping[f] >= 0) order.push_back({mapping[f], f});
    }
    std::sort(order.begin(), order.end());
    for (const auto& [column, f] : order) {
      if (!builder->AppendText(static_cast<size_t>(column), fields[f].text, fields[f].quoted)) {
        throw InvocationError(400, "row " + std::to_string(row) + ": " + builder->error());
      }
    }
    builder->CommitRow(static_cast<int64_t>(row));
    if (++in_slice == max_rows) {
      slice(builder->Finish());
      builder = std::make_unique<BatchBuilder>(input_schema_, Conversion());
      in_slice = 0;
    }
  }
  if (row == 0) throw InvocationError(400, "the CSV body has no rows");
  if (in_slice > 0) slice(builder->Finish());
}

void InvocationCodec::DecodeJson(std::string_view body, bool lines, size_t max_rows,
                                 const std::function<void(RecordBatch&&)>& slice) const {
  auto builder = std::make_unique<BatchBuilder>(input_schema_, Conversion());
  size_t in_slice = 0;
  simdjson::dom::parser parser;
  size_t row = 0;
  std::vector<uint8_t> seen(input_schema_.size());
  auto add_object = [&](simdjson::dom::object object) {
    ++row;
    std::fill(seen.begin(), seen.end(), 0);
    for (auto field : object) {
      std::string key(field.key);
      if (key == target_) continue;
      auto index = input_schema_.Find(key);
      if (!index && raw_input_schema_.Find(key)) continue;  // a training column the model does not read
      if (!index) {
        throw InvocationError(400, "row " + std::to_string(row) + ": unknown column '" + key + "' (the model reads " +
                                       input_schema_.NameList() + ")");
      }
      if (seen[*index]) throw InvocationError(400, "row " + std::to_string(row) + ": column '" + key + "' twice");
      seen[*index] = 1;
      bool ok = true;
      simdjson::dom::element value = field.value;
      switch (value.type()) {
        case simdjson::dom::element_type::NULL_VALUE: builder->AppendNull(*index); break;
        case simdjson::dom::element_type::INT64: ok = builder->AppendInt(*index, int64_t(value)); break;
        case simdjson::dom::element_type::UINT64: ok = builder->AppendDouble(*index, static_cast<double>(uint64_t(value))); break;
        case simdjson::dom::element_type::DOUBLE: ok = builder->AppendDouble(*index, double(value)); break;
        case simdjson::dom::element_type::BOOL: ok = builder->AppendBool(*index, bool(value)); break;
        case simdjson::dom::element_type::STRING: ok = builder->AppendText(*index, std::string_view(value), true); break;
        default: ok = builder->AppendText(*index, simdjson::minify(value), true);
      }
      if (!ok) throw InvocationError(400, "row " + std::to_string(row) + ": " + builder->error());
    }
    for (size_t c = 0; c < seen.size(); ++c) {
      if (!seen[c]) builder->AppendNull(c);
    }
    builder->CommitRow(static_cast<int64_t>(row));
    if (++in_slice == max_rows) {
      slice(builder->Finish());
      builder = std::make_unique<BatchBuilder>(input_schema_, Conversion());
      in_slice = 0;
    }
  };
  auto parse = [&](std::string_view text) {
    simdjson::padded_string padded(text);
    simdjson::dom::element document;
    auto error = parser.parse(padded).get(document);
    if (error == simdjson::NUMBER_ERROR) {
      // A number beyond float64's range (1e999) is valid JSON that simdjson
      // refuses: read it as null, a missing value, as CSV and training data
      // read it.
      simdjson::padded_string rewritten(NullOutOfRangeNumbers(text));
      error = parser.parse(rewritten).get(document);
    }
    if (error) {
      throw InvocationError(400, (lines ? "line " + std::to_string(row + 1) + ": " : std::string()) + "invalid JSON: " +
                                     simdjson::error_message(error));
    }
    return document;
  };
  if (lines) {
    ForEachJsonLine(body, [&](std::string_view line) {
      simdjson::dom::object object;
      if (parse(line).get_object().get(object)) throw InvocationError(400, "line " + std::to_string(row + 1) + ": not a JSON object");
      add_object(object);
    });
  } else {
    simdjson::dom::element document = parse(body);
    simdjson::dom::object object;
    simdjson::dom::array instances;
    if (document.get_object().get(object) == simdjson::SUCCESS) {
      simdjson::dom::element inner;
      if (object["instances"].get(inner) == simdjson::SUCCESS) {
        if (inner.get_array().get(instances)) throw InvocationError(400, "\"instances\" must be a list of objects");
        for (simdjson::dom::element item : instances) {
          simdjson::dom::object instance;
          if (item.get_object().get(instance)) throw InvocationError(400, "instance " + std::to_string(row + 1) + " is not an object");
          add_object(instance);
        }
      } else {
        add_object(object);
      }
    } else if (document.get_array().get(instances) == simdjson::SUCCESS) {
      for (simdjson::dom::element item : instances) {
        simdjson::dom::object instance;
        if (item.get_object().get(instance)) throw InvocationError(400, "row " + std::to_string(row + 1) + " is not an object");
        add_object(instance);
      }
    } else {
      throw InvocationError(400, "expected {\"instances\": [...]}, one object, or a list of objects");
    }
  }
  if (row == 0) throw InvocationError(400, "the request holds no rows");
  if (in_slice > 0) slice(builder->Finish());
}

RecordBatch InvocationCodec::ToSourceLayout(RecordBatch&& input) const {
  RecordBatch out;
  out.schema = source_schema_;
  out.lines = std::move(input.lines);
  size_t rows = out.lines.size();
  for (const auto& field : source_schema_.fields()) {
    auto index = input.schema.Find(field.name);
    if (index) {
      out.columns.push_back(std::move(input.columns[*index]));
    } else {
      Column nulls(field.type);
      for (size_t row = 0; row < rows; ++row) nulls.AppendNull();
      out.columns.push_back(std::move(nulls));
    }
  }
  return out;
}

std::string InvocationCodec::Encode(PayloadFormat format, const std::vector<float>& predictions) const {
  // A multi-class model answers as a text model does: each row's most
  // likely class and every class's probability.
  if (class_codec_) return class_codec_->Encode(format, predictions);
  std::string out;
  out.reserve(predictions.size() * 14 + 20);
  switch (format) {
    case PayloadFormat::kCsv:
      for (float value : predictions) {
        AppendFloat(out, value);
        out.push_back('\n');
      }
      break;
    case PayloadFormat::kJson:
      out += "{\"predictions\":[";
      for (size_t i = 0; i < predictions.size(); ++i) {
        if (i) out.push_back(',');
        AppendFloat(out, predictions[i]);
      }
      out += "]}";
      break;
    case PayloadFormat::kJsonLines:
      for (float value : predictions) {
        out += "{\"prediction\":";
        AppendFloat(out, value);
        out += "}\n";
      }
      break;
  }
  return out;
}

}  // namespace sluice
