#include "pipeline/summary_table.h"

#include <cstdio>

#include "common/format.h"

namespace sluice {

namespace {

// The peak memory row, and across MPI ranks the ranks and their hosts.
template <typename Row>
void AppendMemoryAndRanks(const Row& row, const RunSummary& summary) {
  if (summary.rank_hosts.empty()) {
    row("peak memory", FormatBytes(summary.peak_rss_bytes));
    return;
  }
  row("peak memory", FormatBytes(summary.peak_rss_bytes) + " (rank 0)");
  std::string hosts;
  for (size_t rank = 0; rank < summary.rank_hosts.size(); ++rank) {
    if (rank > 0 && summary.rank_hosts[rank] == summary.rank_hosts[rank - 1]) continue;
    hosts += (hosts.empty() ? "" : ", ") + summary.rank_hosts[rank];
  }
  row("MPI ranks", std::to_string(summary.rank_hosts.size()) + " on " + hosts);
}

// One "  key   value" line.
void AppendRow(std::string& out, const std::string& key, const std::string& value) {
  char buffer[512];
  std::snprintf(buffer, sizeof buffer, "  %-22s %s\n", key.c_str(), value.c_str());
  out += buffer;
}

std::string Metric(double value) {
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, "%.6g", value);
  return buffer;
}

// "a b | c d": a confusion matrix on one line.
std::string ConfusionLine(const std::vector<std::vector<int64_t>>& matrix) {
  std::string line;
  for (const auto& counts : matrix) {
    if (!line.empty()) line.append(" | ");
    bool first = true;
    for (const int64_t count : counts) {
      if (!first) line.push_back(' ');
      first = false;
      AppendInt(line, count);
    }
  }
  return line + "  (rows: true class, columns: predicted)";
}

// The test scores, then the confusion matrix when there is one.
void AppendTestMetrics(std::string& out, const TestMetrics& metrics) {
  for (const auto& [name, value] : metrics.scores) AppendRow(out, "test " + name, Metric(value));
  if (!metrics.confusion.empty()) AppendRow(out, "test confusion", ConfusionLine(metrics.confusion));
}

// "3 of 4 passed; failed: name 1.2% (error)".
std::string ChecksLine(const std::vector<CheckOutcome>& checks) {
  int passed = 0;
  std::string failed;
  for (const auto& check : checks) {
    if (check.passed) {
      ++passed;
      continue;
    }
    char share[48];
    std::snprintf(share, sizeof share, " %.3g%%", 100 * check.share);
    failed += (failed.empty() ? "" : ", ") + check.name + (check.kind == "row_count" ? std::string() : std::string(share)) +
              " (" + check.severity + ")";
  }
  return std::to_string(passed) + " of " + std::to_string(checks.size()) + " passed" +
         (failed.empty() ? "" : "; failed: " + failed);
}

// The run name and where every input row went.
std::string RowAccounting(const RunSummary& summary) {
  std::string out;
  auto row = [&](const std::string& key, const std::string& value) { AppendRow(out, key, value); };
  const RowCounts& rows = summary.rows;
  out += "run " + summary.name + "\n";
  row("rows read", FormatCount(rows.read));
  std::string kept = FormatCount(rows.kept) + "  (train " + FormatCount(rows.train) + ", valid " + FormatCount(rows.valid) +
                     ", test " + FormatCount(rows.test);
  if (summary.split) {
    // The shares asked for: many references hold out 20% for test, sluice's default 10%.
    char shares[96];
    std::snprintf(shares, sizeof shares, "; split %g/%g/%g%%, set by split.train/valid/test", 100 * summary.split->train,
                  100 * summary.split->valid, 100 * summary.split->test);
    kept += shares;
  }
  row("  kept", kept + ")");
  row("  filtered", FormatCount(rows.filtered) + "  (filter " + FormatCount(rows.filtered_by_filter) + ", missing target " +
                        FormatCount(rows.filtered_missing_target) + ", missing value " +
                        FormatCount(rows.filtered_missing_value) +
                        (rows.filtered_unseen_label > 0
                             ? ", class not in the train split " + FormatCount(rows.filtered_unseen_label)
                             : std::string()) +
                        ")");
  if (rows.filtered_unread > 0) {
    row("    not read", FormatCount(rows.filtered_unread) + "  (row groups whose statistics rule out prep.filter)");
  }
  if (rows.blank > 0) row("  blank", FormatCount(rows.blank) + "  (empty lines or bare delimiters, skipped)");
  row("  rejected", FormatCount(rows.rejected) + (summary.rejects_file.empty() ? "" : "  -> " + summary.rejects_file));
  if (!summary.first_reject.empty()) row("  first reject", summary.first_reject);
  if (!summary.checks.empty()) row("checks", ChecksLine(summary.checks));
  return out;
}

// "ngram: embedding 64, 120,000 word and hashed pair features": a text
// learner's shape, from its own description.
std::string LearnerShape(const LearnerSummary& learner) {
  const nlohmann::json& model = learner.model;
  auto integer = [&](const char* key) { return model.contains(key) && model[key].is_number() ? model[key].get<int64_t>() : 0; };
  std::string shape = learner.learner + ": embedding " + std::to_string(integer("dim"));
  if (model.contains("hidden")) {
    return shape + ", BiLSTM " + std::to_string(integer("layers")) + " x " + std::to_string(integer("hidden")) + ", " +
           model.value("pooling", std::string()) + "-pooling, " + FormatCount(integer("parameters")) + " parameters";
  }
  shape += ", " + FormatCount(integer("features")) + " word and hashed pair features";
  if (model.contains("hogwild") && model["hogwild"].is_boolean()) {
    shape += model["hogwild"].get<bool>() ? ", Hogwild on " + std::to_string(integer("threads")) + " threads"
                                          : ", 1 thread (reproducible)";
  }
  return shape;
}

// A text job: the shared facts, then one block per learner.
std::string FormatTextSummary(const RunSummary& summary) {
  std::string out = RowAccounting(summary);
  auto row = [&](const std::string& key, const std::string& value) { AppendRow(out, key, value); };
  const auto& texts = summary.rows.texts;
  if (texts && texts->tokenized > 0) {
    char share[160];
    std::snprintf(share, sizeof share, "%s of %s (%.1f%%) longer than max_tokens %lld, cut there",
                  FormatCount(texts->truncated).c_str(), FormatCount(texts->tokenized).c_str(),
                  100.0 * static_cast<double>(texts->truncated) / static_cast<double>(texts->tokenized),
                  static_cast<long long>(texts->max_tokens));
    row("texts cut", share);
  }
  row("vocabulary", FormatCount(summary.vocabulary) + " ids");
  row("classes", std::to_string(summary.classes.size()));
  row("time read + tokenize", FormatSeconds(summary.seconds.read_fit.value_or(0)));
  for (const auto& learner : summary.learners) {
    out += "learner " + LearnerShape(learner) + "\n";
    AppendTestMetrics(out, learner.metrics);
    std::string train = FormatSeconds(learner.seconds.train.value_or(0));
    if (learner.model.contains("tokens_per_second") && learner.model["tokens_per_second"].is_number()) {
      train += "  (" + FormatCount(static_cast<int64_t>(learner.model["tokens_per_second"].get<double>())) + " tokens/s)";
    }
    row("time train", train);
    row("time evaluate + save", FormatSeconds(learner.seconds.Sum({learner.seconds.evaluate, learner.seconds.save})));
    row("artifact", learner.artifact);
  }
  row("time total", FormatSeconds(summary.seconds.total.value_or(0)));
  AppendMemoryAndRanks(row, summary);
  return out;
}

// "bayesian, 30 trials (28 ok, 2 pruned, 0 failed), 2 at a time" and the best trial.
void AppendTuning(std::string& out, const TuningRecord& tuning) {
  std::string trials = tuning.strategy + ", " + std::to_string(tuning.trials_run) + " trials (" +
                       std::to_string(tuning.ok) + " ok, " + std::to_string(tuning.pruned) + " pruned, " +
                       std::to_string(tuning.failed) + " failed)";
  if (tuning.parallel > 1) trials += ", " + std::to_string(tuning.parallel) + " at a time";
  if (tuning.warm_trials > 0) trials += ", " + std::to_string(tuning.warm_trials) + " warm";
  if (tuning.resumed_trials > 0) trials += ", " + std::to_string(tuning.resumed_trials) + " from before a restart";
  AppendRow(out, "tuning", trials);
  std::string best = "trial " + std::to_string(tuning.best_trial) + ": valid " + tuning.metric + " " +
                     Metric(tuning.best_score) + "  (";
  bool first = true;
  for (const auto& [key, value] : tuning.best_params) {
    best += (first ? "" : ", ") + key + " " + value;
    first = false;
  }
  AppendRow(out, "best", best + ")");
}

}  // namespace

std::string FormatRunSummary(const RunSummary& summary) {
  if (summary.text) return FormatTextSummary(summary);
  std::string out;
  if (summary.tuning) out += "trials\n" + summary.tuning->table + "\n";
  out += RowAccounting(summary);
  auto row = [&](const std::string& key, const std::string& value) { AppendRow(out, key, value); };
  if (summary.tuning) AppendTuning(out, *summary.tuning);
  std::string features = std::to_string(summary.features);
  if (!summary.used_columns.empty()) {
    std::string used;
    for (const auto& column : summary.used_columns) used += (used.empty() ? "" : ", ") + column;
    features += "  (from " + used + ")";
  }
  row("features", features);
  bool first_unused = true;
  for (const auto& column : summary.unused_columns) {
    row(first_unused ? "columns not used" : "", column.reason.empty() ? column.name : column.name + ": " + column.reason);
    first_unused = false;
  }
  const nlohmann::json& model = summary.model;
  if (model.contains("trees") && model["trees"].is_number()) {
    std::string trees = std::to_string(model["trees"].get<int64_t>()) + " trees";
    if (model.value("stopped_early", false)) {
      trees += " (early stop after " + std::to_string(model.value("rounds_run", int64_t{0})) + " rounds)";
    }
    row("model", trees);
  }
  AppendTestMetrics(out, summary.metrics);
  const StageSeconds& seconds = summary.seconds;
  row("time read + fit", FormatSeconds(seconds.read_fit.value_or(0)));
  row("time apply", FormatSeconds(seconds.apply.value_or(0)));
  if (summary.tuning) {
    row("time tune", FormatSeconds(seconds.train.value_or(0)));
  } else if (model.contains("data_handover_seconds")) {
    row("time train", FormatSeconds(seconds.train.value_or(0)) + "  (data handover " +
                          FormatSeconds(model.value("data_handover_seconds", 0.0)) + ", boosting " +
                          FormatSeconds(model.value("boosting_seconds", 0.0)) + ")");
  } else {
    row("time train", FormatSeconds(seconds.train.value_or(0)));
  }
  row("time evaluate + save", FormatSeconds(seconds.Sum({seconds.evaluate, seconds.save})));
  row("time total", FormatSeconds(seconds.total.value_or(0)));
  row("feature matrix", FormatBytes(summary.matrix_bytes) + " (float32)");
  AppendMemoryAndRanks(row, summary);
  row("artifact", summary.artifact);
  return out;
}

void PrintRunSummary(const RunSummary& summary, bool as_json) {
  if (as_json) {
    std::printf("%s\n", summary.ToJson().dump(2).c_str());
  } else {
    std::fputs(FormatRunSummary(summary).c_str(), stdout);
  }
}

}  // namespace sluice
