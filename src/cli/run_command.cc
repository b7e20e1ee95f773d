#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "cli/commands.h"
#include "cli/mpi_job.h"
#include "cli/recorded_run.h"
#include "cluster/communicator.h"
#include "common/error.h"
#include "common/log.h"
#include "history/run_store.h"
#include "history/state_database.h"
#include "pipeline/pipeline_keys.h"

namespace sluice {

namespace {

struct RunArgs {
  std::string pipeline;
  std::vector<std::string> overrides;
  std::string resume;
  std::string from, only;
  std::string metrics_file;
  bool json = false;
  bool help_keys = false;
  bool no_command_steps = false;
  int threads = -1;
};

// What of `spec` does not run across MPI ranks yet (JoinRanks); empty: all of it.
std::string NotAcrossRanks(const PipelineSpec& spec) {
  if (!spec.steps.is_null()) return "a pipeline of steps";
  return "";
}

// `--resume RUN_ID`: the recorded run's command, from its working directory.
// Under MPI rank 0 looks the run up in its history and tells the others.
int Resume(const RunArgs& args) {
  if (!args.pipeline.empty() || !args.overrides.empty() || args.threads >= 0 || !args.from.empty() || !args.only.empty()) {
    ThrowUsage("--resume repeats the recorded run's own pipeline, --set and --threads; give none of them");
  }
  std::string id;
  RunInvocation invocation;
  Communicator& job = Job();
  std::string found;  // rank 0's answer: the run and its invocation, or '!' and why not
  if (job.rank() == 0) {
    try {
      // The state directory stays the one the id is found in when the run's own
      // working directory is entered below (SLUICE_STATE_DIR may be relative).
      const std::string state_dir = std::filesystem::absolute(StateDirectory()).lexically_normal().string();
      auto db = OpenStateDatabase(state_dir);
      RunStore store(*db);
      id = store.Resolve(args.resume);
      RunRow row = store.Get(id);
      const std::string status = EffectiveStatus(row);
      if (status == "succeeded") ThrowUsage("run " + id + " succeeded; there is nothing to resume");
      if (status == "running") ThrowUsage("run " + id + " is still running (process " + std::to_string(row.pid) + ")");
      found = nlohmann::json({{"id", id}, {"invocation", row.invocation.ToJson()}, {"state_dir", state_dir}}).dump();
    } catch (const Error& error) {
      if (job.size() == 1) throw;
      found = std::string("!") + error.what();
    }
  }
  found = job.Broadcast(found, 0);
  if (found[0] == '!') ThrowUsage(found.substr(1));
  const nlohmann::json answer = nlohmann::json::parse(found);
  id = answer.at("id").get<std::string>();
  invocation = RunInvocation::FromJson(answer.at("invocation"));
  ::setenv("SLUICE_STATE_DIR", answer.at("state_dir").get<std::string>().c_str(), 1);
  // Relative paths in the pipeline and its overrides are the run's own.
  if (!invocation.cwd.empty() && ::chdir(invocation.cwd.c_str()) != 0) {
    ThrowErrno("run " + id + " ran in " + invocation.cwd + ", which is gone");
  }
  PipelineSpec spec = LoadPipeline(invocation.pipeline, invocation.overrides);
  JoinRanks(spec.resolved.dump(), "run --resume", NotAcrossRanks(spec));
  if (invocation.threads >= 0) spec.threads = invocation.threads;
  if (!args.json) LogInfo("resuming run " + id + ": sluice " + invocation.verb + " " + invocation.pipeline);
  return RunRecorded(spec, {invocation, id, args.json, "", "", args.metrics_file, args.no_command_steps});
}

}  // namespace

CommandAction AddRunCommand(CLI::App& app) {
  auto args = std::make_shared<RunArgs>();
  CLI::App* command = app.add_subcommand("run", "Run a pipeline file: ingest, prep, train (or tune, with a tune section), evaluate, write the artifact");
  command->add_option("pipeline", args->pipeline, "The pipeline file (YAML)");
  command->add_option("--set", args->overrides, "Override a key of the file: KEY=VALUE, KEY by dotted path (repeatable)");
  command->add_option("--threads", args->threads, "Worker threads (default: the file's `threads`, else every core)");
  command->add_option("--resume", args->resume,
                      "Run a recorded run that did not finish again, as it was started (see sluice runs); "
                      "its checkpoints and finished steps are picked up");
  command->add_option("--from", args->from,
                      "With `steps:`: run this step and every step that depends on it, even if cached; the steps before "
                      "it are taken from the cache");
  command->add_option("--only", args->only, "With `steps:`: run just this step, even if cached; what it needs from the cache");
  command->add_option("--metrics-file", args->metrics_file,
                      "Keep the run's metrics in this file in the Prometheus text format (for node-exporter's textfile "
                      "collector), rewritten at each step and every 5 s");
  command->add_flag("--json", args->json, "Print the run summary as JSON on stdout");
  command->add_flag("--no-command-steps", args->no_command_steps,
                    "Refuse a pipeline with a `command` step before anything runs: a pipeline file is code (a command "
                    "step runs shell commands as you); use this to run a pipeline file you did not write "
                    "(also SLUICE_NO_COMMAND_STEPS=1)");
  command->add_flag("--help-keys", args->help_keys, "List every key of the pipeline file and exit");
  return [args]() {
    if (args->help_keys) {
      std::fputs(PipelineKeysMarkdown().c_str(), stdout);
      return 0;
    }
    if (!args->resume.empty()) return Resume(*args);
    if (args->pipeline.empty()) {
      std::fprintf(stderr, "sluice run: a pipeline file is required (see sluice run --help)\n");
      return 2;
    }
    PipelineSpec spec = LoadPipeline(args->pipeline, args->overrides);
    JoinRanks(spec.resolved.dump(), "run", NotAcrossRanks(spec));
    if (args->threads >= 0) spec.threads = args->threads;
    RunInvocation invocation{"run", std::filesystem::absolute(args->pipeline).lexically_normal().string(), args->overrides,
                             args->threads, std::filesystem::current_path().string()};
    return RunRecorded(spec, {invocation, "", args->json, args->from, args->only, args->metrics_file,
                              args->no_command_steps});
  };
}

}  // namespace sluice
