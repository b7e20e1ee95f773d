#include "serve/model_server.h"

#include <httplib.h>
#include <pthread.h>
#include <signal.h>
#include <sys/resource.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <cstdio>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <thread>

#include "common/error.h"
#include "serve/bearer_auth.h"
#include "serve/model_registry.h"

namespace sluice {

namespace fs = std::filesystem;

namespace {

std::string JsonError(const std::string& message) { return nlohmann::json{{"error", message}}.dump(); }

void Reply(httplib::Response& response, int status, const std::string& message) {
  response.status = status;
  response.set_content(JsonError(message), "application/json");
}

// Whether `path` resolves (symlinks followed) to somewhere inside `root`.
bool Inside(const std::string& root, const std::string& path) {
  std::error_code ec;
  fs::path real_root = fs::weakly_canonical(root, ec);
  if (ec) return false;
  fs::path real = fs::weakly_canonical(path, ec);
  if (ec) return false;
  auto [root_end, ignored] = std::mismatch(real_root.begin(), real_root.end(), real.begin(), real.end());
  return root_end == real_root.end() && real != real_root;
}

}  // namespace

std::pair<std::string, std::string> ParseModelSpec(const std::string& spec) {
  auto equals = spec.find('=');
  if (equals != std::string::npos) return {spec.substr(0, equals), spec.substr(equals + 1)};
  std::string name = fs::path(spec).lexically_normal().filename().string();
  if (name.empty()) name = fs::path(spec).lexically_normal().parent_path().filename().string();
  return {name.empty() ? "model" : name, spec};
}

namespace {

// User + system CPU seconds of the whole process so far.
double ReadProcessCpuSeconds() {
  rusage usage{};
  ::getrusage(RUSAGE_SELF, &usage);
  auto seconds = [](const timeval& t) { return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) * 1e-6; };
  return seconds(usage.ru_utime) + seconds(usage.ru_stime);
}

// The thread that waits for the server's signals (0 while none does).
std::atomic<pthread_t> signal_waiter{0};

// Threads that libraries start before main (OpenBLAS's pool, for one) do not
// have the server's signals blocked, and the kernel may hand a signal sent to
// the process to any of them; the handler passes it on to the waiting thread.
void ForwardSignal(int signal) {
  pthread_t waiter = signal_waiter.load();
  if (waiter != 0) pthread_kill(waiter, signal);
}

}  // namespace

ServeReport Serve(const ServeOptions& options) {
  // Signals go to one thread that waits for them; block them before any
  // other thread of ours starts, so every such thread inherits the mask.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGHUP);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  ModelRegistry::Options registry_options;
  registry_options.idle_unload = std::chrono::milliseconds(static_cast<int64_t>(options.idle_unload_seconds * 1000));
  registry_options.batch_window = std::chrono::microseconds(options.batch_window_us);
  registry_options.max_batch_rows = options.max_batch_rows;
  ModelRegistry registry(registry_options);
  auto models = options.models;
  if (models.empty()) models.push_back({"model", "/opt/ml/model"});
  for (const auto& [name, dir] : models) registry.Add(name, dir);
  std::optional<BearerAuth> auth;
  if (!options.auth_token_file.empty()) auth = BearerAuth::FromFile(options.auth_token_file);
  // A worker serves one keep-alive connection at a time and mostly waits on
  // its socket; the CPU work is bounded by the model calls, which batch. So
  // the default pool is larger than the core count.
  size_t threads = options.threads > 0 ? static_cast<size_t>(options.threads)
                                       : std::max<size_t>(64, 8 * std::thread::hardware_concurrency());
  std::atomic<int64_t> in_flight{0};
  RefusedRequests refused;

  httplib::Server server;
  server.new_task_queue = [threads] { return new httplib::ThreadPool(threads); };
  server.set_tcp_nodelay(true);
  server.set_payload_max_length(options.max_body_bytes);
  server.set_read_timeout(options.read_timeout_seconds, 0);
  // Clients keep their connections (httplib's default closes one after 5 requests).
  server.set_keep_alive_max_count(100000);
  server.set_keep_alive_timeout(5);

  if (auth) {
    server.set_pre_routing_handler([&](const httplib::Request& request, httplib::Response& response) {
      if (request.path == "/ping" || auth->Allows(request.get_header_value("Authorization"))) {
        return httplib::Server::HandlerResponse::Unhandled;
      }
      response.set_header("WWW-Authenticate", "Bearer");
      Reply(response, 401, "missing or wrong bearer token");
      return httplib::Server::HandlerResponse::Handled;
    });
  }

  server.Get("/ping", [&](const httplib::Request&, httplib::Response& response) {
    if (registry.size() == 0) return Reply(response, 503, "no model is loaded");
    response.set_content("{\"status\":\"ok\"}", "application/json");
  });

  server.Get("/metrics", [&](const httplib::Request&, httplib::Response& response) {
    response.set_content(RenderMetrics(registry.AllMetrics(), in_flight.load(), refused.Snapshot()),
                         "text/plain; version=0.0.4");
  });

  // Scores the body with model `name`.
  auto invoke = [&](const std::string& name, const httplib::Request& request, httplib::Response& response) {
    auto start = std::chrono::steady_clock::now();
    ++in_flight;
    uint64_t rows = 0;
    ModelMetrics* metrics = registry.Metrics(name);
    try {
      auto model = registry.Acquire(name);
      if (!model) throw InvocationError(404, "no model named '" + name + "' (GET /models lists them)");
      std::string content_type = request.get_header_value("Content-Type");
      if (content_type.empty()) content_type = "text/csv";
      PayloadFormat in = ParsePayloadFormat(content_type, "Content-Type");
      std::string accept = request.get_header_value("Accept");
      PayloadFormat out = accept.empty() || accept.find("*/*") != std::string::npos
                              ? in
                              : ParsePayloadFormat(accept, "Accept");
      bool header = request.has_param("header") && request.get_param_value("header") == "true";
      if (model->text) {
        // A text model: the texts tokenized and scored together on this worker thread.
        std::vector<std::string> texts = model->text_codec->Decode(in, request.body, header);
        TextExamples docs;
        for (size_t i = 0; i < texts.size(); ++i) {
          std::string error;
          if (!model->text->Encode(texts[i], docs, &error)) {
            throw InvocationError(400, "row " + std::to_string(i + 1) + ": column " + model->text->text_column() + ": " + error);
          }
        }
        std::vector<float> probabilities(texts.size() * model->text->labels().size());
        model->text->Predict(docs, probabilities.data());
        rows = texts.size();
        if (metrics) metrics->BatchScored(rows, 1);
        response.set_content(model->text_codec->Encode(out, probabilities), MediaType(out));
      } else {
        RecordBatch batch = model->codec->Decode(in, request.body, header);
        // θ on this worker thread; the model call may be shared with other requests.
        const FittedPrep& prep = model->artifact->prep();
        prep.Derive(batch);
        rows = batch.num_rows();
        std::vector<float> features(rows * prep.num_features()), predictions(rows);
        prep.Encode(batch, features.data());
        model->batcher->Predict(features.data(), rows, predictions.data());
        response.set_content(model->codec->Encode(out, predictions), MediaType(out));
      }
    } catch (const InvocationError& error) {
      Reply(response, error.status(), error.what());
    } catch (const Error& error) {
      Reply(response, error.kind() == ErrorKind::kInputData || error.kind() == ErrorKind::kUsage ? 400 : 500, error.what());
    } catch (const std::exception& error) {
      Reply(response, 500, error.what());
    }
    --in_flight;
    double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    if (metrics) {
      metrics->RequestFinished(response.status, seconds, response.status < 300 ? rows : 0);
    } else {
      refused.Add(response.status);
    }
  };
  server.Post("/invocations", [&](const httplib::Request& request, httplib::Response& response) {
    invoke(registry.default_name(), request, response);
  });
  server.Post(R"(/models/([^/]+)/invocations)", [&](const httplib::Request& request, httplib::Response& response) {
    invoke(request.matches[1], request, response);
  });

  server.Get("/models", [&](const httplib::Request&, httplib::Response& response) {
    response.set_content(nlohmann::json{{"models", registry.List()}}.dump(), "application/json");
  });
  // SageMaker's multi-model load: {"model_name": NAME, "url": DIRECTORY}.
  server.Post("/models", [&](const httplib::Request& request, httplib::Response& response) {
    if (options.model_root.empty()) return Reply(response, 403, "loading models by API needs --model-root");
    nlohmann::json body = nlohmann::json::parse(request.body, nullptr, false);
    if (!body.is_object() || !body.contains("model_name") || !body.contains("url") || !body["model_name"].is_string() ||
        !body["url"].is_string()) {
      return Reply(response, 400, "expected {\"model_name\": NAME, \"url\": DIRECTORY}");
    }
    std::string name = body["model_name"], url = body["url"];
    if (url.rfind("file://", 0) == 0) url = url.substr(7);
    if (!fs::path(url).is_absolute()) url = (fs::path(options.model_root) / url).string();
    if (!ModelRegistry::ValidName(name)) return Reply(response, 400, "model name '" + name + "': use letters, digits, '.', '_' and '-' only");
    if (!Inside(options.model_root, url)) return Reply(response, 403, url + " is not inside --model-root");
    try {
      registry.Add(name, url);
    } catch (const Error& error) {
      return Reply(response, error.kind() == ErrorKind::kUsage ? 409 : 400, error.what());
    }
    response.status = 200;
    response.set_content(nlohmann::json{{"loaded", name}}.dump(), "application/json");
  });
  server.Delete(R"(/models/([^/]+))", [&](const httplib::Request& request, httplib::Response& response) {
    if (!registry.Remove(request.matches[1])) return Reply(response, 404, "no model named '" + std::string(request.matches[1]) + "'");
    response.set_content(nlohmann::json{{"unloaded", std::string(request.matches[1])}}.dump(), "application/json");
  });
  server.Post(R"(/models/([^/]+)/reload)", [&](const httplib::Request& request, httplib::Response& response) {
    std::string name = request.matches[1];
    try {
      if (!registry.Reload(name)) return Reply(response, 404, "no model named '" + name + "'");
    } catch (const std::exception& error) {
      return Reply(response, 500, "reload failed, the previous model keeps serving: " + std::string(error.what()));
    }
    response.set_content(nlohmann::json{{"reloaded", name}}.dump(), "application/json");
  });

  // One structured access-log line a request, when asked for.
  if (options.access_log) {
    server.set_logger([](const httplib::Request& request, const httplib::Response& response) {
      nlohmann::json line = {{"method", request.method}, {"path", request.path}, {"status", response.status},
                             {"bytes_in", request.body.size()}, {"bytes_out", response.body.size()}};
      std::fprintf(stderr, "%s\n", line.dump().c_str());
    });
  }

  server.set_error_handler([&](const httplib::Request& request, httplib::Response& response) {
    if (!response.body.empty()) return;
    // A body that stopped arriving before --read-timeout: the client was too slow.
    if (response.status == 400 && request.has_header("Content-Length")) {
      size_t expected = std::strtoull(request.get_header_value("Content-Length").c_str(), nullptr, 10);
      if (request.body.size() < expected) response.status = 408;
    }
    refused.Add(response.status);
    std::string message = response.status == 413   ? "the request body is larger than --max-body"
                          : response.status == 408 ? "the request did not arrive within the read timeout"
                          : response.status == 404 ? "no such route"
                                                   : "bad request";
    response.set_content(JsonError(message), "application/json");
  });

  // SageMaker's conventions when asked nothing: port 8080 (or the one the
  // platform names), and inside its container every interface.
  const bool sagemaker = fs::is_directory("/opt/ml");
  std::string host = options.host.empty() ? (sagemaker ? "0.0.0.0" : "127.0.0.1") : options.host;
  int port = options.port;
  if (port < 0) {
    const char* bind_to = std::getenv("SAGEMAKER_BIND_TO_PORT");
    port = bind_to && std::atoi(bind_to) > 0 ? std::atoi(bind_to) : 8080;
  }
  if (port == 0) {
    port = server.bind_to_any_port(host.c_str());
    if (port < 0) ThrowIo("cannot bind " + host);
  } else if (!server.bind_to_port(host.c_str(), port)) {
    ThrowIo("cannot bind " + host + ":" + std::to_string(port) + " (in use?)");
  }

  // SIGHUP reloads every model; SIGTERM / SIGINT stop the server.
  std::atomic<bool> signal_thread_done{false};
  std::thread signal_thread([&] {
    for (;;) {
      int signal = 0;
      if (sigwait(&signals, &signal) != 0) continue;
      if (signal == SIGHUP) {
        for (const auto& failure : registry.ReloadAll()) {
          std::fprintf(stderr, "sluice serve: reload failed, the previous model keeps serving: %s\n", failure.c_str());
        }
        std::fprintf(stderr, "sluice serve: reloaded on SIGHUP\n");
        continue;
      }
      signal_waiter = 0;
      server.stop();
      signal_thread_done = true;
      return;
    }
  });
  signal_waiter = signal_thread.native_handle();
  struct sigaction forward = {};
  forward.sa_handler = ForwardSignal;
  sigemptyset(&forward.sa_mask);
  forward.sa_flags = SA_RESTART;
  for (int signal : {SIGHUP, SIGTERM, SIGINT}) sigaction(signal, &forward, nullptr);
  std::atomic<bool> stopping{false};
  std::thread idle_thread([&] {
    while (!stopping.load()) {
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
      registry.UnloadIdle();
    }
  });

  std::printf("sluice serve: model %s on http://%s:%d (%zu threads)\n", registry.default_name().c_str(), host.c_str(),
              port, threads);
  std::fflush(stdout);
  const auto serve_start = std::chrono::steady_clock::now();
  const double cpu_start = ReadProcessCpuSeconds();
  bool clean = server.listen_after_bind();
  stopping = true;
  idle_thread.join();
  // The signal thread returns after stopping the server; if the server ended on
  // its own, wake it so it can finish.
  if (!signal_thread_done.load()) pthread_kill(signal_thread.native_handle(), SIGTERM);
  signal_thread.join();
  if (!clean) ThrowIo("the server stopped unexpectedly");
  ServeReport report;
  report.wall_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - serve_start).count();
  report.cpu_seconds = ReadProcessCpuSeconds() - cpu_start;
  report.threads = threads;
  std::map<std::string, std::string> paths;
  for (const auto& entry : registry.List()) paths[entry["name"].get<std::string>()] = entry["path"].get<std::string>();
  for (const auto& [name, metrics] : registry.AllMetrics()) {
    report.models.push_back({name, paths.count(name) ? paths[name] : "", metrics->rows(), metrics->requests(),
                             metrics->request_seconds()});
  }
  return report;
}

}  // namespace sluice
