#include "io/csv_tokenizer.h"

#include <algorithm>
#include <cstring>
#include <string>

namespace sluice {

CsvTokenizer::CsvTokenizer(const char* data, size_t size, int64_t first_line, const CsvOptions& options)
    : data_(data), size_(size), next_line_(first_line), options_(options) {}

bool CsvTokenizer::blank() const {
  for (const auto& field : fields_) {
    if (field.quoted || field.text.find_first_not_of(" \t") != std::string_view::npos) return false;
  }
  return error_.empty();
}

bool CsvTokenizer::Next() {
  const char delimiter = options_.delimiter;
  const char quote = options_.quote;
  // Skip blank lines (LF or CRLF alone).
  while (pos_ < size_) {
    if (data_[pos_] == '\n') {
      ++pos_;
      ++next_line_;
      ++empty_lines_;
    } else if (data_[pos_] == '\r' && pos_ + 1 < size_ && data_[pos_ + 1] == '\n') {
      pos_ += 2;
      ++next_line_;
      ++empty_lines_;
    } else {
      break;
    }
  }
  if (pos_ >= size_) return false;
  fields_.clear();
  scratch_.clear();
  scratch_fields_.clear();
  scratch_spans_.clear();
  error_.clear();
  line_ = next_line_;
  size_t record_start = pos_;
  size_t pos = pos_;
  for (;;) {
    if (options_.max_fields != 0 && fields_.size() >= options_.max_fields) {
      error_ = "more than " + std::to_string(options_.max_fields) + " fields";
      const void* newline = pos < size_ ? std::memchr(data_ + pos, '\n', size_ - pos) : nullptr;
      pos = newline ? static_cast<size_t>(static_cast<const char*>(newline) - data_) : size_;
      break;
    }
    if (options_.quoting && pos < size_ && data_[pos] == quote) {
      // Quoted field.
      size_t start = ++pos;
      bool escaped = false;
      size_t scratch_start = scratch_.size();
      for (;;) {
        const void* found = pos < size_ ? std::memchr(data_ + pos, quote, size_ - pos) : nullptr;
        if (!found) {
          error_ = "unterminated quoted field";
          next_line_ += std::count(data_ + start, data_ + size_, '\n');
          pos = size_;
          break;
        }
        size_t at = static_cast<const char*>(found) - data_;
        next_line_ += std::count(data_ + pos, data_ + at, '\n');
        if (at + 1 < size_ && data_[at + 1] == quote) {
          if (!escaped) {
            scratch_.append(data_ + start, at + 1 - start);
            escaped = true;
          } else {
            scratch_.append(data_ + pos, at + 1 - pos);
          }
          pos = at + 2;
          continue;
        }
        if (escaped) scratch_.append(data_ + pos, at - pos);
        CsvField field;
        field.quoted = true;
        if (escaped) {
          scratch_fields_.push_back(fields_.size());
          scratch_spans_.push_back({scratch_start, scratch_.size() - scratch_start});
        } else {
          field.text = std::string_view(data_ + start, at - start);
        }
        fields_.push_back(field);
        pos = at + 1;
        break;
      }
      if (!error_.empty()) break;
      // After the closing quote: a delimiter, the end of the record, or junk.
      if (pos >= size_ || data_[pos] == '\n' || (data_[pos] == '\r' && (pos + 1 >= size_ || data_[pos + 1] == '\n'))) {
        if (pos < size_ && data_[pos] == '\r') ++pos;
        break;
      }
      if (data_[pos] == delimiter) {
        ++pos;
        if (pos >= size_ || data_[pos] == '\n') {
          fields_.push_back({});
          break;
        }
        continue;
      }
      error_ = "unexpected text after a closing quote";
      while (pos < size_ && data_[pos] != '\n') ++pos;
      break;
    }
    // Unquoted field: up to the delimiter or the end of the line.
    size_t start = pos;
    while (pos < size_ && data_[pos] != delimiter && data_[pos] != '\n') ++pos;
    size_t end = pos;
    if (pos >= size_ || data_[pos] == '\n') {
      if (end > start && data_[end - 1] == '\r') --end;
      fields_.push_back({std::string_view(data_ + start, end - start), false});
      break;
    }
    fields_.push_back({std::string_view(data_ + start, end - start), false});
    ++pos;  // the delimiter
    if (pos >= size_ || data_[pos] == '\n') {
      fields_.push_back({});
      break;
    }
  }
  for (size_t i = 0; i < scratch_fields_.size(); ++i) {
    fields_[scratch_fields_[i]].text = std::string_view(scratch_.data() + scratch_spans_[i].first, scratch_spans_[i].second);
  }
  size_t raw_end = pos;
  if (raw_end > record_start && raw_end <= size_ && data_[raw_end - 1] == '\r') --raw_end;
  raw_ = std::string_view(data_ + record_start, (raw_end > size_ ? size_ : raw_end) - record_start);
  // Step over the newline ending the record.
  if (pos < size_ && data_[pos] == '\n') {
    ++pos;
    ++next_line_;
  }
  pos_ = pos;
  return true;
}

}  // namespace sluice
