#include "data/column.h"

#include <algorithm>

namespace sluice {

size_t Column::null_count() const {
  return static_cast<size_t>(std::count(valid_.begin(), valid_.end(), 0));
}

void Column::AppendNull() {
  valid_.push_back(0);
  if (uses_doubles()) {
    doubles_.push_back(0);
  } else if (uses_ints()) {
    ints_.push_back(0);
  } else {
    offsets_.push_back(bytes_.size());
  }
}

void Column::AppendFrom(const Column& other, size_t row) {
  if (other.IsNull(row)) {
    AppendNull();
  } else if (uses_doubles()) {
    AppendDouble(other.doubles_[row]);
  } else if (uses_ints()) {
    AppendInt(other.ints_[row]);
  } else {
    AppendString(other.String(row));
  }
}

void Column::Reserve(size_t rows) {
  valid_.reserve(rows);
  if (uses_doubles()) {
    doubles_.reserve(rows);
  } else if (uses_ints()) {
    ints_.reserve(rows);
  } else {
    offsets_.reserve(rows + 1);
  }
}

void Column::Truncate(size_t rows) {
  if (rows >= valid_.size()) return;
  valid_.resize(rows);
  if (uses_doubles()) {
    doubles_.resize(rows);
  } else if (uses_ints()) {
    ints_.resize(rows);
  } else {
    offsets_.resize(rows + 1);
    bytes_.resize(offsets_.back());
  }
}

void Column::Filter(const std::vector<uint8_t>& keep) {
  size_t out = 0;
  size_t n = valid_.size();
  if (type_ == DataType::kString) {
    std::string bytes;
    std::vector<uint64_t> offsets{0};
    for (size_t row = 0; row < n; ++row) {
      if (!keep[row]) continue;
      bytes.append(String(row));
      offsets.push_back(bytes.size());
      valid_[out++] = valid_[row];
    }
    bytes_ = std::move(bytes);
    offsets_ = std::move(offsets);
  } else if (uses_doubles()) {
    for (size_t row = 0; row < n; ++row) {
      if (!keep[row]) continue;
      doubles_[out] = doubles_[row];
      valid_[out++] = valid_[row];
    }
    doubles_.resize(out);
  } else {
    for (size_t row = 0; row < n; ++row) {
      if (!keep[row]) continue;
      ints_[out] = ints_[row];
      valid_[out++] = valid_[row];
    }
    ints_.resize(out);
  }
  valid_.resize(out);
}

}  // namespace sluice
