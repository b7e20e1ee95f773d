#include "serve/request_batcher.h"

#include <algorithm>
#include <cstring>

namespace sluice {

RequestBatcher::RequestBatcher(const ScoringArtifact& artifact, std::chrono::microseconds window, size_t max_rows,
                               ModelMetrics* metrics)
    : model_(artifact),
      num_features_(artifact.encoded_features()),
      outputs_(artifact.encoded_outputs()),
      window_(window),
      max_rows_(std::max<size_t>(1, max_rows)),
      metrics_(metrics) {}

void RequestBatcher::Predict(const float* features, size_t rows, float* out) {
  Pending pending{features, rows, out, false, nullptr};
  std::unique_lock<std::mutex> lock(mutex_);
  queue_.push_back(&pending);
  queued_rows_ += rows;
  if (running_ && window_.count() > 0) wake_.notify_all();  // a leader waiting for company re-checks
  for (;;) {
    if (pending.done) break;
    if (!running_) {
      RunBatch(lock);  // this request leads; it is in the batch it runs
      continue;
    }
    wake_.wait(lock);
  }
  if (pending.error) std::rethrow_exception(pending.error);
}

void RequestBatcher::RunBatch(std::unique_lock<std::mutex>& lock) {
  running_ = true;
  if (window_.count() > 0 && queued_rows_ < max_rows_) {
    wake_.wait_for(lock, window_, [&] { return queued_rows_ >= max_rows_; });
  }
  // Take queued requests up to max_rows (at least one, however large).
  std::vector<Pending*> batch;
  size_t rows = 0;
  while (!queue_.empty() && (batch.empty() || rows + queue_.front()->rows <= max_rows_)) {
    rows += queue_.front()->rows;
    queued_rows_ -= queue_.front()->rows;
    batch.push_back(queue_.front());
    queue_.pop_front();
  }
  lock.unlock();
  std::exception_ptr error;
  try {
    if (batch.size() == 1) {
      model_.PredictEncoded(batch[0]->features, batch[0]->rows, batch[0]->out);
    } else {
      features_.resize(rows * num_features_);
      scores_.resize(rows * outputs_);
      size_t at = 0;
      for (Pending* p : batch) {
        std::memcpy(features_.data() + at * num_features_, p->features, p->rows * num_features_ * sizeof(float));
        at += p->rows;
      }
      model_.PredictEncoded(features_.data(), rows, scores_.data());
      at = 0;
      for (Pending* p : batch) {
        std::memcpy(p->out, scores_.data() + at * outputs_, p->rows * outputs_ * sizeof(float));
        at += p->rows;
      }
    }
  } catch (...) {
    error = std::current_exception();
  }
  if (metrics_) metrics_->BatchScored(rows, batch.size());
  lock.lock();
  for (Pending* p : batch) {
    p->error = error;
    p->done = true;
  }
  running_ = false;
  wake_.notify_all();
}

}  // namespace sluice
