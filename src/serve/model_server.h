#pragma once
// `sluice serve`: an HTTP endpoint speaking the SageMaker inference container
// contract — GET /ping answers 200 while a model is loaded, POST /invocations
// scores raw rows (the training data's columns) through the artifact's own
// prep and model, GET /metrics reports in Prometheus' text format. A fixed pool of worker threads; TCP_NODELAY, since
// Nagle's algorithm with delayed ACKs adds ~40 ms to small replies. Binds
// 127.0.0.1 unless told otherwise.

#include <cstddef>
#include <string>

namespace sluice {

struct ServeOptions {
  std::string model_dir = "/opt/ml/model";
  std::string host = "127.0.0.1";
  int port = 8080;              // 0: any free port (printed)
  int threads = 0;              // 0: every core
  size_t max_body_bytes = 6u << 20;  // SageMaker's limit
  bool access_log = false;           // one JSON line a request on stderr
};

// Serves until the process is stopped; throws when the model cannot be
// loaded or the address cannot be bound.
void Serve(const ServeOptions& options);

}  // namespace sluice
