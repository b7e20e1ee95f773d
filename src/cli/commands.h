#pragma once
// Each verb of `sluice <verb>` lives in its own file and registers itself on
// the CLI11 app: its options, its --help, and the action main runs when the
// verb was given. Actions return the exit code; errors are thrown and mapped
// to exit codes by main only.

#include <CLI/CLI.hpp>
#include <functional>

namespace sluice {

using CommandAction = std::function<int()>;

CommandAction AddRunCommand(CLI::App& app);
CommandAction AddDatagenCommand(CLI::App& app);
CommandAction AddPredictCommand(CLI::App& app);
CommandAction AddTransformCommand(CLI::App& app);
CommandAction AddPrepCommand(CLI::App& app);
CommandAction AddConvertCommand(CLI::App& app);
CommandAction AddInspectCommand(CLI::App& app);
CommandAction AddProfileCommand(CLI::App& app);
CommandAction AddServeCommand(CLI::App& app);
CommandAction AddTuneCommand(CLI::App& app);
CommandAction AddRunsCommand(CLI::App& app);
CommandAction AddModelsCommand(CLI::App& app);
CommandAction AddCostCommand(CLI::App& app);
CommandAction AddReportCommand(CLI::App& app);

}  // namespace sluice
