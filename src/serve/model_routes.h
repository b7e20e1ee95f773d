#pragma once
// The routes of `sluice serve` (the SageMaker inference container contract
// and its multi-model API, docs/http-api.md) as an HttpHandler: which
// requests are answered on the event loop (cheap ones, and small
// invocations of a loaded model), which go to a worker (large or chunked
// bodies, loads, reloads, cold starts), and the answers. Every failure is a
// 4xx or 5xx with a JSON error naming the problem; what only the operator
// should see (paths, internal messages) goes to the server's log instead.

#include <atomic>
#include <cstdint>
#include <optional>
#include <string>

#include "serve/bearer_auth.h"
#include "serve/http/http_server.h"
#include "serve/model_registry.h"
#include "serve/server_metrics.h"

namespace sluice {

class ModelRoutes : public HttpHandler {
 public:
  struct Options {
    std::string model_root;       // where POST /models may load from; empty: off
    bool access_log = false;      // one JSON line a request on stderr
    size_t inline_max_body = 16u << 10;  // larger invocations go to a worker
  };
  ModelRoutes(ModelRegistry& registry, const BearerAuth* auth, Options options, const HttpServerStats& server_stats);

  Dispatch Route(const HttpRequest& head, HttpResponse& response) override;
  void Handle(const HttpRequest& request, HttpResponse& response) override;
  void Answered(const HttpRequest* request, const HttpResponse& response, bool by_server) override;

 private:
  void Invoke(const std::string& name, const HttpRequest& request, HttpResponse& response);
  void LoadModel(const HttpRequest& request, HttpResponse& response);
  void Reload(const std::string& name, HttpResponse& response);

  ModelRegistry& registry_;
  const BearerAuth* auth_;
  const Options options_;
  const HttpServerStats& server_stats_;
  std::atomic<int64_t> in_flight_{0};
  RefusedRequests refused_;
};

// Percent-decodes one path segment ("%2e" -> "."); malformed escapes stay as
// they are.
std::string DecodePathSegment(std::string_view segment);

// {"error": message}, any bytes in `message` made valid UTF-8.
std::string JsonError(const std::string& message);

}  // namespace sluice
