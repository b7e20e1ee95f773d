#pragma once
// A plain-text table for the CLI's listings (sluice runs, sluice models,
// sluice cost): a header row, then rows, each column as wide as its widest
// cell; numbers right-aligned, text left-aligned (decided per column by the
// caller).

#include <string>
#include <vector>

namespace sluice {

class TextTable {
 public:
  // A column's header; `right`: right-aligned (numbers).
  TextTable& Column(std::string header, bool right = false);
  TextTable& Row(std::vector<std::string> cells);
  size_t num_rows() const { return rows_.size(); }
  // Two spaces between columns, `indent` before each line, no trailing spaces.
  std::string Format(const std::string& indent = "") const;

 private:
  std::vector<std::string> headers_;
  std::vector<bool> right_;
  std::vector<std::vector<std::string>> rows_;
};

}  // namespace sluice
