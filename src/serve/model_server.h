#pragma once
// `sluice serve`: an HTTP endpoint speaking the SageMaker inference container
// contract, for one model or many (docs/http-api.md):
//   GET  /ping                          200 while a model is being served
//   POST /invocations                   score raw rows with the default model
//   POST /models/NAME/invocations       ... with model NAME
//   GET  /models                        the models, loaded or idle
//   POST /models                        load one: {"model_name", "url"} (inside --model-root)
//   DELETE /models/NAME                 unload one
//   POST /models/NAME/reload            load NAME's directory again, swap atomically
//   GET  /metrics                       Prometheus text format
// SIGHUP reloads every model; SIGTERM and SIGINT drain the server: no new
// connections, requests in flight finished within --drain-timeout, then the
// serve record is written and the process exits 0. The HTTP layer is
// event-driven (serve/http/http_server.h): idle and slow connections cost no
// thread; small requests for a loaded model are scored on the event loop,
// the rest by worker threads behind a bounded queue; requests for one model
// that arrive together are scored in one model call (serve/request_batcher).
// Binds 127.0.0.1 unless told otherwise — except inside a SageMaker
// container (/opt/ml exists), where the platform reaches port 8080 (or
// $SAGEMAKER_BIND_TO_PORT) from outside, so 0.0.0.0. With --auth-token-file
// every route but /ping needs the bearer token.

#include <cstddef>
#include <string>
#include <utility>
#include <vector>

namespace sluice {

struct ServeOptions {
  // (name, directory); empty: SageMaker's /opt/ml/model, named "model".
  std::vector<std::pair<std::string, std::string>> models;
  std::string model_root;            // where POST /models may load from; empty: loading by API is off
  std::string host;                  // empty: 127.0.0.1, or 0.0.0.0 inside a SageMaker container
  int port = -1;                     // -1: $SAGEMAKER_BIND_TO_PORT or 8080; 0: any free port (printed)
  int threads = 0;                   // worker threads; 0: one per core
  int io_threads = 0;                // event loops; 0: half the cores (at least one)
  size_t max_body_bytes = 6u << 20;  // SageMaker's limit
  size_t max_head_bytes = 16u << 10;
  size_t max_connections = 10000;
  size_t max_queue = 1024;           // requests waiting for a worker; past it 503
  size_t inline_max_body = 16u << 10;  // larger invocations are scored by a worker
  double header_timeout_seconds = 10;
  double body_timeout_seconds = 30;
  double idle_timeout_seconds = 60;
  double drain_timeout_seconds = 10;
  double idle_unload_seconds = 0;    // 0: models stay loaded
  int batch_window_us = 0;           // how long a batch may wait for company
  size_t max_batch_rows = 4096;
  std::string auth_token_file;
  bool access_log = false;           // one JSON line a request on stderr
};

// "NAME=DIR" or "DIR" (named by the directory's last component).
std::pair<std::string, std::string> ParseModelSpec(const std::string& spec);

// What a server measured over its life: per model, the rows it scored and
// the requests it answered; for the process, wall and CPU seconds. The run
// history keeps it, and the cost model prices predictions by it.
struct ServeReport {
  struct Model {
    std::string name, path;
    uint64_t rows = 0, requests = 0;
    double request_seconds = 0;  // summed over requests
  };
  std::vector<Model> models;
  double wall_seconds = 0;
  double cpu_seconds = 0;  // the process's, user + system, while serving
  size_t threads = 0;  // event loops and workers
};

// Serves until SIGTERM or SIGINT, then returns what it measured; throws
// when a model cannot be loaded or the address cannot be bound.
ServeReport Serve(const ServeOptions& options);

}  // namespace sluice
