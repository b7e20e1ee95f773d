#include <cstdio>
#include <memory>
#include <string>

#include "cli/commands.h"
#include "common/error.h"
#include "common/format.h"
#include "common/output_guard.h"
#include "datagen/review_generator.h"
#include "datagen/taxi_generator.h"

namespace sluice {

CommandAction AddDatagenCommand(CLI::App& app) {
  auto options = std::make_shared<TaxiDataOptions>();
  auto kind = std::make_shared<std::string>();
  CLI::App* command = app.add_subcommand("datagen", "Generate a synthetic data set for demos, tests and benchmarks");
  command->add_option("kind", *kind, "What to generate: taxi (trip records) or reviews (labelled review texts)")->required();
  command->add_option("--rows", options->rows, "Number of rows")->check(CLI::NonNegativeNumber);
  command->add_option("--seed", options->seed, "Seed; the same seed gives the same file");
  command->add_option("--out", options->output, "Output file (CSV)")->required();
  command->add_option("--threads", options->threads, "Worker threads (default: every core)");
  return [options, kind]() {
    CheckOutputPath(options->output, OutputKind::kFile, "--out");
    if (*kind == "reviews") {
      ReviewDataOptions reviews;
      reviews.rows = options->rows;
      reviews.seed = options->seed;
      reviews.output = options->output;
      ReviewDataTotals totals = GenerateReviewData(reviews);
      std::printf("wrote %s: %s synthetic reviews (%s dirty on purpose), %s\n", reviews.output.c_str(),
                  FormatCount(totals.rows).c_str(), FormatCount(totals.dirty_rows).c_str(),
                  FormatBytes(static_cast<double>(totals.bytes)).c_str());
      return 0;
    }
    if (*kind != "taxi") ThrowUsage("datagen: unknown kind '" + *kind + "' (taxi, reviews)");
    TaxiDataTotals totals = GenerateTaxiData(*options);
    std::printf("wrote %s: %s rows (%s malformed on purpose), %s\n", options->output.c_str(),
                FormatCount(totals.rows).c_str(), FormatCount(totals.malformed_lines).c_str(),
                FormatBytes(static_cast<double>(totals.bytes)).c_str());
    return 0;
  };
}

}  // namespace sluice
