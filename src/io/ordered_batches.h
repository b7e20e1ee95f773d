#pragma once
// Hands batches that finish on many threads in any order to a sink in input
// order (0, 1, 2...), holding back only those that arrive early. The sink runs
// under a lock, one batch at a time.

#include <functional>
#include <map>
#include <mutex>

#include "data/record_batch.h"

namespace sluice {

class OrderedBatches {
 public:
  explicit OrderedBatches(std::function<void(RecordBatch&)> sink) : sink_(std::move(sink)) {}

  void Put(size_t index, RecordBatch&& batch) {
    std::lock_guard<std::mutex> lock(mutex_);
    waiting_.emplace(index, std::move(batch));
    while (!waiting_.empty() && waiting_.begin()->first == next_) {
      sink_(waiting_.begin()->second);
      waiting_.erase(waiting_.begin());
      ++next_;
    }
  }

 private:
  std::function<void(RecordBatch&)> sink_;
  std::mutex mutex_;
  std::map<size_t, RecordBatch> waiting_;
  size_t next_ = 0;
};

}  // namespace sluice
