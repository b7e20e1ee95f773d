#include "io/ordered_writer.h"

#include "common/error.h"

namespace sluice {

void OrderedWriter::Put(size_t index, std::string text) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (index != next_) {
    waiting_.emplace(index, std::move(text));
    return;
  }
  writer_.Write(text);
  ++next_;
  while (!waiting_.empty() && waiting_.begin()->first == next_) {
    writer_.Write(waiting_.begin()->second);
    waiting_.erase(waiting_.begin());
    ++next_;
  }
}

void OrderedWriter::Close() {
  std::lock_guard<std::mutex> lock(mutex_);
  if (!waiting_.empty()) ThrowInternal("ordered output is missing piece " + std::to_string(next_));
  writer_.Commit();
}

}  // namespace sluice
