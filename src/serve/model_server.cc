#include "serve/model_server.h"

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
#include "serve/http/http_server.h"
#include "serve/model_registry.h"
#include "serve/model_routes.h"

namespace sluice {

namespace fs = std::filesystem;

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

// The HTTP layer's settings: SageMaker's conventions when asked nothing —
// port 8080 (or the one the platform names), and inside its container every
// interface.
HttpServerOptions HttpOptionsOf(const ServeOptions& options) {
  const bool sagemaker = fs::is_directory("/opt/ml");
  auto milliseconds = [](double seconds) { return std::chrono::milliseconds(static_cast<int64_t>(seconds * 1000)); };
  HttpServerOptions http;
  http.host = options.host.empty() ? (sagemaker ? "0.0.0.0" : "127.0.0.1") : options.host;
  http.port = options.port;
  if (http.port < 0) {
    const char* bind_to = std::getenv("SAGEMAKER_BIND_TO_PORT");
    http.port = bind_to && std::atoi(bind_to) > 0 ? std::atoi(bind_to) : 8080;
  }
  http.io_threads = static_cast<size_t>(std::max(0, options.io_threads));
  http.workers = static_cast<size_t>(std::max(0, options.threads));
  http.max_connections = options.max_connections;
  http.max_queue = options.max_queue;
  http.max_body_bytes = options.max_body_bytes;
  http.max_head_bytes = options.max_head_bytes;
  http.header_timeout = milliseconds(options.header_timeout_seconds);
  http.body_timeout = milliseconds(options.body_timeout_seconds);
  http.idle_timeout = milliseconds(options.idle_timeout_seconds);
  http.drain_timeout = milliseconds(options.drain_timeout_seconds);

  return http;
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

  const HttpServerOptions http = HttpOptionsOf(options);
  ModelRoutes::Options route_options;
  route_options.model_root = options.model_root;
  route_options.access_log = options.access_log;
  route_options.inline_max_body = options.inline_max_body;
  std::unique_ptr<ModelRoutes> routes;
  // The routes need the server's stats and the server its handler: the
  // handler is a forwarding shim created first.
  struct Forward : HttpHandler {
    ModelRoutes* to = nullptr;
    Dispatch Route(const HttpRequest& head, HttpResponse& response) override { return to->Route(head, response); }
    void Handle(const HttpRequest& request, HttpResponse& response) override { to->Handle(request, response); }
    void Answered(const HttpRequest* request, const HttpResponse& response, bool by_server) override {
      to->Answered(request, response, by_server);
    }
  } forward;
  HttpServer server(http, forward);
  routes = std::make_unique<ModelRoutes>(registry, auth ? &*auth : nullptr, route_options, server.stats());
  forward.to = routes.get();
  const int port = server.Bind();

  // SIGHUP reloads every model; SIGTERM / SIGINT drain the server.
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
      std::fprintf(stderr, "sluice serve: stopping: finishing the requests in flight (at most %gs)\n",
                   options.drain_timeout_seconds);
      server.Stop();
      signal_thread_done = true;
      return;
    }
  });
  signal_waiter = signal_thread.native_handle();
  struct sigaction pass_on = {};
  pass_on.sa_handler = ForwardSignal;
  sigemptyset(&pass_on.sa_mask);
  pass_on.sa_flags = SA_RESTART;
  for (int signal : {SIGHUP, SIGTERM, SIGINT}) sigaction(signal, &pass_on, nullptr);
  std::atomic<bool> stopping{false};
  std::thread idle_thread([&] {
    while (!stopping.load()) {
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
      registry.UnloadIdle();
    }
  });

  std::printf("sluice serve: model %s on http://%s:%d (%zu event loops, %zu workers)\n",
              registry.default_name().c_str(), http.host.c_str(), port, server.io_threads(), server.workers());
  std::fflush(stdout);
  const auto serve_start = std::chrono::steady_clock::now();
  const double cpu_start = ReadProcessCpuSeconds();
  server.Run();
  stopping = true;
  idle_thread.join();
  // The signal thread returns after stopping the server; if the server ended
  // on its own, wake it so it can finish.
  if (!signal_thread_done.load()) pthread_kill(signal_thread.native_handle(), SIGTERM);
  signal_thread.join();
  ServeReport report;
  report.wall_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - serve_start).count();
  report.cpu_seconds = ReadProcessCpuSeconds() - cpu_start;
  report.threads = server.io_threads() + server.workers();
  std::map<std::string, std::string> paths;
  for (const auto& entry : registry.List()) paths[entry["name"].get<std::string>()] = entry["path"].get<std::string>();
  for (const auto& [name, metrics] : registry.AllMetrics()) {
    report.models.push_back({name, paths.count(name) ? paths[name] : "", metrics->rows(), metrics->requests(),
                             metrics->request_seconds()});
  }
  return report;
}

}  // namespace sluice
