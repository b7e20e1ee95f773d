#include "cli/recorded_run.h"

#include <cstdio>
#include <filesystem>

#include "cli/stop_signals.h"
#include "common/error.h"
#include "history/run_recorder.h"
#include "history/state_database.h"
#include "pipeline/run_summary.h"
#include "pipeline/text_run.h"
#include "pipeline/training_run.h"
#include "pipeline/tuning_run.h"

namespace sluice {

int RunRecorded(const PipelineSpec& spec, const RecordedRunOptions& recorded) {
  const std::string state_dir = std::filesystem::absolute(StateDirectory()).lexically_normal().string();
  RunRecorder recorder(state_dir, spec.name, recorded.invocation, recorded.resume_id);
  if (!recorded.json) {
    std::fprintf(stderr, "run %s%s (history: %s/runs.db)\n", recorder.id().c_str(),
                 recorder.attempt() > 1 ? (", attempt " + std::to_string(recorder.attempt())).c_str() : "",
                 state_dir.c_str());
  }
  RunOptions options;
  options.quiet = recorded.json;
  options.stop_requested = InstallStopSignalHandlers();
  options.on_step = [&recorder](const std::string& step, bool cached) { recorder.StepStarted(step, cached); };
  nlohmann::json summary;
  auto record_failure = [&](int exit_code, const char* message, bool interrupted) {
    try {
      recorder.Failed(exit_code, message, interrupted);
    } catch (const std::exception& error) {
      // The run's own error is what main reports; this one must not hide it.
      std::fprintf(stderr, "sluice: warning: run %s's failure could not be recorded: %s\n", recorder.id().c_str(),
                   error.what());
    }
  };
  try {
    summary = spec.tune.enabled          ? RunTuning(spec, options)
              : spec.text_column.empty() ? RunTraining(spec, options)
                                         : RunTextTraining(spec, options);
  } catch (const Error& error) {
    record_failure(error.exit_code(), error.what(), error.kind() == ErrorKind::kInterrupted);
    throw;
  } catch (const std::exception& error) {
    record_failure(1, error.what(), false);
    throw;
  }
  std::vector<ModelVersion> registered = recorder.Succeeded(summary, spec.resolved);
  summary["run_id"] = recorder.id();
  summary["registered"] = nlohmann::json::array();
  for (const auto& version : registered) summary["registered"].push_back(version.ToJson());
  PrintRunSummary(summary, recorded.json);
  if (!recorded.json) {
    for (const auto& version : registered) {
      std::fprintf(stderr, "registered %s v%d (run %s)\n", version.name.c_str(), version.version, recorder.id().c_str());
    }
  }
  return 0;
}

}  // namespace sluice
