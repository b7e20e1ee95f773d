#include "serve/model_server.h"

#include <httplib.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <thread>

#include "artifact/artifact.h"
#include "common/error.h"
#include "serve/invocation_codec.h"
#include "serve/server_metrics.h"

namespace sluice {

namespace {

std::string JsonError(const std::string& message) {
  std::string out = "{\"error\":\"";
  for (char c : message) {
    if (c == '"' || c == '\\') out.push_back('\\');
    if (static_cast<unsigned char>(c) < 0x20) {
      out += ' ';
      continue;
    }
    out.push_back(c);
  }
  return out + "\"}";
}

}  // namespace

void Serve(const ServeOptions& options) {
  ServerMetrics metrics;
  auto load_start = std::chrono::steady_clock::now();
  std::shared_ptr<const Artifact> artifact = Artifact::Load(options.model_dir);
  metrics.SetModelLoadSeconds(std::chrono::duration<double>(std::chrono::steady_clock::now() - load_start).count());
  const std::string model_name = std::filesystem::path(options.model_dir).filename().string();
  Schema raw_schema = artifact->manifest().contains("raw_schema") ? Schema::FromJson(artifact->manifest()["raw_schema"])
                                                                   : artifact->prep().source_schema();
  InvocationCodec codec(artifact->prep(), raw_schema);
  size_t threads = options.threads > 0 ? static_cast<size_t>(options.threads)
                                       : std::max<size_t>(1, std::thread::hardware_concurrency());

  httplib::Server server;
  server.new_task_queue = [threads] { return new httplib::ThreadPool(threads); };
  server.set_tcp_nodelay(true);
  server.set_payload_max_length(options.max_body_bytes);
  server.set_read_timeout(10, 0);

  server.Get("/ping", [&](const httplib::Request&, httplib::Response& response) {
    response.set_content("{\"status\":\"ok\"}", "application/json");
  });

  server.Get("/metrics", [&](const httplib::Request&, httplib::Response& response) {
    response.set_content(metrics.Render(model_name), "text/plain; version=0.0.4");
  });

  server.Post("/invocations", [&](const httplib::Request& request, httplib::Response& response) {
    auto start = std::chrono::steady_clock::now();
    metrics.RequestStarted();
    uint64_t rows = 0;
    try {
      std::string content_type = request.get_header_value("Content-Type");
      if (content_type.empty()) content_type = "text/csv";
      PayloadFormat in = ParsePayloadFormat(content_type, "Content-Type");
      std::string accept = request.get_header_value("Accept");
      PayloadFormat out = accept.empty() || accept.find("*/*") != std::string::npos
                              ? in
                              : ParsePayloadFormat(accept, "Accept");
      bool header = request.has_param("header") && request.get_param_value("header") == "true";
      RecordBatch batch = codec.Decode(in, request.body, header);
      std::vector<float> scratch, predictions;
      artifact->Predict(batch, scratch, &predictions);
      rows = predictions.size();
      response.set_content(codec.Encode(out, predictions), MediaType(out));
    } catch (const InvocationError& error) {
      response.status = error.status();
      response.set_content(JsonError(error.what()), "application/json");
    } catch (const Error& error) {
      response.status = error.kind() == ErrorKind::kInputData || error.kind() == ErrorKind::kUsage ? 400 : 500;
      response.set_content(JsonError(error.what()), "application/json");
    } catch (const std::exception& error) {
      response.status = 500;
      response.set_content(JsonError(error.what()), "application/json");
    }
    metrics.RequestFinished(response.status, std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count(),
                            rows);
  });

  // One structured access-log line a request, when asked for.
  if (options.access_log) {
    server.set_logger([](const httplib::Request& request, const httplib::Response& response) {
      std::fprintf(stderr, "{\"method\":\"%s\",\"path\":\"%s\",\"status\":%d,\"bytes_in\":%zu,\"bytes_out\":%zu}\n",
                   request.method.c_str(), request.path.c_str(), response.status, request.body.size(), response.body.size());
    });
  }

  server.set_error_handler([&](const httplib::Request&, httplib::Response& response) {
    if (response.body.empty()) {
      metrics.RequestRefused(response.status);
      std::string message = response.status == 413 ? "the request body is larger than --max-body"
                                                   : response.status == 404 ? "no such route" : "request failed";
      response.set_content(JsonError(message), "application/json");
    }
  });

  int port = options.port;
  if (port == 0) {
    port = server.bind_to_any_port(options.host.c_str());
    if (port < 0) ThrowIo("cannot bind " + options.host);
  } else if (!server.bind_to_port(options.host.c_str(), port)) {
    ThrowIo("cannot bind " + options.host + ":" + std::to_string(port) + " (in use?)");
  }
  std::printf("sluice serve: model %s on http://%s:%d (%zu threads)\n", options.model_dir.c_str(),
              options.host.c_str(), port, threads);
  std::fflush(stdout);
  if (!server.listen_after_bind()) ThrowIo("the server stopped unexpectedly");
}

}  // namespace sluice
