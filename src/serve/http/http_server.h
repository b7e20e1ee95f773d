#pragma once
// An event-driven HTTP/1.1 server (docs/architecture.md says why this one):
// a few event-loop threads (epoll, edge-triggered) own the connections, and a
// pool of worker threads runs the slow handlers. An idle or slow connection
// costs a file descriptor and a few hundred bytes, never a thread.
//
// Every limit is explicit (docs/http-api.md):
//   header_timeout  the whole request head must arrive within it, counted from
//                   its first byte (from the accept for a new connection): a
//                   client sending a byte a second is cut off all the same
//   body_timeout    the whole body, from the end of the head; and the whole
//                   response must be taken within it
//   idle_timeout    a keep-alive connection waiting for its next request
//   max_connections open connections; past it the oldest idle one is closed,
//                   and when none is idle the new one is answered 503
//   max_body        enforced while reading, for Content-Length and chunked
//                   bodies alike: 413 as soon as it is passed
//   max_queue       requests waiting for a worker; past it 503 with
//                   Retry-After, at once
// Stop() drains: no new connections, idle ones closed, requests in flight
// finished within drain_timeout (answered with Connection: close), the rest
// closed; then Run() returns.

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "serve/http/http_request.h"

namespace sluice {

struct HttpServerOptions {
  std::string host = "127.0.0.1";
  int port = 0;               // 0: any free port (Bind returns it)
  size_t io_threads = 0;      // event loops; 0: half the cores (at least one)
  size_t workers = 0;         // handler threads; 0: one per core
  size_t max_connections = 10000;
  size_t max_queue = 1024;
  uint64_t max_body_bytes = 6u << 20;
  size_t max_head_bytes = 16u << 10;
  std::chrono::milliseconds header_timeout{10000};
  std::chrono::milliseconds body_timeout{30000};
  std::chrono::milliseconds idle_timeout{60000};
  std::chrono::milliseconds drain_timeout{10000};
};

// Where a request is answered, decided from its head.
enum class Dispatch {
  kInline,    // on the event loop, once the body is read (cheap handlers only)
  kWorker,    // on a worker thread, through the bounded queue
  kAnswered,  // already: the response is filled in and the body is not read
};

class HttpHandler {
 public:
  virtual ~HttpHandler() = default;
  // On the event loop, once the head is read (the body is not yet).
  virtual Dispatch Route(const HttpRequest& head, HttpResponse& response) = 0;
  // Answers a whole request; on the event loop or a worker as Route said.
  // An exception becomes a 500 that names no internals.
  virtual void Handle(const HttpRequest& request, HttpResponse& response) = 0;
  // Every response, as it is sent. `request` is null when the head could not
  // be read; `by_server` when the server answered (a limit, a timeout, a
  // full queue, a malformed request) rather than the handler.
  virtual void Answered(const HttpRequest* request, const HttpResponse& response, bool by_server) = 0;
};

// Why connections were closed, for /metrics.
enum class CloseReason { kClient, kIdleTimeout, kHeaderTimeout, kBodyTimeout, kWriteTimeout, kEvicted, kOverCapacity,
                         kBadRequest, kDrained, kError, kCount };
const char* CloseReasonName(CloseReason reason);

struct HttpServerStats {
  std::atomic<int64_t> open_connections{0};
  std::atomic<uint64_t> accepted{0};
  std::atomic<uint64_t> closed[static_cast<size_t>(CloseReason::kCount)]{};
  std::atomic<int64_t> queue_depth{0};
  std::atomic<uint64_t> queue_rejected{0};
};

// The server's gauges and counters in Prometheus' text format.
std::string RenderServerMetrics(const HttpServerStats& stats);

class HttpServer {
 public:
  HttpServer(HttpServerOptions options, HttpHandler& handler);
  ~HttpServer();

  // Binds the address; returns the port. Throws when it cannot.
  int Bind();
  // Serves until Stop(), then drains and returns.
  void Run();
  // From any thread: begin the drain.
  void Stop();

  const HttpServerStats& stats() const { return stats_; }
  size_t io_threads() const { return options_.io_threads; }
  size_t workers() const { return options_.workers; }

 private:
  class Impl;
  HttpServerOptions options_;
  HttpHandler& handler_;
  HttpServerStats stats_;
  std::unique_ptr<Impl> impl_;
};

}  // namespace sluice
