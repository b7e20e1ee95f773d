#pragma once
// Appends n generated values to a std::vector without zeroing them first:
// vector::resize value-initialises (a memset of memory about to be
// overwritten), while insert from a random-access range writes each value
// once. The hot loops of the readers append millions of values this way.

#include <cstddef>
#include <iterator>
#include <vector>

namespace sluice {

namespace detail {

// Position i of the sequence value(0), value(1), ...
template <typename Fn>
class GeneratedIterator {
 public:
  using iterator_category = std::random_access_iterator_tag;
  using value_type = decltype(std::declval<const Fn&>()(size_t{0}));
  using difference_type = std::ptrdiff_t;
  using pointer = void;
  using reference = value_type;

  GeneratedIterator(const Fn* fn, size_t index) : fn_(fn), index_(index) {}
  value_type operator*() const { return (*fn_)(index_); }
  GeneratedIterator& operator++() {
    ++index_;
    return *this;
  }
  GeneratedIterator operator++(int) {
    GeneratedIterator old = *this;
    ++index_;
    return old;
  }
  GeneratedIterator& operator--() {
    --index_;
    return *this;
  }
  GeneratedIterator& operator+=(difference_type n) {
    index_ += static_cast<size_t>(n);
    return *this;
  }
  GeneratedIterator operator+(difference_type n) const { return {fn_, index_ + static_cast<size_t>(n)}; }
  difference_type operator-(const GeneratedIterator& other) const {
    return static_cast<difference_type>(index_) - static_cast<difference_type>(other.index_);
  }
  bool operator==(const GeneratedIterator& other) const { return index_ == other.index_; }
  bool operator!=(const GeneratedIterator& other) const { return index_ != other.index_; }
  bool operator<(const GeneratedIterator& other) const { return index_ < other.index_; }

 private:
  const Fn* fn_;
  size_t index_;
};

}  // namespace detail

// Appends value(0) ... value(n - 1) to `out`.
template <typename T, typename Fn>
void AppendGenerated(std::vector<T>& out, size_t n, const Fn& value) {
  out.insert(out.end(), detail::GeneratedIterator<Fn>(&value, 0), detail::GeneratedIterator<Fn>(&value, n));
}

}  // namespace sluice
