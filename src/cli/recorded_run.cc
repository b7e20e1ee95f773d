#include "cli/recorded_run.h"

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <optional>

#include "cli/stop_signals.h"
#include "cluster/communicator.h"
#include "common/error.h"
#include "common/output_guard.h"
#include "common/format.h"
#include "common/log.h"
#include "common/text_table.h"
#include "monitor/resource_sampler.h"
#include "orchestrate/graph_run.h"
#include "orchestrate/step_graph.h"
#include "history/run_recorder.h"
#include "history/state_database.h"
#include "io/s3/s3_file.h"
#include "io/s3/s3_output.h"
#include "pipeline/summary_table.h"
#include "pipeline/text_run.h"
#include "pipeline/training_run.h"
#include "pipeline/tuning_run.h"

namespace sluice {

namespace {

RunSummary RunUnrecorded(const PipelineSpec& spec, const RunOptions& options) {
  return spec.tune.enabled          ? RunTuning(spec, options)
         : spec.text_column.empty() ? RunTraining(spec, options)
                                    : RunTextTraining(spec, options);
}

void PrintStepTable(const nlohmann::json& steps) {
  TextTable table;
  table.Column("step").Column("type").Column("status").Column("attempts", true).Column("seconds", true).Column("output");
  for (const auto& step : steps) {
    table.Row({step.value("name", ""), step.value("type", ""), step.value("status", ""),
                  std::to_string(step.value("attempts", 0)), FormatSeconds(step.value("seconds", 0.0)),
                  step.value("output", "")});
  }
  std::fputs(table.Format().c_str(), stdout);
}

// A rank other than 0 of an MPI job: it runs its share of the job quietly
// (warnings and errors still show, named by rank and host); rank 0 records
// the run, prints and writes the artifact.
int RunOnOtherRank(const PipelineSpec& spec) {
  SetLogContext("run_id", Job().Broadcast("", 0));
  SetLogContext("pipeline", spec.name);
  RunOptions options;
  options.quiet = true;
  options.stop_requested = InstallStopSignalHandlers();
  RunUnrecorded(spec, options);
  return 0;
}

}  // namespace

int RunRecorded(const PipelineSpec& pipeline, const RecordedRunOptions& recorded) {
  PipelineSpec spec = pipeline;
  if (!spec.steps.is_null() || !recorded.from.empty() || !recorded.only.empty()) {
    if (spec.steps.is_null()) ThrowUsage("--from and --only choose steps of a pipeline with `steps:`; " + spec.file + " has none");
  }
  // Checked before anything runs or is recorded.
  StepGraph graph;
  if (!spec.steps.is_null()) {
    graph = ParseStepGraph(spec.steps, spec.parallel_steps, spec.file);
    if (!recorded.from.empty()) graph.IndexOf(recorded.from);
    if (!recorded.only.empty()) graph.IndexOf(recorded.only);
    if (!recorded.from.empty() && !recorded.only.empty()) ThrowUsage("give --from or --only, not both");
    const char* refuse = std::getenv("SLUICE_NO_COMMAND_STEPS");
    if (recorded.no_command_steps || (refuse && *refuse && std::string(refuse) != "0")) {
      for (const auto& step : graph.steps) {
        if (step.type != StepType::kCommand) continue;
        ThrowUsage(spec.file + ": step '" + step.name + "' is a command step (it runs `" +
                   (step.run.size() > 80 ? step.run.substr(0, 80) + "..." : step.run) +
                   "` through /bin/sh as you), and command steps are refused (--no-command-steps or "
                   "SLUICE_NO_COMMAND_STEPS); nothing ran");
      }
    }
  }
  // Refused before anything runs: sluice replaces only a model directory it wrote.
  // An s3:// output is written locally, then uploaded once the run succeeded.
  std::optional<S3Output> s3_output;
  if (spec.steps.is_null() && IsS3Uri(spec.output)) {
    s3_output.emplace(
        spec.output, OutputKind::kArtifact,
        SourceShard{Job().rank(), Job().size(), [](const std::string& mine) { return Job().AllGather(mine); }});
    spec.output = s3_output->local_path();
  } else if (spec.steps.is_null()) {
    CheckOutputPath(spec.output, OutputKind::kArtifact);
  }
  if (!recorded.metrics_file.empty()) CheckOutputPath(recorded.metrics_file, OutputKind::kFile, "--metrics-file");
  if (const char* parent = std::getenv("SLUICE_STEP_OF"); parent && *parent && spec.steps.is_null()) {
    // The summary on stdout is the graph's to read; the progress on stderr
    // goes to the step's log.
    RunOptions options;
    options.quiet = false;
    options.stop_requested = InstallStopSignalHandlers();
    PrintRunSummary(RunUnrecorded(spec, options), recorded.json);
    return 0;
  }
  if (Job().rank() > 0) return RunOnOtherRank(spec);
  const std::string state_dir = std::filesystem::absolute(StateDirectory()).lexically_normal().string();
  RunRecorder recorder(state_dir, spec.name, recorded.invocation, recorded.resume_id);
  // The other ranks log under this run's id.
  if (Job().size() > 1) Job().Broadcast(recorder.id(), 0);
  if (!recorded.json) {
    LogInfo("run " + recorder.id() + (recorder.attempt() > 1 ? ", attempt " + std::to_string(recorder.attempt()) : "") +
            " (history: " + state_dir + "/runs.db)");
  }
  SetLogContext("run_id", recorder.id());
  SetLogContext("pipeline", spec.name);
  RunOptions options;
  options.quiet = recorded.json;
  options.stop_requested = InstallStopSignalHandlers();
  options.on_step = [&recorder](const std::string& step, bool cached) { recorder.StepStarted(step, cached); };
  RunSummary summary;
  bool register_artifact = spec.registry;
  auto record_failure = [&](int exit_code, const char* message, bool interrupted) {
    try {
      recorder.Failed(exit_code, message, interrupted);
    } catch (const std::exception& error) {
      // The run's own error is what main reports; this one must not hide it.
      Log(LogLevel::kWarning, "sluice: warning: run " + recorder.id() + "'s failure could not be recorded: " + error.what());
    }
  };
  try {
    if (!recorded.metrics_file.empty()) recorder.ExportMetricsTo(recorded.metrics_file);
    if (!spec.steps.is_null()) {
      SampleProcessTree(true);  // the steps are child processes: their use is the run's
      GraphRunOptions graph_options{recorded.from, recorded.only, recorded.json, options.stop_requested, state_dir};
      GraphRunResult result = RunGraph(spec, graph, recorder, graph_options);
      summary = std::move(result.summary);
      register_artifact = result.register_artifact && spec.registry;
    } else {
      summary = RunUnrecorded(spec, options);
    }
    if (s3_output) {
      if (!recorded.json) LogInfo("uploading " + summary.artifact + " -> " + s3_output->uri());
      s3_output->Publish();
    }
  } catch (const Error& error) {
    record_failure(error.exit_code(), error.what(), error.kind() == ErrorKind::kInterrupted);
    throw;
  } catch (const std::exception& error) {
    record_failure(1, error.what(), false);
    throw;
  }
  // The registry keeps the local copy, which serve and predict load.
  std::vector<ModelVersion> registered = recorder.Succeeded(summary, spec.resolved, register_artifact);
  if (s3_output) {
    // What the summary names, as it now lies in S3.
    std::string local = s3_output->local_path(), uri = s3_output->uri();
    while (local.size() > 1 && local.back() == '/') local.pop_back();
    while (uri.size() > 5 && uri.back() == '/') uri.pop_back();
    summary.artifact = uri;
    if (summary.rejects_file.rfind(local + "/", 0) == 0) summary.rejects_file = uri + summary.rejects_file.substr(local.size());
  }
  summary.run_id = recorder.id();
  summary.registered = nlohmann::json::array();
  for (const auto& version : registered) summary.registered.push_back(version.ToJson());
  if (!summary.steps.is_null() && !recorded.json) {
    PrintStepTable(summary.steps);
    if (summary.trained()) PrintRunSummary(summary, false);
  } else {
    PrintRunSummary(summary, recorded.json);
  }
  if (!recorded.json) {
    for (const auto& version : registered) {
      LogInfo("registered " + version.name + " v" + std::to_string(version.version) + " (run " + recorder.id() + ") -> " +
              version.path + "; `registry: false` in the pipeline turns this off");
    }
  }
  return 0;
}

}  // namespace sluice
