#include <signal.h>

#include <atomic>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "cli/commands.h"
#include "pipeline/pipeline_keys.h"
#include "pipeline/text_run.h"
#include "pipeline/run_summary.h"
#include "pipeline/training_run.h"

namespace sluice {

namespace {

// SIGTERM (a Spot instance's two-minute notice) and SIGINT ask training to
// stop after the round in progress with a checkpoint written; a second
// signal ends the process at once.
std::atomic<bool> stop_requested{false};

void RequestStop(int signal) {
  if (stop_requested.exchange(true)) {
    ::signal(signal, SIG_DFL);
    ::raise(signal);
  }
}

struct RunArgs {
  std::string pipeline;
  std::vector<std::string> overrides;
  bool json = false;
  bool help_keys = false;
  int threads = -1;
};
}  // namespace

CommandAction AddRunCommand(CLI::App& app) {
  auto args = std::make_shared<RunArgs>();
  CLI::App* command = app.add_subcommand("run", "Run a pipeline file: ingest, prep, train, evaluate, write the artifact");
  command->add_option("pipeline", args->pipeline, "The pipeline file (YAML)");
  command->add_option("--set", args->overrides, "Override a key of the file: KEY=VALUE, KEY by dotted path (repeatable)");
  command->add_option("--threads", args->threads, "Worker threads (default: the file's `threads`, else every core)");
  command->add_flag("--json", args->json, "Print the run summary as JSON on stdout");
  command->add_flag("--help-keys", args->help_keys, "List every key of the pipeline file and exit");
  return [args]() {
    if (args->help_keys) {
      std::fputs(PipelineKeysMarkdown().c_str(), stdout);
      return 0;
    }
    if (args->pipeline.empty()) {
      std::fprintf(stderr, "sluice run: a pipeline file is required (see sluice run --help)\n");
      return 2;
    }
    PipelineSpec spec = LoadPipeline(args->pipeline, args->overrides);
    if (args->threads >= 0) spec.threads = args->threads;
    RunOptions options;
    options.quiet = args->json;
    options.stop_requested = &stop_requested;
    struct sigaction action = {};
    action.sa_handler = RequestStop;
    sigemptyset(&action.sa_mask);
    action.sa_flags = SA_RESTART;
    sigaction(SIGTERM, &action, nullptr);
    sigaction(SIGINT, &action, nullptr);
    nlohmann::json summary = spec.text_column.empty() ? RunTraining(spec, options) : RunTextTraining(spec, options);
    if (args->json) {
      std::printf("%s\n", summary.dump(2).c_str());
    } else {
      std::fputs(FormatRunSummary(summary).c_str(), stdout);
    }
    return 0;
  };
}

}  // namespace sluice
