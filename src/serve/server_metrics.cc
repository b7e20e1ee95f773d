#include "serve/server_metrics.h"

#include <cstdio>

namespace sluice {

namespace {
const char* kStatusLabels[] = {"2xx", "400", "413", "415", "4xx", "5xx"};
}

ServerMetrics::ServerMetrics() {
  for (auto& counter : by_status_) counter = 0;
  for (auto& counter : latency_) counter = 0;
}

int ServerMetrics::StatusSlot(int status) {
  if (status < 300) return 0;
  if (status == 400) return 1;
  if (status == 413) return 2;
  if (status == 415) return 3;
  if (status < 500) return 4;
  return 5;
}

void ServerMetrics::RequestFinished(int status, double seconds, uint64_t rows) {
  --in_flight_;
  ++by_status_[StatusSlot(status)];
  size_t bucket = 0;
  while (bucket < kLatencyBuckets.size() && seconds > kLatencyBuckets[bucket]) ++bucket;
  ++latency_[bucket];
  latency_sum_us_ += static_cast<uint64_t>(seconds * 1e6);
  rows_ += rows;
}

std::string ServerMetrics::Render(const std::string& model) const {
  std::string out;
  char line[256];
  out += "# HELP sluice_requests_total Invocations answered, by status.\n# TYPE sluice_requests_total counter\n";
  for (size_t i = 0; i < by_status_.size(); ++i) {
    std::snprintf(line, sizeof line, "sluice_requests_total{model=\"%s\",status=\"%s\"} %llu\n", model.c_str(),
                  kStatusLabels[i], static_cast<unsigned long long>(by_status_[i].load()));
    out += line;
  }
  out += "# HELP sluice_request_seconds Invocation latency.\n# TYPE sluice_request_seconds histogram\n";
  uint64_t cumulative = 0;
  for (size_t i = 0; i <= kLatencyBuckets.size(); ++i) {
    cumulative += latency_[i].load();
    if (i < kLatencyBuckets.size()) {
      std::snprintf(line, sizeof line, "sluice_request_seconds_bucket{model=\"%s\",le=\"%g\"} %llu\n", model.c_str(),
                    kLatencyBuckets[i], static_cast<unsigned long long>(cumulative));
    } else {
      std::snprintf(line, sizeof line, "sluice_request_seconds_bucket{model=\"%s\",le=\"+Inf\"} %llu\n", model.c_str(),
                    static_cast<unsigned long long>(cumulative));
    }
    out += line;
  }
  std::snprintf(line, sizeof line, "sluice_request_seconds_sum{model=\"%s\"} %.6f\nsluice_request_seconds_count{model=\"%s\"} %llu\n",
                model.c_str(), latency_sum_us_.load() / 1e6, model.c_str(), static_cast<unsigned long long>(cumulative));
  out += line;
  std::snprintf(line, sizeof line,
                "# HELP sluice_rows_total Rows scored.\n# TYPE sluice_rows_total counter\nsluice_rows_total{model=\"%s\"} %llu\n",
                model.c_str(), static_cast<unsigned long long>(rows_.load()));
  out += line;
  std::snprintf(line, sizeof line,
                "# HELP sluice_requests_in_flight Invocations being answered.\n# TYPE sluice_requests_in_flight gauge\n"
                "sluice_requests_in_flight %lld\n",
                static_cast<long long>(in_flight_.load()));
  out += line;
  std::snprintf(line, sizeof line,
                "# HELP sluice_model_load_seconds Time to load the model.\n# TYPE sluice_model_load_seconds gauge\n"
                "sluice_model_load_seconds{model=\"%s\"} %.6f\n",
                model.c_str(), model_load_us_.load() / 1e6);
  out += line;
  return out;
}

}  // namespace sluice
