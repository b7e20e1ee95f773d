#include "artifact/text_codec.h"

#include <algorithm>

#include "common/format.h"
#include "io/csv_tokenizer.h"
#include "nlohmann/json.hpp"

namespace sluice {

std::vector<std::string> TextCodec::Decode(PayloadFormat format, std::string_view body, bool csv_header) const {
  if (body.empty()) throw InvocationError(400, "the request body is empty");
  std::vector<std::string> texts;
  auto add = [&](std::string text, size_t row) {
    if (text.empty()) throw InvocationError(400, "row " + std::to_string(row) + ": column " + text_column_ + ": empty text");
    texts.push_back(std::move(text));
  };
  if (format == PayloadFormat::kCsv) {
    CsvTokenizer tokenizer(body.data(), body.size(), 1, CsvOptions{});
    size_t column = 0, row = 0;
    bool first = true;
    while (tokenizer.Next()) {
      if (!tokenizer.error().empty()) throw InvocationError(400, "row " + std::to_string(row + 1) + ": " + tokenizer.error());
      const auto& fields = tokenizer.fields();
      if (first && csv_header) {
        first = false;
        auto it = std::find_if(fields.begin(), fields.end(), [&](const CsvField& f) { return f.text == text_column_; });
        if (it == fields.end()) throw InvocationError(400, "the header has no column '" + text_column_ + "'");
        column = static_cast<size_t>(it - fields.begin());
        continue;
      }
      first = false;
      ++row;
      if (!csv_header && fields.size() != 1) {
        throw InvocationError(400, "row " + std::to_string(row) + ": " + std::to_string(fields.size()) +
                                       " fields; a text model takes one text a row (quote texts with commas, or send a header)");
      }
      if (column >= fields.size()) throw InvocationError(400, "row " + std::to_string(row) + ": no " + text_column_ + " field");
      add(std::string(fields[column].text), row);
    }
    if (texts.empty()) throw InvocationError(400, "the request holds no rows");
    return texts;
  }
  auto take = [&](const nlohmann::json& value, size_t row) {
    if (value.is_string()) return add(value.get<std::string>(), row);
    if (!value.is_object()) throw InvocationError(400, "row " + std::to_string(row) + ": expected an object or a string");
    auto it = value.find(text_column_);
    if (it == value.end() || it->is_null()) {
      throw InvocationError(400, "row " + std::to_string(row) + ": column " + text_column_ + " is missing");
    }
    if (!it->is_string()) throw InvocationError(400, "row " + std::to_string(row) + ": column " + text_column_ + " is not a string");
    add(it->get<std::string>(), row);
  };
  try {
    if (format == PayloadFormat::kJsonLines) {
      size_t row = 0;
      ForEachJsonLine(body, [&](std::string_view line) { take(nlohmann::json::parse(line), ++row); });
    } else {
      nlohmann::json document = nlohmann::json::parse(body);
      const nlohmann::json* rows = &document;
      if (document.is_object() && document.contains("instances")) rows = &document["instances"];
      if (rows->is_array()) {
        size_t row = 0;
        for (const auto& value : *rows) take(value, ++row);
      } else {
        take(*rows, 1);
      }
    }
  } catch (const nlohmann::json::exception& error) {
    throw InvocationError(400, std::string("malformed JSON: ") + error.what());
  }
  if (texts.empty()) throw InvocationError(400, "the request holds no rows");
  return texts;
}

std::string TextCodec::Encode(PayloadFormat format, const std::vector<float>& probabilities) const {
  const size_t classes = labels_.size();
  const size_t rows = classes ? probabilities.size() / classes : 0;
  std::string out;
  auto label_of = [&](size_t row) -> const std::string& {
    const float* p = probabilities.data() + row * classes;
    return labels_[static_cast<size_t>(std::max_element(p, p + classes) - p)];
  };
  if (format == PayloadFormat::kCsv) {
    for (size_t row = 0; row < rows; ++row) {
      const std::string& label = label_of(row);
      if (label.find_first_of(",\"\r\n") == std::string::npos) {
        out += label;
      } else {  // RFC 4180 quoting
        out.push_back('"');
        for (char c : label) {
          if (c == '"') out.push_back('"');
          out.push_back(c);
        }
        out.push_back('"');
      }
      for (size_t c = 0; c < classes; ++c) {
        out.push_back(',');
        AppendFloat(out, probabilities[row * classes + c]);
      }
      out.push_back('\n');
    }
    return out;
  }
  auto object = [&](size_t row) {
    std::string item = "{\"label\":" + nlohmann::json(label_of(row)).dump() + ",\"probabilities\":{";
    for (size_t c = 0; c < classes; ++c) {
      if (c) item.push_back(',');
      item += nlohmann::json(labels_[c]).dump() + ":";
      AppendFloat(item, probabilities[row * classes + c]);
    }
    return item + "}}";
  };
  if (format == PayloadFormat::kJsonLines) {
    for (size_t row = 0; row < rows; ++row) out += object(row) + "\n";
    return out;
  }
  out = "{\"predictions\":[";
  for (size_t row = 0; row < rows; ++row) {
    if (row) out.push_back(',');
    out += object(row);
  }
  return out + "]}";
}

}  // namespace sluice
