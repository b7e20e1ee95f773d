#include "pipeline/run_summary.h"

#include <cstdio>

#include "common/format.h"

namespace sluice {

namespace {

// One "  key   value" line.
void AppendRow(std::string& out, const std::string& key, const std::string& value) {
  char buffer[512];
  std::snprintf(buffer, sizeof buffer, "  %-22s %s\n", key.c_str(), value.c_str());
  out += buffer;
}

std::string Metric(const nlohmann::json& value) {
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, "%.6g", value.get<double>());
  return buffer;
}

// "a b | c d": a confusion matrix on one line.
std::string ConfusionLine(const nlohmann::json& matrix) {
  std::string line;
  for (const auto& counts : matrix) {
    if (!line.empty()) line.append(" | ");
    bool first = true;
    for (const auto& count : counts) {
      if (!first) line.push_back(' ');
      first = false;
      AppendInt(line, count.get<int64_t>());
    }
  }
  return line + "  (rows: true class, columns: predicted)";
}

// The run name and where every input row went.
std::string RowAccounting(const nlohmann::json& summary) {
  std::string out;
  auto row = [&](const std::string& key, const std::string& value) { AppendRow(out, key, value); };
  auto count = [&](const char* key) { return FormatCount(summary["rows"][key].get<int64_t>()); };
  out += "run " + summary["name"].get<std::string>() + "\n";
  row("rows read", count("read"));
  std::string kept = count("kept") + "  (train " + count("train") + ", valid " + count("valid") + ", test " + count("test");
  if (summary.contains("split")) {
    // The shares asked for: many references hold out 20% for test, sluice's default 10%.
    char shares[96];
    std::snprintf(shares, sizeof shares, "; split %g/%g/%g%%, set by split.train/valid/test",
                  100 * summary["split"]["train"].get<double>(), 100 * summary["split"]["valid"].get<double>(),
                  100 * summary["split"]["test"].get<double>());
    kept += shares;
  }
  row("  kept", kept + ")");
  row("  filtered", count("filtered") + "  (filter " + count("filtered_by_filter") + ", missing target " +
                        count("filtered_missing_target") + ", missing value " + count("filtered_missing_value") +
                        (summary["rows"].value("filtered_unseen_label", 0) > 0
                             ? ", class not in the train split " + count("filtered_unseen_label")
                             : std::string()) +
                        ")");
  if (summary["rows"].value("filtered_unread", 0) > 0) {
    row("    not read", count("filtered_unread") + "  (row groups whose statistics rule out prep.filter)");
  }
  if (summary["rows"].value("blank", 0) > 0) {
    row("  blank", count("blank") + "  (empty lines or bare delimiters, skipped)");
  }
  row("  rejected", count("rejected") + (summary["rejects_file"].get<std::string>().empty()
                                             ? ""
                                             : "  -> " + summary["rejects_file"].get<std::string>()));
  if (!summary["first_reject"].get<std::string>().empty()) row("  first reject", summary["first_reject"].get<std::string>());
  if (summary.contains("checks") && !summary["checks"].empty()) {
    int passed = 0;
    std::string failed;
    for (const auto& check : summary["checks"]) {
      if (check["passed"].get<bool>()) {
        ++passed;
        continue;
      }
      char share[48];
      std::snprintf(share, sizeof share, " %.3g%%", 100 * check["share"].get<double>());
      failed += (failed.empty() ? "" : ", ") + check["name"].get<std::string>() +
                (check["kind"] == "row_count" ? std::string() : std::string(share)) + " (" +
                check["severity"].get<std::string>() + ")";
    }
    row("checks", std::to_string(passed) + " of " + std::to_string(summary["checks"].size()) + " passed" +
                      (failed.empty() ? "" : "; failed: " + failed));
  }
  return out;
}

// A text job: the shared facts, then one block per learner.
std::string FormatTextSummary(const nlohmann::json& summary) {
  std::string out = RowAccounting(summary);
  auto row = [&](const std::string& key, const std::string& value) { AppendRow(out, key, value); };
  const auto& rows = summary["rows"];
  if (rows.contains("tokenized_texts") && rows["tokenized_texts"].get<int64_t>() > 0) {
    const int64_t cut = rows["truncated_texts"].get<int64_t>(), texts = rows["tokenized_texts"].get<int64_t>();
    char share[160];
    std::snprintf(share, sizeof share, "%s of %s (%.1f%%) longer than max_tokens %lld, cut there", FormatCount(cut).c_str(),
                  FormatCount(texts).c_str(), 100.0 * static_cast<double>(cut) / static_cast<double>(texts),
                  static_cast<long long>(rows["max_tokens"].get<int64_t>()));
    row("texts cut", share);
  }
  row("vocabulary", FormatCount(summary["vocabulary"].get<int64_t>()) + " ids");
  row("classes", std::to_string(summary["classes"].size()));
  row("time read + tokenize", FormatSeconds(summary["seconds"]["read_fit"].get<double>()));
  for (const auto& learner : summary["learners"]) {
    const auto& model = learner["model"];
    std::string shape = learner["learner"].get<std::string>() + ": ";
    if (model.contains("hidden")) {
      shape += "embedding " + std::to_string(model["dim"].get<int>()) + ", BiLSTM " + std::to_string(model["layers"].get<int>()) +
               " x " + std::to_string(model["hidden"].get<int>()) + ", " + model["pooling"].get<std::string>() +
               "-pooling, " + FormatCount(model["parameters"].get<int64_t>()) + " parameters";
    } else {
      shape += "embedding " + std::to_string(model["dim"].get<int>()) + ", " +
               FormatCount(model["features"].get<int64_t>()) + " word and hashed pair features";
      if (model.contains("hogwild")) {
        shape += model["hogwild"].get<bool>() ? ", Hogwild on " + std::to_string(model["threads"].get<int>()) + " threads"
                                              : ", 1 thread (reproducible)";
      }
    }
    out += "learner " + shape + "\n";
    for (const auto& [name, value] : learner["metrics"].items()) {
      if (name.rfind("rows_", 0) == 0 || !value.is_number()) continue;
      row("test " + name, Metric(value));
    }
    row("test confusion", ConfusionLine(learner["metrics"]["confusion_matrix"]));
    std::string train = FormatSeconds(learner["seconds"]["train"].get<double>());
    if (model.contains("tokens_per_second")) {
      train += "  (" + FormatCount(static_cast<int64_t>(model["tokens_per_second"].get<double>())) + " tokens/s)";
    }
    row("time train", train);
    row("time evaluate + save", FormatSeconds(learner["seconds"]["evaluate"].get<double>() +
                                             learner["seconds"]["save"].get<double>()));
    row("artifact", learner["artifact"].get<std::string>());
  }
  row("time total", FormatSeconds(summary["seconds"]["total"].get<double>()));
  row("peak memory", FormatBytes(summary["peak_rss_bytes"].get<double>()));
  return out;
}

}  // namespace

std::string FormatRunSummary(const nlohmann::json& summary) {
  if (summary.value("kind", "") == "text") return FormatTextSummary(summary);
  std::string out;
  if (summary.contains("tuning")) out += "trials\n" + summary["tuning"]["table"].get<std::string>() + "\n";
  out += RowAccounting(summary);
  auto row = [&](const std::string& key, const std::string& value) { AppendRow(out, key, value); };
  if (summary.contains("tuning")) {
    const auto& tuning = summary["tuning"];
    std::string trials = tuning["strategy"].get<std::string>() + ", " + std::to_string(tuning["trials_run"].get<int>()) +
                         " trials (" + std::to_string(tuning["ok"].get<int>()) + " ok, " +
                         std::to_string(tuning["pruned"].get<int>()) + " pruned, " +
                         std::to_string(tuning["failed"].get<int>()) + " failed)";
    if (tuning["parallel"].get<int>() > 1) trials += ", " + std::to_string(tuning["parallel"].get<int>()) + " at a time";
    if (tuning["warm_trials"].get<int>() > 0) trials += ", " + std::to_string(tuning["warm_trials"].get<int>()) + " warm";
    if (tuning["resumed_trials"].get<int>() > 0) {
      trials += ", " + std::to_string(tuning["resumed_trials"].get<int>()) + " from before a restart";
    }
    row("tuning", trials);
    std::string best = "trial " + std::to_string(tuning["best_trial"].get<int>()) + ": valid " +
                       tuning["metric"].get<std::string>() + " " + Metric(tuning["best_score"]) + "  (";
    bool first = true;
    for (const auto& [key, value] : tuning["best_params"].items()) {
      best += (first ? "" : ", ") + key + " " + value.get<std::string>();
      first = false;
    }
    row("best", best + ")");
  }
  std::string features = std::to_string(summary["features"].get<int64_t>());
  if (summary.contains("used_columns") && !summary["used_columns"].empty()) {
    std::string used;
    for (const auto& column : summary["used_columns"]) used += (used.empty() ? "" : ", ") + column.get<std::string>();
    features += "  (from " + used + ")";
  }
  row("features", features);
  bool first_unused = true;
  for (const auto& column : summary["unused_columns"]) {
    // Older summaries hold names only.
    std::string text = column.is_string() ? column.get<std::string>()
                                          : column["name"].get<std::string>() + ": " + column["reason"].get<std::string>();
    row(first_unused ? "columns not used" : "", text);
    first_unused = false;
  }
  const auto& model = summary["model"];
  if (model.contains("trees")) {
    std::string trees = std::to_string(model["trees"].get<int64_t>()) + " trees";
    if (model.value("stopped_early", false)) trees += " (early stop after " + std::to_string(model["rounds_run"].get<int64_t>()) + " rounds)";
    row("model", trees);
  }
  for (const auto& [name, value] : summary["metrics"].items()) {
    if (name.rfind("rows_", 0) == 0 || !value.is_number()) continue;
    row("test " + name, Metric(value));
  }
  if (summary["metrics"].contains("confusion_matrix")) {
    row("test confusion", ConfusionLine(summary["metrics"]["confusion_matrix"]));
  }
  const auto& seconds = summary["seconds"];
  row("time read + fit", FormatSeconds(seconds["read_fit"].get<double>()));
  row("time apply", FormatSeconds(seconds["apply"].get<double>()));
  if (summary.contains("tuning")) {
    row("time tune", FormatSeconds(seconds["train"].get<double>()));
  } else if (model.contains("data_handover_seconds")) {
    row("time train", FormatSeconds(seconds["train"].get<double>()) + "  (data handover " +
                          FormatSeconds(model["data_handover_seconds"].get<double>()) + ", boosting " +
                          FormatSeconds(model["boosting_seconds"].get<double>()) + ")");
  } else {
    row("time train", FormatSeconds(seconds["train"].get<double>()));
  }
  row("time evaluate + save", FormatSeconds(seconds["evaluate"].get<double>() + seconds["save"].get<double>()));
  row("time total", FormatSeconds(seconds["total"].get<double>()));
  row("feature matrix", FormatBytes(summary["matrix_bytes"].get<double>()) + " (float32)");
  row("peak memory", FormatBytes(summary["peak_rss_bytes"].get<double>()));
  row("artifact", summary["artifact"].get<std::string>());
  return out;
}

void PrintRunSummary(const nlohmann::json& summary, bool as_json) {
  if (as_json) {
    std::printf("%s\n", summary.dump(2).c_str());
  } else {
    std::fputs(FormatRunSummary(summary).c_str(), stdout);
  }
}

}  // namespace sluice
