// sluice: raw data to a trained, tuned, served model. main finds the verb,
// runs it, and is the one place that turns errors into exit codes:
// 0 success, 1 failure, 2 usage error, 3 bad input data.

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "cli/commands.h"
#include "cli/openmp_waits.h"
#include "cluster/communicator.h"
#include "common/error.h"
#include "common/log.h"
#include "common/memory.h"
#include "sluice_version.h"

int main(int argc, char** argv) {
  sluice::UsePassiveOpenMpWaits(argv);
  try {
    // Under mpirun: joins the MPI job (MPI is loaded only then), before any thread starts.
    sluice::StartJob(&argc, &argv);
  } catch (const sluice::Error& error) {
    std::fprintf(stderr, "sluice: error: %s\n", error.what());
    return error.exit_code();
  }
  sluice::KeepFreedBatchMemory();
  CLI::App app{"sluice: raw data to a trained, tuned, served model", "sluice"};
  app.require_subcommand(1);
  app.set_version_flag("--version", SLUICE_VERSION);
  // --log-format is every verb's: given before or after the verb.
  app.fallthrough();
  std::string log_format;
  if (const char* env = std::getenv("SLUICE_LOG_FORMAT")) log_format = env;
  app.add_option("--log-format", log_format, "Log lines on stderr: text (default) or json (one object a line)")
      ->check(CLI::IsMember({"text", "json"}));
  std::vector<std::pair<CLI::App*, sluice::CommandAction>> commands;
  auto add = [&](sluice::CommandAction (*adder)(CLI::App&)) {
    size_t before = app.get_subcommands({}).size();
    sluice::CommandAction action = adder(app);
    commands.emplace_back(app.get_subcommands({})[before], std::move(action));
  };
  add(sluice::AddRunCommand);
  add(sluice::AddTuneCommand);
  add(sluice::AddRunsCommand);
  add(sluice::AddModelsCommand);
  add(sluice::AddCostCommand);
  add(sluice::AddReportCommand);
  add(sluice::AddDatagenCommand);
  add(sluice::AddPrepCommand);
  add(sluice::AddPredictCommand);
  add(sluice::AddTransformCommand);
  add(sluice::AddConvertCommand);
  add(sluice::AddInspectCommand);
  add(sluice::AddProfileCommand);
  add(sluice::AddServeCommand);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& error) {
    int code = app.exit(error);
    return code == 0 ? 0 : 2;
  }
  sluice::LogFormat format = sluice::LogFormat::kText;
  if (!log_format.empty() && !sluice::ParseLogFormat(log_format, &format)) {
    std::fprintf(stderr, "sluice: SLUICE_LOG_FORMAT: expected text or json, got '%s'\n", log_format.c_str());
    return 2;
  }
  sluice::SetLogFormat(format);
  // Steps of a pipeline graph log for the run that started them.
  if (const char* run = std::getenv("SLUICE_STEP_OF")) sluice::SetLogContext("run_id", run);
  if (const char* step = std::getenv("SLUICE_STEP")) sluice::SetLogContext("step", step);
  try {
    for (auto& [command, action] : commands) {
      if (!command->parsed()) continue;
      // The pipeline commands join the ranks themselves (cli/mpi_job.h);
      // any other would only run N times over the same files and ports.
      static const char* const kAcrossRanks[] = {"run", "tune", "prep", "transform", "predict"};
      const std::string verb = command->get_name();
      if (sluice::Job().size() > 1 && std::none_of(std::begin(kAcrossRanks), std::end(kAcrossRanks),
                                                   [&verb](const char* name) { return verb == name; })) {
        throw sluice::Error(sluice::ErrorKind::kUsage,
                            "`sluice " + verb + "` runs in one process: start it without mpirun, or with -n 1");
      }
      const int code = action();
      // A rank that fails exits without this: mpirun then ends every rank.
      if (code == 0) sluice::Job().Finalize();
      return code;
    }
    return 2;
  } catch (const sluice::Error& error) {
    const bool json = sluice::CurrentLogFormat() == sluice::LogFormat::kJson;
    sluice::Log(sluice::LogLevel::kError, json ? std::string(error.what()) : std::string("sluice: error: ") + error.what());
    return error.exit_code();
  } catch (const std::exception& error) {
    const bool json = sluice::CurrentLogFormat() == sluice::LogFormat::kJson;
    sluice::Log(sluice::LogLevel::kError,
                json ? std::string("internal error: ") + error.what() : std::string("sluice: internal error: ") + error.what());
    return 1;
  }
}
