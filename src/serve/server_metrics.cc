#include "serve/server_metrics.h"

#include <cstdio>

namespace sluice {

namespace {

const char* kStatusLabels[] = {"2xx", "400", "401", "404", "408", "413", "415", "5xx"};

void AddDouble(std::atomic<double>& into, double value) {
  double old = into.load();
  while (!into.compare_exchange_weak(old, old + value)) {
  }
}

template <size_t N>
void RenderHistogram(std::string& out, const char* name, const std::string& model, const std::array<double, N>& bounds,
                     const Histogram<N>& histogram) {
  char line[256];
  uint64_t cumulative = 0;
  for (size_t i = 0; i <= N; ++i) {
    cumulative += histogram.counts[i].load();
    if (i < N) {
      std::snprintf(line, sizeof line, "%s_bucket{model=\"%s\",le=\"%g\"} %llu\n", name, model.c_str(), bounds[i],
                    static_cast<unsigned long long>(cumulative));
    } else {
      std::snprintf(line, sizeof line, "%s_bucket{model=\"%s\",le=\"+Inf\"} %llu\n", name, model.c_str(),
                    static_cast<unsigned long long>(cumulative));
    }
    out += line;
  }
  std::snprintf(line, sizeof line, "%s_sum{model=\"%s\"} %.6f\n%s_count{model=\"%s\"} %llu\n", name, model.c_str(),
                histogram.sum.load(), name, model.c_str(), static_cast<unsigned long long>(cumulative));
  out += line;
}

}  // namespace

int MetricsStatusSlot(int status) {
  if (status < 300) return 0;
  switch (status) {
    case 400: return 1;
    case 401: return 2;
    case 404: return 3;
    case 408: return 4;
    case 413: return 5;
    case 415: return 6;
    default: return status < 500 ? 1 : 7;
  }
}

void ModelMetrics::RequestFinished(int status, double seconds, uint64_t rows) {
  ++by_status_[MetricsStatusSlot(status)];
  latency_.Observe(kLatencyBuckets, seconds);
  rows_ += rows;
}

uint64_t ModelMetrics::requests() const {
  uint64_t total = 0;
  for (const auto& count : by_status_) total += count.load();
  return total;
}

void ModelMetrics::BatchScored(uint64_t rows, uint64_t requests) {
  batch_rows_.Observe(kRowBuckets, static_cast<double>(rows));
  batch_requests_.Observe(kRowBuckets, static_cast<double>(requests));
}

void ModelMetrics::Loaded(double seconds, bool cold) {
  ++loads_;
  load_seconds_ = seconds;
  if (cold) {
    ++cold_starts_;
    AddDouble(cold_start_seconds_, seconds);
  }
}

void RefusedRequests::Add(int status) { ++by_status_[MetricsStatusSlot(status)]; }

std::array<uint64_t, 8> RefusedRequests::Snapshot() const {
  std::array<uint64_t, 8> out;
  for (size_t i = 0; i < out.size(); ++i) out[i] = by_status_[i].load();
  return out;
}

std::string RenderMetrics(const std::vector<std::pair<std::string, const ModelMetrics*>>& models, int64_t in_flight,
                          const std::array<uint64_t, 8>& refused) {
  std::string out;
  char line[256];
  auto header = [&](const char* name, const char* type, const char* help) {
    std::snprintf(line, sizeof line, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
    out += line;
  };
  // A family with one sample per model: counts print as integers, times with
  // microsecond precision.
  auto per_model = [&](const char* name, const char* type, const char* help, auto value) {
    header(name, type, help);
    for (const auto& [model, metrics] : models) {
      const double v = value(*metrics);
      if (v == static_cast<double>(static_cast<uint64_t>(v))) {
        std::snprintf(line, sizeof line, "%s{model=\"%s\"} %llu\n", name, model.c_str(),
                      static_cast<unsigned long long>(v));
      } else {
        std::snprintf(line, sizeof line, "%s{model=\"%s\"} %.6f\n", name, model.c_str(), v);
      }
      out += line;
    }
  };
  auto histograms = [&](const char* name, const char* help, const auto& bounds, auto histogram) {
    header(name, "histogram", help);
    for (const auto& [model, metrics] : models) RenderHistogram(out, name, model, bounds, histogram(*metrics));
  };

  header("sluice_requests_total", "counter", "Invocations answered, by model and status.");
  for (const auto& [name, metrics] : models) {
    for (size_t i = 0; i < metrics->by_status_.size(); ++i) {
      std::snprintf(line, sizeof line, "sluice_requests_total{model=\"%s\",status=\"%s\"} %llu\n", name.c_str(),
                    kStatusLabels[i], static_cast<unsigned long long>(metrics->by_status_[i].load()));
      out += line;
    }
  }
  header("sluice_refused_requests_total", "counter", "Requests refused before a model was chosen, by status.");
  for (size_t i = 0; i < refused.size(); ++i) {
    std::snprintf(line, sizeof line, "sluice_refused_requests_total{status=\"%s\"} %llu\n", kStatusLabels[i],
                  static_cast<unsigned long long>(refused[i]));
    out += line;
  }
  using M = ModelMetrics;
  histograms("sluice_request_seconds", "Invocation latency.", M::kLatencyBuckets,
             [](const M& m) -> const auto& { return m.latency_; });
  histograms("sluice_batch_rows", "Rows per model call (dynamic batching).", M::kRowBuckets,
             [](const M& m) -> const auto& { return m.batch_rows_; });
  histograms("sluice_batch_requests", "Requests per model call (dynamic batching).", M::kRowBuckets,
             [](const M& m) -> const auto& { return m.batch_requests_; });
  per_model("sluice_rows_total", "counter", "Rows scored.", [](const M& m) { return static_cast<double>(m.rows_.load()); });
  per_model("sluice_model_loads_total", "counter", "Model loads (start, reload, load by API, cold start).",
            [](const M& m) { return static_cast<double>(m.loads_.load()); });
  per_model("sluice_cold_starts_total", "counter", "Loads on a request after an idle unload.",
            [](const M& m) { return static_cast<double>(m.cold_starts_.load()); });
  per_model("sluice_cold_start_seconds_total", "counter", "Time spent in cold starts.",
            [](const M& m) { return m.cold_start_seconds_.load(); });
  per_model("sluice_model_load_seconds", "gauge", "Time the last load of the model took.",
            [](const M& m) { return m.load_seconds_.load(); });
  header("sluice_requests_in_flight", "gauge", "Requests being answered.");
  std::snprintf(line, sizeof line, "sluice_requests_in_flight %lld\n", static_cast<long long>(in_flight));
  out += line;
  return out;
}

}  // namespace sluice
