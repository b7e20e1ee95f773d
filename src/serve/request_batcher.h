#pragma once
// Dynamic batching (Triton's idea): requests for one model that arrive while
// it is busy are scored together in one model call, each still getting its
// own rows back. The first caller to find the model idle becomes the
// leader: it may wait up to `window` for company (0: no added latency; under
// load batches form anyway from the requests queued behind a running call),
// takes every queued request up to `max_rows`, scores them in one call and
// hands leadership to the next waiting request. No thread of its own.

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <exception>
#include <mutex>
#include <vector>

#include "artifact/scoring_artifact.h"
#include "serve/server_metrics.h"

namespace sluice {

class RequestBatcher : public ModelCall {
 public:
  // Batches the calls of `artifact`'s model on encoded rows.
  RequestBatcher(const ScoringArtifact& artifact, std::chrono::microseconds window, size_t max_rows,
                 ModelMetrics* metrics);

  // Scores `rows` rows of encoded features (row-major, the model's feature
  // count wide) into `out`; rethrows the model's error for this batch.
  void Predict(const float* features, size_t rows, float* out) override;

 private:
  struct Pending {
    const float* features;
    size_t rows;
    float* out;
    bool done = false;
    std::exception_ptr error;
  };
  // Scores the queued requests; called with `lock` held, returns with it held.
  void RunBatch(std::unique_lock<std::mutex>& lock);

  const ScoringArtifact& model_;
  const size_t num_features_;
  const size_t outputs_;  // scores per row
  const std::chrono::microseconds window_;
  const size_t max_rows_;
  ModelMetrics* metrics_;
  std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<Pending*> queue_;
  size_t queued_rows_ = 0;
  bool running_ = false;
  std::vector<float> features_, scores_;  // the leader's buffers, reused
};

}  // namespace sluice
