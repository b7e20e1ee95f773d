#include <cstdio>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "cli/commands.h"
#include "common/error.h"
#include "io/s3/s3_file.h"
#include "io/s3/s3_output.h"
#include "cli/mpi_job.h"
#include "cluster/communicator.h"
#include "common/format.h"
#include "pipeline/prep_run.h"

namespace sluice {

namespace {
struct PrepArgs {
  std::string pipeline;
  std::string out;
  std::vector<std::string> overrides;
  int threads = -1;
  bool json = false;
};
}  // namespace

CommandAction AddPrepCommand(CLI::App& app) {
  auto args = std::make_shared<PrepArgs>();
  CLI::App* command = app.add_subcommand("prep", "Run only the prep of a pipeline file and write the prepared splits");
  command->add_option("pipeline", args->pipeline, "The pipeline file (YAML)")->required();
  command->add_option("--out", args->out, "Output directory: train/, valid/, test/ (Parquet datasets), prep.json (θ) and manifest.json (row accounting); `sluice run --set train.prepared=DIR` trains from it")->required();
  command->add_option("--set", args->overrides, "Override a key of the file: KEY=VALUE (repeatable)");
  command->add_option("--threads", args->threads, "Worker threads (default: every core)");
  command->add_flag("--json", args->json, "Print the summary as JSON");
  return [args]() {
    std::vector<std::string> overrides = args->overrides;
    // prep writes no artifact; `output` need not be set.
    overrides.insert(overrides.begin(), "output=" + args->out);
    PipelineSpec spec = LoadPipeline(args->pipeline, overrides);
    JoinRanks(spec.resolved.dump(), "prep", "");
    if (args->threads >= 0) spec.threads = args->threads;
    RunOptions options;
    options.quiet = args->json;
    // An s3:// output is written locally, then uploaded once complete.
    std::optional<S3Output> s3_output;
    std::string out = args->out;
    if (IsS3Uri(out)) {
      s3_output.emplace(
          out, OutputKind::kPreparedData,
          SourceShard{Job().rank(), Job().size(), [](const std::string& mine) { return Job().AllGather(mine); }});
      out = s3_output->local_path();
    }
    const PrepSummary summary = RunPrep(spec, out, options);
    if (s3_output) s3_output->Publish();
    if (Job().rank() > 0) return 0;  // rank 0 speaks for the job
    if (args->json) {
      std::printf("%s\n", summary.ToJson().dump(2).c_str());
    } else {
      const RowCounts& rows = summary.rows;
      std::printf("prep: read %s, rejected %s, filtered %s; train %s, valid %s, test %s rows; %zu features -> %s (%s)\n",
                  FormatCount(rows.read).c_str(), FormatCount(rows.rejected).c_str(), FormatCount(rows.filtered).c_str(),
                  FormatCount(rows.train).c_str(), FormatCount(rows.valid).c_str(), FormatCount(rows.test).c_str(),
                  summary.features.size(), args->out.c_str(), FormatSeconds(summary.seconds).c_str());
    }
    return 0;
  };
}

}  // namespace sluice
