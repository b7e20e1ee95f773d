#include <cstdio>
#include <memory>
#include <string>

#include "cli/commands.h"
#include "cli/mpi_job.h"
#include "cluster/communicator.h"
#include "cli/stop_signals.h"
#include "common/format.h"
#include "common/uri.h"
#include "serve/batch_transform.h"

namespace sluice {

// `sluice predict` is `sluice transform` with nothing carried: one prediction
// per input row, in input order, empty for a rejected row.
CommandAction AddPredictCommand(CLI::App& app) {
  auto options = std::make_shared<TransformOptions>();
  CLI::App* command = app.add_subcommand("predict", "Score raw rows with a model artifact, one prediction per input row");
  command->add_option("--model", options->model_dir, "The artifact directory")->required();
  command->add_option("--input", options->input, "Raw rows: CSV, JSON Lines or Parquet (file, directory or glob)")->required();
  command->add_option("--output", options->output, "Predictions: .csv, .jsonl or .parquet (a path or s3://); or postgres://.../db?table=NAME")->required();
  command->add_option("--rejects", options->rejects, "Rejected rows (default: OUTPUT.rejects.csv)");
  command->add_option("--threads", options->threads, "Worker threads (default: every core)");
  command->add_option("--max-reject-rate", options->max_reject_rate,
                      "Largest share of rejected rows (blank lines left out) before exiting 3, after writing the output; "
                      "1 accepts any (default 0.01)")
      ->check(CLI::Range(0.0, 1.0));
  return [options]() {
    JoinRanks(options->model_dir + "\n" + options->input + "\n" + options->output, "predict", "");
    options->stop_requested = InstallStopSignalHandlers();
    TransformTotals totals = TransformFile(*options);
    if (Job().rank() > 0) return 0;  // rank 0 speaks for the job
    std::printf("predicted %s of %s rows -> %s%s\n", FormatCount(totals.rows_predicted).c_str(),
                FormatCount(totals.rows_read - totals.rows_blank).c_str(), RedactUri(options->output).c_str(),
                totals.rows_blank > 0 ? (" (" + FormatCount(totals.rows_blank) + " blank lines skipped)").c_str() : "");
    if (totals.rows_rejected > 0) {
      std::printf("rejected %s rows (empty prediction) -> %s; first: %s\n", FormatCount(totals.rows_rejected).c_str(),
                  totals.rejects_file.c_str(), totals.first_reject.c_str());
    }
    return 0;
  };
}

}  // namespace sluice
