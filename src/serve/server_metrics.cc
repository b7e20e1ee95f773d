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
  auto counter = [&](const char* name, const std::string& model, uint64_t value) {
    std::snprintf(line, sizeof line, "%s{model=\"%s\"} %llu\n", name, model.c_str(), static_cast<unsigned long long>(value));
    out += line;
  };
  out += "# HELP sluice_requests_total Invocations answered, by model and status.\n# TYPE sluice_requests_total counter\n";
  for (const auto& [name, metrics] : models) {
    for (size_t i = 0; i < metrics->by_status_.size(); ++i) {
      std::snprintf(line, sizeof line, "sluice_requests_total{model=\"%s\",status=\"%s\"} %llu\n", name.c_str(),
                    kStatusLabels[i], static_cast<unsigned long long>(metrics->by_status_[i].load()));
      out += line;
    }
  }
  out += "# HELP sluice_refused_requests_total Requests refused before a model was chosen, by status.\n"
         "# TYPE sluice_refused_requests_total counter\n";
  for (size_t i = 0; i < refused.size(); ++i) {
    std::snprintf(line, sizeof line, "sluice_refused_requests_total{status=\"%s\"} %llu\n", kStatusLabels[i],
                  static_cast<unsigned long long>(refused[i]));
    out += line;
  }
  out += "# HELP sluice_request_seconds Invocation latency.\n# TYPE sluice_request_seconds histogram\n";
  for (const auto& [name, metrics] : models) {
    RenderHistogram(out, "sluice_request_seconds", name, ModelMetrics::kLatencyBuckets, metrics->latency_);
  }
  out += "# HELP sluice_batch_rows Rows per model call (dynamic batching).\n# TYPE sluice_batch_rows histogram\n";
  for (const auto& [name, metrics] : models) {
    RenderHistogram(out, "sluice_batch_rows", name, ModelMetrics::kRowBuckets, metrics->batch_rows_);
  }
  out += "# HELP sluice_batch_requests Requests per model call (dynamic batching).\n"
         "# TYPE sluice_batch_requests histogram\n";
  for (const auto& [name, metrics] : models) {
    RenderHistogram(out, "sluice_batch_requests", name, ModelMetrics::kRowBuckets, metrics->batch_requests_);
  }
  out += "# HELP sluice_rows_total Rows scored.\n# TYPE sluice_rows_total counter\n";
  for (const auto& [name, metrics] : models) counter("sluice_rows_total", name, metrics->rows_.load());
  out += "# HELP sluice_model_loads_total Model loads (start, reload, load by API, cold start).\n"
         "# TYPE sluice_model_loads_total counter\n";
  for (const auto& [name, metrics] : models) counter("sluice_model_loads_total", name, metrics->loads_.load());
  out += "# HELP sluice_cold_starts_total Loads on a request after an idle unload.\n# TYPE sluice_cold_starts_total counter\n";
  for (const auto& [name, metrics] : models) counter("sluice_cold_starts_total", name, metrics->cold_starts_.load());
  out += "# HELP sluice_cold_start_seconds_total Time spent in cold starts.\n"
         "# TYPE sluice_cold_start_seconds_total counter\n";
  for (const auto& [name, metrics] : models) {
    std::snprintf(line, sizeof line, "sluice_cold_start_seconds_total{model=\"%s\"} %.6f\n", name.c_str(),
                  metrics->cold_start_seconds_.load());
    out += line;
  }
  out += "# HELP sluice_model_load_seconds Time the last load of the model took.\n"
         "# TYPE sluice_model_load_seconds gauge\n";
  for (const auto& [name, metrics] : models) {
    std::snprintf(line, sizeof line, "sluice_model_load_seconds{model=\"%s\"} %.6f\n", name.c_str(),
                  metrics->load_seconds_.load());
    out += line;
  }
  std::snprintf(line, sizeof line,
                "# HELP sluice_requests_in_flight Requests being answered.\n# TYPE sluice_requests_in_flight gauge\n"
                "sluice_requests_in_flight %lld\n",
                static_cast<long long>(in_flight));
  out += line;
  return out;
}

}  // namespace sluice
