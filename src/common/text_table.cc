#include "common/text_table.h"

#include <algorithm>

namespace sluice {

namespace {

// Display width: UTF-8 continuation bytes take no column.
size_t Width(const std::string& text) {
  size_t width = 0;
  for (unsigned char c : text) width += (c & 0xc0) != 0x80;
  return width;
}

}  // namespace

TextTable& TextTable::Column(std::string header, bool right) {
  headers_.push_back(std::move(header));
  right_.push_back(right);
  return *this;
}

TextTable& TextTable::Row(std::vector<std::string> cells) {
  cells.resize(headers_.size());
  rows_.push_back(std::move(cells));
  return *this;
}

std::string TextTable::Format(const std::string& indent) const {
  std::vector<size_t> widths(headers_.size());
  for (size_t c = 0; c < headers_.size(); ++c) {
    widths[c] = Width(headers_[c]);
    for (const auto& row : rows_) widths[c] = std::max(widths[c], Width(row[c]));
  }
  std::string out;
  auto line = [&](const std::vector<std::string>& cells) {
    std::string text = indent;
    for (size_t c = 0; c < cells.size(); ++c) {
      const size_t pad = widths[c] - Width(cells[c]);
      if (c > 0) text.append("  ");
      if (right_[c]) text.append(pad, ' ');
      text.append(cells[c]);
      if (!right_[c]) text.append(pad, ' ');
    }
    while (!text.empty() && text.back() == ' ') text.pop_back();
    out.append(text).push_back('\n');
  };
  line(headers_);
  for (const auto& row : rows_) line(row);
  return out;
}

}  // namespace sluice
