#include "data/record_batch.h"

#include <algorithm>

#include "common/error.h"

namespace sluice {

const Column& RecordBatch::column(const std::string& name) const {
  auto index = schema.Find(name);
  if (!index) ThrowInternal("batch has no column '" + name + "'");
  return columns[*index];
}

void RecordBatch::AddColumn(Field field, Column column) {
  if (column.size() != num_rows()) {
    ThrowInternal("column '" + field.name + "' has " + std::to_string(column.size()) +
                  " rows, batch has " + std::to_string(num_rows()));
  }
  schema.Add(std::move(field));
  columns.push_back(std::move(column));
}

void RecordBatch::ReleaseColumnsExcept(const std::vector<uint8_t>& keep) {
  for (size_t c = 0; c < columns.size(); ++c) {
    if (!keep[c]) columns[c] = Column(columns[c].type());
  }
}

RecordBatch RecordBatch::TakeFront(size_t rows) {
  std::vector<uint8_t> front(num_rows(), 0), back(num_rows(), 1);
  std::fill(front.begin(), front.begin() + static_cast<std::ptrdiff_t>(rows), 1);
  std::fill(back.begin(), back.begin() + static_cast<std::ptrdiff_t>(rows), 0);
  RecordBatch head = *this;
  head.rejects.clear();
  head.Filter(front);
  Filter(back);
  return head;
}

size_t RecordBatch::memory_bytes() const {
  size_t bytes = lines.capacity() * sizeof(int64_t);
  for (const auto& column : columns) bytes += column.memory_bytes();
  return bytes;
}

void RecordBatch::Filter(const std::vector<uint8_t>& keep) {
  for (auto& column : columns) column.Filter(keep);
  size_t out = 0;
  for (size_t row = 0; row < lines.size(); ++row) {
    if (keep[row]) lines[out++] = lines[row];
  }
  lines.resize(out);
}

}  // namespace sluice
