#include <chrono>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "cli/commands.h"
#include "history/registered_models.h"
#include "history/serving_store.h"
#include "history/state_database.h"
#include "serve/model_server.h"

namespace sluice {

namespace {
struct ServeArgs {
  ServeOptions options;
  std::vector<std::string> models;
};
constexpr std::string_view kRegistryPrefix = "registry:";

// "[ALIAS=]registry:NAME[@VERSION|@STAGE]" -> (ALIAS or NAME, the registered
// copy's directory); anything else as ParseModelSpec reads it. Resolved once,
// at start: a later promotion takes effect when the server is started again.
std::pair<std::string, std::string> ResolveModelSpec(const std::string& spec) {
  const size_t equals = spec.find('=');
  const std::string alias = equals == std::string::npos ? "" : spec.substr(0, equals);
  const std::string target = equals == std::string::npos ? spec : spec.substr(equals + 1);
  if (target.rfind(kRegistryPrefix, 0) != 0) return ParseModelSpec(spec);
  const std::string dir = std::filesystem::absolute(StateDirectory()).lexically_normal().string();
  auto db = OpenStateDatabase(dir);
  RegisteredModels models(*db, dir);
  ModelVersion version = models.Resolve(target.substr(kRegistryPrefix.size()));
  std::fprintf(stderr, "serve: %s is %s v%d (stage %s, run %s): %s\n", target.c_str(), version.name.c_str(),
               version.version, version.stage.c_str(), version.run_id.empty() ? "-" : version.run_id.c_str(),
               version.path.c_str());
  return {alias.empty() ? version.name : alias, version.path};
}

// Keeps what the server measured in the run history, where one is kept
// (a directory with .sluice/runs.db): `sluice cost` prices predictions by it.
void RecordServing(const ServeReport& report) {
  const std::string dir = std::filesystem::absolute(StateDirectory()).lexically_normal().string();
  if (!std::filesystem::exists(dir + "/runs.db")) return;
  const double finished =
      std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
  try {
    auto db = OpenStateDatabase(dir);
    ServingStore store(*db);
    for (const auto& model : report.models) {
      if (model.rows == 0) continue;
      store.Record({model.name, std::filesystem::absolute(model.path).lexically_normal().string(), "",
                    finished - report.wall_seconds, finished, static_cast<int64_t>(model.rows),
                    static_cast<int64_t>(model.requests), model.request_seconds, report.cpu_seconds,
                    static_cast<int64_t>(report.threads)});
    }
  } catch (const std::exception& error) {
    std::fprintf(stderr, "sluice serve: warning: the serving record was not kept: %s\n", error.what());
  }
}

}  // namespace

CommandAction AddServeCommand(CLI::App& app) {
  auto args = std::make_shared<ServeArgs>();
  ServeOptions& options = args->options;
  CLI::App* command = app.add_subcommand(
      "serve", "Serve models over HTTP with the SageMaker container contract (GET /ping, POST /invocations, /models...)");
  command->add_option("--model", args->models,
                      "A model: DIR, NAME=DIR or registry:NAME[@VERSION|@STAGE] (repeatable; the first answers /invocations; "
                      "default: SageMaker's /opt/ml/model)");
  command->add_option("--model-root", options.model_root, "Directory (or s3://bucket/prefix/) POST /models may load models from (default: loading by API is off)");
  command->add_option("--host", options.host, "Address to bind (default 127.0.0.1; 0.0.0.0 inside a SageMaker container, where /opt/ml exists)");
  command->add_option("--port", options.port, "Port (default $SAGEMAKER_BIND_TO_PORT or 8080; 0 picks a free one and prints it)");
  command->add_option("--threads", options.threads, "Worker threads scoring large requests, loading and reloading (default: one per core)");
  command->add_option("--io-threads", options.io_threads,
                      "Event-loop threads owning the connections; small requests are scored there (default: half the cores, at least one)");
  command->add_option("--max-body", options.max_body_bytes, "Largest request body in bytes, chunked or not (default 6 MB): 413 once passed");
  command->add_option("--max-header-bytes", options.max_head_bytes, "Largest request head (request line and headers) in bytes (default 16384): 431");
  command->add_option("--max-connections", options.max_connections,
                      "Open connections allowed (default 10000); past it the oldest idle one is closed, or the new one gets 503");
  command->add_option("--max-queue", options.max_queue,
                      "Requests waiting for a worker thread (default 1024); past it 503 with Retry-After at once");
  command->add_option("--inline-max-body", options.inline_max_body,
                      "Invocations up to this many bytes, for a loaded model, are scored on the event loop (default 16384; 0: never)");
  command->add_option("--header-timeout", options.header_timeout_seconds,
                      "Seconds for a whole request head, from its first byte (default 10): 408 and closed")
      ->check(CLI::PositiveNumber);
  command->add_option("--body-timeout", options.body_timeout_seconds,
                      "Seconds for a whole request body, and for the client to take the whole response (default 30): 408")
      ->check(CLI::PositiveNumber);
  command->add_option("--read-timeout", options.body_timeout_seconds, "The same as --body-timeout (kept for old scripts)")
      ->check(CLI::PositiveNumber);
  command->add_option("--idle-timeout", options.idle_timeout_seconds,
                      "Seconds a keep-alive connection may wait for its next request (default 60)")
      ->check(CLI::PositiveNumber);
  command->add_option("--drain-timeout", options.drain_timeout_seconds,
                      "On SIGTERM, seconds to finish the requests in flight before closing the rest (default 10)")
      ->check(CLI::NonNegativeNumber);
  command->add_option("--idle-unload", options.idle_unload_seconds,
                      "Unload a model idle this many seconds; the next request loads it again (a cold start)");
  command->add_option("--batch-window-us", options.batch_window_us,
                      "Microseconds a model call may wait for more requests to batch (default 0: batch only what is queued)");
  command->add_option("--max-batch-rows", options.max_batch_rows, "Most rows in one model call (default 4096)");
  command->add_option("--auth-token-file", options.auth_token_file,
                      "Require 'Authorization: Bearer <token>' (the file's contents) on every route but /ping");
  command->add_flag("--access-log", options.access_log, "Log one JSON line per request on stderr");
  return [args]() {
    for (const auto& spec : args->models) args->options.models.push_back(ResolveModelSpec(spec));
    ServeReport report = Serve(args->options);
    RecordServing(report);
    return 0;
  };
}

}  // namespace sluice
