#include <memory>
#include <string>

#include "cli/commands.h"
#include "serve/model_server.h"

namespace sluice {

CommandAction AddServeCommand(CLI::App& app) {
  auto options = std::make_shared<ServeOptions>();
  CLI::App* command = app.add_subcommand(
      "serve", "Serve a model over HTTP with the SageMaker container contract (GET /ping, POST /invocations)");
  command->add_option("--model", options->model_dir, "The artifact directory (default: SageMaker's /opt/ml/model)");
  command->add_option("--host", options->host, "Address to bind (default 127.0.0.1)");
  command->add_option("--port", options->port, "Port (default 8080; 0 picks a free one and prints it)");
  command->add_option("--threads", options->threads, "Worker threads (default: every core)");
  command->add_option("--max-body", options->max_body_bytes, "Largest request body in bytes (default 6 MB)");
  command->add_flag("--access-log", options->access_log, "Log one JSON line per request on stderr");
  return [options]() {
    Serve(*options);
    return 0;
  };
}

}  // namespace sluice
