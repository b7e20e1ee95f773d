// `sluice tune PIPELINE`: the pipeline's tune step on its own terms — the
// file must have a tune.space; the flags override its tune settings.

#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "cli/commands.h"
#include "cli/mpi_job.h"
#include "cli/recorded_run.h"

namespace sluice {

namespace {

struct TuneArgs {
  std::string pipeline;
  std::vector<std::string> overrides;
  std::string strategy;
  int trials = 0;
  std::string parallel;  // a number, or auto
  std::string warm_start;
  std::string early_stopping;
  int threads = -1;
  std::string metrics_file;
  bool json = false;
};

}  // namespace

CommandAction AddTuneCommand(CLI::App& app) {
  auto args = std::make_shared<TuneArgs>();
  CLI::App* command = app.add_subcommand(
      "tune", "Search a pipeline's tune.space (grid, random or Bayesian) and write the best trial's model");
  command->add_option("pipeline", args->pipeline, "The pipeline file (YAML) with a tune section")->required();
  command->add_option("--set", args->overrides, "Override a key of the file: KEY=VALUE (repeatable)");
  command->add_option("--strategy", args->strategy, "bayesian, grid or random (tune.strategy)");
  command->add_option("--trials", args->trials, "How many trials (tune.trials)")->check(CLI::PositiveNumber);
  command->add_option("--parallel", args->parallel, "Trials at once, threads split between them, or auto (tune.parallel)")
      ->check(CLI::PositiveNumber | CLI::IsMember({"auto"}));
  command->add_option("--warm-start", args->warm_start, "An earlier search's artifact or trials.jsonl (tune.warm_start)");
  command->add_option("--early-stopping", args->early_stopping, "none or median (tune.early_stopping)");
  command->add_option("--threads", args->threads, "Worker threads in all (default: the file's `threads`, else every core)");
  command->add_option("--metrics-file", args->metrics_file,
                      "Keep the run's metrics in this file in the Prometheus text format (see sluice run --help)");
  command->add_flag("--json", args->json, "Print the run summary, every trial included, as JSON on stdout");
  return [args]() {
    std::vector<std::string> overrides = args->overrides;
    if (!args->strategy.empty()) overrides.push_back("tune.strategy=" + args->strategy);
    if (args->trials > 0) overrides.push_back("tune.trials=" + std::to_string(args->trials));
    if (!args->parallel.empty()) overrides.push_back("tune.parallel=" + args->parallel);
    if (!args->warm_start.empty()) overrides.push_back("tune.warm_start=" + args->warm_start);
    if (!args->early_stopping.empty()) overrides.push_back("tune.early_stopping=" + args->early_stopping);
    PipelineSpec spec = LoadPipeline(args->pipeline, overrides);
    JoinRanks(spec.resolved.dump(), "tune", "");
    if (!spec.tune.enabled) {
      std::fprintf(stderr, "sluice tune: %s has no tune section (tune.space: the parameters to search)\n",
                   args->pipeline.c_str());
      return 2;
    }
    if (args->threads >= 0) spec.threads = args->threads;
    RunInvocation invocation{"tune", std::filesystem::absolute(args->pipeline).lexically_normal().string(), overrides,
                             args->threads, std::filesystem::current_path().string()};
    return RunRecorded(spec, {invocation, "", args->json, "", "", args->metrics_file});
  };
}

}  // namespace sluice
