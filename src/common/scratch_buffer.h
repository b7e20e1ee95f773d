#pragma once
// A reusable, uninitialised byte buffer for hot loops that fill every byte
// they ask for (a page read from disk, a page decompressed). Unlike
// std::vector it neither zeroes what it hands out nor gives memory back
// between uses, so a reader thread pays the page faults of its largest page
// once, not on every page.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <utility>
#include <vector>

#include "common/sanitizer.h"

namespace sluice {

class ScratchBuffer {
 public:
  ScratchBuffer() = default;
  ScratchBuffer(ScratchBuffer&& other) noexcept
      : data_(std::move(other.data_)), capacity_(std::exchange(other.capacity_, 0)) {}
  ScratchBuffer& operator=(ScratchBuffer&& other) noexcept {
    data_ = std::move(other.data_);
    capacity_ = std::exchange(other.capacity_, 0);
    return *this;
  }

  // At least `size` writable bytes; earlier contents are not kept.
  uint8_t* Get(size_t size) {
    if (size > capacity_) {
      // Headroom, so the next user of a slightly larger size does not regrow
      // (and fault in) the whole buffer again.
#if SLUICE_ADDRESS_SANITIZER
      size_t grown = size;  // exact, so AddressSanitizer sees reads past the end
#else
      size_t grown = size + size / 4;
#endif
      data_.reset();
      data_.reset(new uint8_t[grown]);
      capacity_ = grown;
    }
    return data_.get();
  }
  size_t capacity() const { return capacity_; }
  // Gives the memory back when it grew past `limit` (after a rare huge page).
  void Trim(size_t limit) {
    if (capacity_ > limit) {
      data_.reset();
      capacity_ = 0;
    }
  }

 private:
  std::unique_ptr<uint8_t[]> data_;
  size_t capacity_ = 0;
};

// A ScratchBuffer borrowed from the current thread's pool for as long as the
// object lives: readers that keep several buffers at once (one per column of
// a row group) reuse the memory of the previous row group's readers. The
// first Get() picks the pooled buffer that fits its size best, so buffers of
// different sizes keep finding their users instead of being regrown.
class PooledScratch {
 public:
  PooledScratch() = default;
  ~PooledScratch() {
    constexpr size_t kMaxPooled = 256;
    buffer_.Trim(size_t{64} << 20);
    auto& pool = Pool();
    if (taken_ && pool.size() < kMaxPooled) pool.push_back(std::move(buffer_));
  }
  PooledScratch(const PooledScratch&) = delete;
  PooledScratch& operator=(const PooledScratch&) = delete;

  uint8_t* Get(size_t size) {
    if (!taken_) Take(size);
    return buffer_.Get(size);
  }

 private:
  static std::vector<ScratchBuffer>& Pool() {
    thread_local std::vector<ScratchBuffer> pool;
    return pool;
  }
  // The smallest pooled buffer that holds `size`, else the largest.
  void Take(size_t size) {
    taken_ = true;
    auto& pool = Pool();
    if (pool.empty()) return;
    size_t best = 0;
    for (size_t i = 1; i < pool.size(); ++i) {
      bool fits = pool[i].capacity() >= size, best_fits = pool[best].capacity() >= size;
      if (fits ? !best_fits || pool[i].capacity() < pool[best].capacity()
               : !best_fits && pool[i].capacity() > pool[best].capacity()) {
        best = i;
      }
    }
    buffer_ = std::move(pool[best]);
    pool[best] = std::move(pool.back());
    pool.pop_back();
  }

  ScratchBuffer buffer_;
  bool taken_ = false;
};

}  // namespace sluice
