#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "cli/commands.h"
#include "cli/stop_signals.h"
#include "pipeline/pipeline_keys.h"
#include "pipeline/text_run.h"
#include "pipeline/run_summary.h"
#include "pipeline/training_run.h"
#include "pipeline/tuning_run.h"

namespace sluice {

namespace {

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
  CLI::App* command = app.add_subcommand("run", "Run a pipeline file: ingest, prep, train (or tune, with a tune section), evaluate, write the artifact");
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
    options.stop_requested = InstallStopSignalHandlers();
    nlohmann::json summary = spec.tune.enabled          ? RunTuning(spec, options)
                             : spec.text_column.empty() ? RunTraining(spec, options)
                                                        : RunTextTraining(spec, options);
    PrintRunSummary(summary, args->json);
    return 0;
  };
}

}  // namespace sluice
