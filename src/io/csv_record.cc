#include "io/csv_record.h"

#include <string_view>
#include <unordered_map>

#include "common/error.h"

namespace sluice {

std::string TooLongReason(const SkippedRecord& record, size_t max_bytes) {
  return "record of " + std::to_string(record.bytes) + " bytes is longer than source.max_line_bytes (" +
         std::to_string(max_bytes) + "); skipped to the next line";
}

[[noreturn]] void ThrowHeaderTooLong(const std::string& path, const SkippedRecord& header, size_t max_bytes) {
  ThrowInputData(path + ":1: header of " + std::to_string(header.bytes) +
                 " bytes is longer than source.max_line_bytes (" + std::to_string(max_bytes) +
                 "); raise it if the file really has such a header");
}

std::vector<std::string> HeaderNames(const CsvTokenizer& tokenizer, const std::string& path) {
  std::vector<std::string> names;
  for (size_t i = 0; i < tokenizer.fields().size(); ++i) {
    std::string name(tokenizer.fields()[i].text);
    if (i == 0 && name.rfind("\xEF\xBB\xBF", 0) == 0) name.erase(0, 3);  // UTF-8 BOM
    if (name.empty()) name = "column_" + std::to_string(i + 1);
    names.push_back(name);
  }
  std::unordered_map<std::string_view, size_t> first_of;
  first_of.reserve(names.size());
  for (size_t j = 0; j < names.size(); ++j) {
    auto [it, inserted] = first_of.emplace(names[j], j);
    if (!inserted) {
      ThrowInputData(path + ":" + std::to_string(tokenizer.line()) + ": header: column name '" + names[j] +
                     "' appears twice (columns " + std::to_string(it->second + 1) + " and " + std::to_string(j + 1) + ")");
    }
  }
  return names;
}

RecordOutcome AppendCsvRecord(const CsvTokenizer& tokenizer, const int* target, size_t num_columns, BatchBuilder& builder) {
  const auto& fields = tokenizer.fields();
  if (!tokenizer.error().empty()) {
    builder.RejectRow(tokenizer.line(), tokenizer.error(), tokenizer.raw());
    return RecordOutcome::kRejected;
  }
  if (tokenizer.blank()) return RecordOutcome::kBlank;
  if (fields.size() != num_columns) {
    builder.RejectRow(tokenizer.line(),
                      "expected " + std::to_string(num_columns) + " fields, found " + std::to_string(fields.size()),
                      tokenizer.raw());
    return RecordOutcome::kRejected;
  }
  for (size_t column = 0; column < num_columns; ++column) {
    if (target[column] < 0) continue;
    if (!builder.AppendText(static_cast<size_t>(target[column]), fields[column].text, fields[column].quoted)) {
      builder.RejectRow(tokenizer.line(), builder.error(), tokenizer.raw());
      return RecordOutcome::kRejected;
    }
  }
  builder.CommitRow(tokenizer.line());
  return RecordOutcome::kRow;
}

}  // namespace sluice
