// sluice: raw data to a trained, tuned, served model. main finds the verb,
// runs it, and is the one place that turns errors into exit codes:
// 0 success, 1 failure, 2 usage error, 3 bad input data.

#include <cstdio>
#include <vector>

#include "cli/commands.h"
#include "common/error.h"
#include "common/memory.h"
#include "sluice_version.h"

int main(int argc, char** argv) {
  sluice::KeepFreedBatchMemory();
  CLI::App app{"sluice: raw data to a trained, tuned, served model", "sluice"};
  app.require_subcommand(1);
  app.set_version_flag("--version", SLUICE_VERSION);
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
  add(sluice::AddServeCommand);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& error) {
    int code = app.exit(error);
    return code == 0 ? 0 : 2;
  }
  try {
    for (auto& [command, action] : commands) {
      if (command->parsed()) return action();
    }
    return 2;
  } catch (const sluice::Error& error) {
    std::fprintf(stderr, "sluice: error: %s\n", error.what());
    return error.exit_code();
  } catch (const std::exception& error) {
    std::fprintf(stderr, "sluice: internal error: %s\n", error.what());
    return 1;
  }
}
