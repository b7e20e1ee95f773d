// `sluice report RUN_ID --out report.html`: the run's report as one
// self-contained HTML file (report/run_report.h).

#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>

#include "cli/commands.h"
#include "common/atomic_file.h"
#include "common/error.h"
#include "common/output_guard.h"
#include "cost/price_list.h"
#include "history/state_database.h"
#include "report/run_report.h"

namespace sluice {

namespace {

struct ReportArgs {
  std::string run;
  std::string out;
  std::string prices;
};

}  // namespace

CommandAction AddReportCommand(CLI::App& app) {
  auto args = std::make_shared<ReportArgs>();
  CLI::App* command = app.add_subcommand(
      "report", "Write a recorded run's report: one self-contained HTML file with its curves, model quality, feature "
                "importance, steps, resource use and cost");
  command->add_option("run", args->run, "Run id (a unique prefix will do)")->required();
  command->add_option("--out", args->out, "The HTML file to write (default: report-RUN_ID.html)");
  command->add_option("--prices", args->prices, "The price list for the cost section (default: as sluice cost)");
  return [args]() {
    auto db = OpenExistingStateDatabase();
    RunReportInputs inputs =
        LoadRunReportInputs(*db, args->run, args->prices.empty() ? DefaultPriceListPath() : args->prices);
    const std::string out = args->out.empty() ? "report-" + inputs.run["id"].get<std::string>() + ".html" : args->out;
    CheckOutputPath(out, OutputKind::kFile, "--out");
    WriteFileAtomically(out, RenderRunReport(inputs));
    std::printf("report of run %s -> %s\n", inputs.run["id"].get<std::string>().c_str(), out.c_str());
    return 0;
  };
}

}  // namespace sluice
