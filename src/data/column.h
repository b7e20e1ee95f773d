#pragma once
// A typed column of one record batch, stored contiguously for columnar loops.
// Fixed-width values live in ints() (bool as 0/1, int64, timestamp micros,
// categorical codes) or doubles() (float64); strings as offsets into one byte
// buffer. valid()[i] is 0 for a null, whose value slot holds 0 / "".

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "data/data_type.h"

namespace sluice {

// The strings a categorical column's codes refer to.
using Dictionary = std::vector<std::string>;

class Column {
 public:
  explicit Column(DataType type) : type_(type) {
    if (type == DataType::kString) offsets_.push_back(0);
  }

  DataType type() const { return type_; }
  size_t size() const { return valid_.size(); }
  bool IsNull(size_t row) const { return valid_[row] == 0; }
  size_t null_count() const;

  int64_t Int(size_t row) const { return ints_[row]; }
  double Double(size_t row) const { return doubles_[row]; }
  std::string_view String(size_t row) const {
    return std::string_view(bytes_.data() + offsets_[row], offsets_[row + 1] - offsets_[row]);
  }
  // The string of a categorical code.
  std::string_view Category(size_t row) const { return (*dictionary_)[ints_[row]]; }
  // Any numeric-like value as a double (bool, int64, float64, timestamp).
  double AsDouble(size_t row) const {
    return type_ == DataType::kFloat64 ? doubles_[row] : static_cast<double>(ints_[row]);
  }

  void AppendNull();
  void AppendInt(int64_t value) {
    ints_.push_back(value);
    valid_.push_back(1);
  }
  void AppendDouble(double value) {
    doubles_.push_back(value);
    valid_.push_back(1);
  }
  void AppendString(std::string_view value) {
    bytes_.append(value);
    offsets_.push_back(bytes_.size());
    valid_.push_back(1);
  }
  // Appends row `row` of `other` (same type).
  void AppendFrom(const Column& other, size_t row);

  void Reserve(size_t rows);
  // Drops rows from `rows` on (undoes a partly parsed record).
  void Truncate(size_t rows);
  // Keeps the rows whose mask byte is non-zero, in order.
  void Filter(const std::vector<uint8_t>& keep);

  // Heap bytes the column holds (for memory budgets).
  size_t memory_bytes() const {
    return valid_.capacity() + ints_.capacity() * 8 + doubles_.capacity() * 8 + offsets_.capacity() * 8 +
           bytes_.capacity();
  }

  const std::vector<uint8_t>& valid() const { return valid_; }
  std::vector<uint8_t>& mutable_valid() { return valid_; }
  const std::vector<int64_t>& ints() const { return ints_; }
  std::vector<int64_t>& mutable_ints() { return ints_; }
  const std::vector<double>& doubles() const { return doubles_; }
  std::vector<double>& mutable_doubles() { return doubles_; }
  const std::shared_ptr<const Dictionary>& dictionary() const { return dictionary_; }
  void set_dictionary(std::shared_ptr<const Dictionary> dictionary) { dictionary_ = std::move(dictionary); }

 private:
  bool uses_doubles() const { return type_ == DataType::kFloat64; }
  bool uses_ints() const { return type_ != DataType::kFloat64 && type_ != DataType::kString; }

  DataType type_;
  std::vector<uint8_t> valid_;
  std::vector<int64_t> ints_;
  std::vector<double> doubles_;
  std::vector<uint64_t> offsets_;
  std::string bytes_;
  std::shared_ptr<const Dictionary> dictionary_;
};

}  // namespace sluice
