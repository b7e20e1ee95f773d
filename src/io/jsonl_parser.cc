#include "io/jsonl_parser.h"

#include <simdjson.h>

#include <cstring>

namespace sluice {

namespace {

// Calls fn(line_start, line_length, line_number) for each non-blank line;
// returns the number of blank ones.
template <typename Fn>
int64_t ForEachLine(const char* data, size_t size, int64_t first_line, Fn fn) {
  int64_t blank_lines = 0;
  size_t pos = 0;
  int64_t line = first_line;
  while (pos < size) {
    const void* newline = std::memchr(data + pos, '\n', size - pos);
    size_t end = newline ? static_cast<const char*>(newline) - data : size;
    size_t length = end - pos;
    if (length > 0 && data[pos + length - 1] == '\r') --length;
    bool blank = true;
    for (size_t i = pos; i < pos + length; ++i) {
      if (data[i] != ' ' && data[i] != '\t') {
        blank = false;
        break;
      }
    }
    if (blank) {
      ++blank_lines;
    } else {
      fn(data + pos, length, line);
    }
    pos = end + 1;
    ++line;
  }
  return blank_lines;
}

simdjson::dom::parser& ThreadParser() {
  thread_local simdjson::dom::parser parser;
  return parser;
}

}  // namespace

int64_t ParseJsonLinesChunk(const char* data, size_t size, int64_t first_line, const ColumnIndex& columns,
                            BatchBuilder& builder) {
  auto& parser = ThreadParser();
  size_t num_columns = columns.size();
  std::vector<uint8_t> seen(num_columns);
  return ForEachLine(data, size, first_line, [&](const char* line, size_t length, int64_t number) {
    std::string_view raw(line, length);
    simdjson::dom::element document;
    auto error = parser.parse(reinterpret_cast<const uint8_t*>(line), length, false).get(document);
    if (error) {
      builder.RejectRow(number, std::string("invalid JSON: ") + simdjson::error_message(error), raw);
      return;
    }
    simdjson::dom::object object;
    if (document.get_object().get(object)) {
      builder.RejectRow(number, "not a JSON object", raw);
      return;
    }
    std::fill(seen.begin(), seen.end(), 0);
    std::string reason;
    for (auto field : object) {
      auto found = columns.find(std::string(field.key));
      if (found == columns.end()) continue;
      size_t index = found->second;
      if (seen[index]) {
        reason = "duplicate key '" + std::string(field.key) + "'";
        break;
      }
      seen[index] = 1;
      bool ok = true;
      simdjson::dom::element value = field.value;
      switch (value.type()) {
        case simdjson::dom::element_type::NULL_VALUE:
          builder.AppendNull(index);
          break;
        case simdjson::dom::element_type::INT64:
          ok = builder.AppendInt(index, int64_t(value));
          break;
        case simdjson::dom::element_type::UINT64:
          ok = builder.AppendDouble(index, static_cast<double>(uint64_t(value)));
          break;
        case simdjson::dom::element_type::DOUBLE:
          ok = builder.AppendDouble(index, double(value));
          break;
        case simdjson::dom::element_type::BOOL:
          ok = builder.AppendBool(index, bool(value));
          break;
        case simdjson::dom::element_type::STRING:
          ok = builder.AppendText(index, std::string_view(value), true);
          break;
        default: {
          std::string text = simdjson::minify(value);
          ok = builder.AppendText(index, text, true);
        }
      }
      if (!ok) {
        reason = builder.error();
        break;
      }
    }
    if (!reason.empty()) {
      builder.RejectRow(number, reason, raw);
      return;
    }
    for (size_t index = 0; index < num_columns; ++index) {
      if (!seen[index]) builder.AppendNull(index);
    }
    builder.CommitRow(number);
  });
}

void CollectJsonKeys(const char* data, size_t size, JsonKeyStats* stats) {
  simdjson::dom::parser parser;
  ForEachLine(data, size, 1, [&](const char* line, size_t length, int64_t) {
    simdjson::padded_string padded(line, length);
    simdjson::dom::element document;
    if (parser.parse(padded).get(document)) return;
    simdjson::dom::object object;
    if (document.get_object().get(object)) return;
    for (auto field : object) {
      std::string key(field.key);
      auto kind = stats->kinds.find(key);
      if (kind == stats->kinds.end()) {
        stats->keys.push_back(key);
        kind = stats->kinds.emplace(key, 0).first;
      }
      switch (field.value.type()) {
        case simdjson::dom::element_type::NULL_VALUE: break;
        case simdjson::dom::element_type::INT64:
        case simdjson::dom::element_type::UINT64: kind->second |= kJsonInt; break;
        case simdjson::dom::element_type::DOUBLE: kind->second |= kJsonFloat; break;
        case simdjson::dom::element_type::BOOL: kind->second |= kJsonBool; break;
        case simdjson::dom::element_type::STRING:
          kind->second |= kJsonString;
          stats->samples[key].emplace_back(std::string_view(field.value));
          break;
        default: kind->second |= kJsonNested;
      }
    }
  });
}

}  // namespace sluice
