// `sluice profile FILE`: what a file's columns hold, before a pipeline is
// written for it — type, nulls, distinct values, min and max, quantiles, the
// most frequent values, and whether a column looks like a row index or an
// identifier. `--suggest-checks` prints a `checks:` section instead, with
// the profile as YAML comments above it.

#include <cstdio>
#include <memory>
#include <string>

#include "cli/commands.h"
#include "common/format.h"
#include "common/progress.h"
#include "common/thread_pool.h"
#include "io/table_source.h"
#include "quality/column_profile.h"

namespace sluice {

namespace {

struct ProfileOptions {
  std::string input;
  std::string format = "auto";
  bool json = false;
  bool suggest_checks = false;
  int threads = 0;
};

// Every line of `text` as a YAML comment.
std::string Commented(const std::string& text) {
  std::string out = "# ";
  for (char c : text) {
    out.push_back(c);
    if (c == '\n') out += "# ";
  }
  while (!out.empty() && (out.back() == ' ' || out.back() == '#')) out.pop_back();
  return out + "\n";
}

}  // namespace

CommandAction AddProfileCommand(CLI::App& app) {
  auto options = std::make_shared<ProfileOptions>();
  CLI::App* command = app.add_subcommand(
      "profile", "Profile a table's columns: type, nulls, distinct values, min / max, quantiles, top values, keys");
  command->add_option("input", options->input, "CSV, JSON Lines or Parquet (file, directory or glob)")->required();
  command->add_option("--format", options->format, "csv, tsv, jsonl, parquet or auto (by extension)");
  command->add_flag("--json", options->json, "Print the profile as JSON");
  command->add_flag("--suggest-checks", options->suggest_checks,
                    "Print a checks: section for a pipeline from the profile (the profile as comments)");
  command->add_option("--threads", options->threads, "Worker threads (default: every core)");
  return [options]() {
    SourceOptions source_options;
    source_options.uri = options->input;
    source_options.format = options->format;
    auto source = TableSource::Open(source_options);
    ThreadPool pool(options->threads > 0 ? static_cast<size_t>(options->threads) : ThreadPool::DefaultThreads());
    TableProfiler profiler(source->schema(), source->key_columns());
    Progress::SetEnabled(!options->json && !options->suggest_checks);
    Progress progress("profile", source->total_bytes());
    ScanTotals totals = source->Scan(pool, [&](size_t index, RecordBatch&& batch) { profiler.Observe(index, batch); },
                                     &progress);
    progress.Finish();
    nlohmann::json columns = profiler.Finish();
    const int64_t rows = totals.rows_read - totals.rows_blank - totals.rows_rejected;
    if (options->json) {
      nlohmann::json out = {{"input", options->input},
                            {"rows_read", totals.rows_read},
                            {"rows_blank", totals.rows_blank},
                            {"rows_rejected", totals.rows_rejected},
                            {"columns", columns}};
      std::printf("%s\n", out.dump(2).c_str());
      return 0;
    }
    const std::string header = "profile of " + options->input + ": " + FormatCount(rows) + " rows (" +
                               FormatCount(totals.rows_read) + " read, " + FormatCount(totals.rows_blank) + " blank, " +
                               FormatCount(totals.rows_rejected) + " rejected), " +
                               std::to_string(source->schema().size()) + " columns";
    const std::string profile = FormatProfile(columns, header);
    if (options->suggest_checks) {
      std::fputs((Commented(profile) + SuggestChecks(columns, rows)).c_str(), stdout);
    } else {
      std::fputs(profile.c_str(), stdout);
    }
    return 0;
  };
}

}  // namespace sluice
