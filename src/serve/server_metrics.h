#pragma once
// What `sluice serve` reports on GET /metrics, in Prometheus' text format.
// Per model: invocations by status, a latency histogram, rows scored, the
// rows per model call (dynamic batching's batch sizes), requests per model
// call, load time, loads and cold starts (loads after an idle unload). For
// the server: requests in flight and requests refused before a model was
// chosen (413, 404, 401...). Counters are updated lock-free from the worker
// threads; every sample of a family is rendered under one HELP/TYPE header.

#include <array>
#include <atomic>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace sluice {

// Counts per bucket of upper bounds given at Observe (the last bucket is +Inf).
template <size_t N>
struct Histogram {
  std::array<std::atomic<uint64_t>, N + 1> counts{};
  std::atomic<double> sum{0};
  void Observe(const std::array<double, N>& bounds, double value) {
    size_t bucket = 0;
    while (bucket < N && value > bounds[bucket]) ++bucket;
    ++counts[bucket];
    double old = sum.load();
    while (!sum.compare_exchange_weak(old, old + value)) {
    }
  }
};

class ModelMetrics {
 public:
  static constexpr std::array<double, 12> kLatencyBuckets = {0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005,
                                                             0.01,   0.025,   0.05,   0.1,   0.5,    1.0};
  static constexpr std::array<double, 10> kRowBuckets = {1, 2, 4, 8, 16, 64, 256, 1024, 4096, 16384};

  // `status` is the HTTP status; `rows` the rows scored (0 when none).
  void RequestFinished(int status, double seconds, uint64_t rows);
  // One model call scoring `rows` rows for `requests` requests.
  void BatchScored(uint64_t rows, uint64_t requests);
  // A load of the model; `cold` when it was loaded again after an idle unload.
  void Loaded(double seconds, bool cold);

  uint64_t rows() const { return rows_.load(); }
  // Requests answered, any status, and the seconds they took together.
  uint64_t requests() const;
  double request_seconds() const { return latency_.sum.load(); }

 private:
  friend std::string RenderMetrics(const std::vector<std::pair<std::string, const ModelMetrics*>>& models,
                                   int64_t in_flight, const std::array<uint64_t, 8>& refused);

  std::array<std::atomic<uint64_t>, 8> by_status_{};  // see kStatusLabels in the .cc
  Histogram<kLatencyBuckets.size()> latency_;
  Histogram<kRowBuckets.size()> batch_rows_;
  Histogram<kRowBuckets.size()> batch_requests_;
  std::atomic<uint64_t> rows_{0};
  std::atomic<uint64_t> loads_{0};
  std::atomic<uint64_t> cold_starts_{0};
  std::atomic<double> load_seconds_{0};
  std::atomic<double> cold_start_seconds_{0};
};

// Requests refused before a model was chosen, by status slot (as
// ModelMetrics counts them).
class RefusedRequests {
 public:
  void Add(int status);
  std::array<uint64_t, 8> Snapshot() const;

 private:
  std::array<std::atomic<uint64_t>, 8> by_status_{};
};

int MetricsStatusSlot(int status);

std::string RenderMetrics(const std::vector<std::pair<std::string, const ModelMetrics*>>& models, int64_t in_flight,
                          const std::array<uint64_t, 8>& refused);

}  // namespace sluice
