#pragma once
// What `sluice serve` reports on GET /metrics, in Prometheus' text format:
// requests by route and status, a latency histogram, rows per request,
// requests in flight and the model's load time. Updated lock-free from the
// worker threads.

#include <array>
#include <atomic>
#include <cstdint>
#include <string>

namespace sluice {

class ServerMetrics {
 public:
  ServerMetrics();
  void RequestStarted() { ++in_flight_; }
  // `status` is the HTTP status; `rows` the rows scored (0 when none).
  void RequestFinished(int status, double seconds, uint64_t rows);
  // A request refused before it reached a handler (413, 404...).
  void RequestRefused(int status) { ++by_status_[StatusSlot(status)]; }
  void SetModelLoadSeconds(double seconds) { model_load_us_ = static_cast<uint64_t>(seconds * 1e6); }
  std::string Render(const std::string& model) const;

  // Upper bounds of the latency buckets, in seconds.
  static constexpr std::array<double, 12> kLatencyBuckets = {0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005,
                                                             0.01,   0.025,   0.05,   0.1,   0.5,    1.0};

 private:
  static int StatusSlot(int status);

  std::atomic<int64_t> in_flight_{0};
  std::array<std::atomic<uint64_t>, 6> by_status_;  // 2xx, 400, 413, 415, other 4xx, 5xx
  std::array<std::atomic<uint64_t>, kLatencyBuckets.size() + 1> latency_;
  std::atomic<uint64_t> latency_sum_us_{0};
  std::atomic<uint64_t> rows_{0};
  std::atomic<uint64_t> model_load_us_{0};
};

}  // namespace sluice
