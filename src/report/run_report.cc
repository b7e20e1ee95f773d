#include "report/run_report.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "artifact/artifact.h"
#include "common/error.h"
#include "common/format.h"
#include "cost/price_list.h"
#include "cost/run_cost.h"
#include "history/run_store.h"
#include "history/serving_store.h"
#include "report/svg_chart.h"

namespace sluice {

namespace {

namespace fs = std::filesystem;

// The test split's labels and predictions (test_predictions.csv: file,
// line, label, prediction — numbers only, so a plain split will do).
void ReadTestPredictions(const std::string& path, RunReportInputs* inputs) {
  std::ifstream in(path);
  std::string line;
  if (!std::getline(in, line)) return;
  std::vector<std::string> header;
  std::stringstream names(line);
  for (std::string name; std::getline(names, name, ',');) header.push_back(name);
  auto column = [&](const char* name) {
    auto at = std::find(header.begin(), header.end(), name);
    return at == header.end() ? -1 : static_cast<int>(at - header.begin());
  };
  const int label = column("label"), prediction = column("prediction");
  if (label < 0 || prediction < 0) return;
  while (std::getline(in, line)) {
    std::vector<std::string> cells;
    std::stringstream row(line);
    for (std::string cell; std::getline(row, cell, ',');) cells.push_back(cell);
    if (static_cast<int>(cells.size()) <= std::max(label, prediction)) continue;
    char* end = nullptr;
    double y = std::strtod(cells[static_cast<size_t>(label)].c_str(), &end);
    if (end == cells[static_cast<size_t>(label)].c_str()) continue;
    double p = std::strtod(cells[static_cast<size_t>(prediction)].c_str(), &end);
    if (end == cells[static_cast<size_t>(prediction)].c_str()) continue;
    inputs->labels.push_back(y);
    inputs->predictions.push_back(p);
  }
}

std::string Money(double value) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, value >= 1 ? "$%.2f" : value >= 0.001 ? "$%.4f" : "$%.2e", value);
  return buffer;
}

std::string Section(const std::string& title, const std::string& body) {
  return "<section><h2>" + EscapeHtml(title) + "</h2>\n" + body + "</section>\n";
}

std::string Figure(const std::string& svg, const std::string& caption) {
  return "<figure>" + svg + "<figcaption>" + caption + "</figcaption></figure>\n";
}

std::string Note(const std::string& text) { return "<p class=\"note\">" + EscapeHtml(text) + "</p>\n"; }

// The metric a curve series measures: "valid-rmse" -> "rmse".
std::string MetricOf(const std::string& series) {
  for (const char* prefix : {"train-", "valid-", "test-"}) {
    if (series.rfind(prefix, 0) == 0) return series.substr(std::string(prefix).size());
  }
  return series;
}

std::string CurvesSection(const nlohmann::json& curves) {
  std::map<std::string, std::vector<ChartSeries>> by_metric;
  for (const auto& [series, points] : curves.items()) {
    ChartSeries s;
    s.name = series;
    for (const auto& point : points) {
      s.x.push_back(point[0].get<double>() + 1);
      s.y.push_back(point[1].get<double>());
    }
    by_metric[MetricOf(series)].push_back(std::move(s));
  }
  if (by_metric.empty()) return Section("Training", Note("The learner reported no per-round curve for this run."));
  std::string body;
  for (const auto& [metric, series] : by_metric) {
    body += Figure(LineChart("curves-" + metric, series, {"round / epoch", metric, false}),
                   "Training and validation " + EscapeHtml(metric) + " per round (epoch for text learners).");
  }
  return Section("Training", body);
}

// A multi-class model: its confusion matrix on the test split as a table,
// the diagonal (right answers) in bold, and each class's F1.
std::string MultiClassQuality(const RunReportInputs& in) {
  const TestMetrics& metrics = in.summary.metrics;
  if (metrics.confusion.empty() || metrics.classes.empty()) {
    return Section("Model quality", Note("The run recorded no confusion matrix."));
  }
  const auto& classes = metrics.classes;
  const auto& matrix = metrics.confusion;
  std::string rows = "<tr><th>true \\ predicted</th>";
  for (const auto& label : classes) rows += "<th>" + EscapeHtml(label) + "</th>";
  rows += "<th>F1</th></tr>\n";
  for (size_t t = 0; t < matrix.size() && t < classes.size(); ++t) {
    const std::string& label = classes[t];
    rows += "<tr><th>" + EscapeHtml(label) + "</th>";
    for (size_t p = 0; p < matrix[t].size(); ++p) {
      const std::string count = FormatCount(matrix[t][p]);
      rows += "<td>" + (p == t ? "<b>" + count + "</b>" : count) + "</td>";
    }
    const std::optional<double> f1 = metrics.Find("f1[" + label + "]");
    rows += "<td>" + (f1 ? ShortNumber(*f1) : std::string("-")) + "</td></tr>\n";
  }
  return Section("Model quality", "<table>" + rows + "</table>\n" +
                                      Note("Confusion matrix on the test split: rows are the true class, columns the "
                                           "predicted one (the most likely class)."));
}

std::string QualitySection(const RunReportInputs& in) {
  if (in.task == "multiclass") return MultiClassQuality(in);
  if (in.labels.empty()) return Section("Model quality", Note(in.artifact_note.empty() ? "No test predictions." : in.artifact_note));
  std::string body;
  std::vector<double> residuals(in.labels.size());
  for (size_t i = 0; i < residuals.size(); ++i) residuals[i] = in.labels[i] - in.predictions[i];
  if (in.task == "binary") {
    // ROC: thresholds at every distinct score, highest first.
    std::vector<size_t> order(in.labels.size());
    for (size_t i = 0; i < order.size(); ++i) order[i] = i;
    std::sort(order.begin(), order.end(), [&](size_t a, size_t b) { return in.predictions[a] > in.predictions[b]; });
    double positives = 0;
    for (double y : in.labels) positives += y > 0.5 ? 1 : 0;
    const double negatives = static_cast<double>(in.labels.size()) - positives;
    ChartSeries roc{"ROC", {0}, {0}};
    double tp = 0, fp = 0, auc = 0;
    for (size_t k = 0; k < order.size(); ++k) {
      (in.labels[order[k]] > 0.5 ? tp : fp) += 1;
      if (k + 1 < order.size() && in.predictions[order[k + 1]] == in.predictions[order[k]]) continue;
      const double fpr = negatives > 0 ? fp / negatives : 0, tpr = positives > 0 ? tp / positives : 0;
      auc += (fpr - roc.x.back()) * (tpr + roc.y.back()) / 2;
      roc.x.push_back(fpr);
      roc.y.push_back(tpr);
    }
    long long cells[4] = {0, 0, 0, 0};  // tp, fn, fp, tn at 0.5
    for (size_t i = 0; i < in.labels.size(); ++i) {
      const bool actual = in.labels[i] > 0.5, predicted = in.predictions[i] >= 0.5;
      ++cells[actual ? (predicted ? 0 : 1) : (predicted ? 2 : 3)];
    }
    body += Figure(LineChart("roc", {roc}, {"false positive rate", "true positive rate", true}, true),
                   "ROC on the test split (" + FormatCount(static_cast<int64_t>(in.labels.size())) + " rows), AUC " +
                       ShortNumber(auc) + "; the diagonal is chance.");
    body += Figure(ConfusionChart("confusion", cells[0], cells[1], cells[2], cells[3]),
                   "Confusion matrix on the test split at a threshold of 0.5.");
    body += Figure(HistogramChart("residuals", residuals, 40, {"label − predicted probability", "rows", true}),
                   "Residuals: label minus predicted probability.");
  } else {
    body += Figure(ScatterChart("predicted-vs-actual", in.labels, in.predictions, {"actual", "predicted", false}),
                   "Predicted against actual on the test split (" + FormatCount(static_cast<int64_t>(in.labels.size())) +
                       " rows; at most 2,000 drawn); the diagonal is a perfect prediction.");
    // The range drawn is the 0.5th to 99.5th percentile: a few wild rows
    // would otherwise squeeze every other into one bar. They still count,
    // in the outermost bars.
    std::vector<double> sorted = residuals;
    std::sort(sorted.begin(), sorted.end());
    const double low = sorted[sorted.size() / 200], high = sorted[sorted.size() - 1 - sorted.size() / 200];
    for (double& r : residuals) r = std::clamp(r, low, high);
    body += Figure(HistogramChart("residuals", residuals, 40, {"actual − predicted", "rows", true}),
                   "Residuals on the test split: actual minus predicted (the outer 1% of rows in the end bars).");
  }
  return Section("Model quality", body);
}

std::string ImportanceSection(const RunReportInputs& in) {
  double total = 0;
  for (double v : in.importance) total += v;
  if (in.importance.empty() || total <= 0) {
    return Section("Feature importance", Note(in.artifact_note.empty() ? "The learner reports no feature importance." : in.artifact_note));
  }
  std::vector<size_t> order(in.importance.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::sort(order.begin(), order.end(), [&](size_t a, size_t b) { return in.importance[a] > in.importance[b]; });
  if (order.size() > 20) order.resize(20);
  std::vector<std::string> labels;
  std::vector<double> values;
  for (size_t i : order) {
    if (in.importance[i] <= 0) break;
    labels.push_back(i < in.feature_names.size() ? in.feature_names[i] : "f" + std::to_string(i));
    values.push_back(100 * in.importance[i] / total);
  }
  return Section("Feature importance",
                 Figure(BarChart("importance", labels, values, "% of the total gain of every split"),
                        "Each feature's share of the total gain of the splits on it (XGBoost total_gain), largest 20."));
}

std::string TimelineSection(const nlohmann::json& run) {
  const double start = run["started"].get<double>();
  std::vector<TimelineItem> items;
  double last = start;
  for (const auto& sample : run["resources"]) last = std::max(last, sample["at"].get<double>());
  for (const auto& step : run["steps"]) last = std::max(last, step.value("finished", step["started"].get<double>()));
  const int attempts = run.value("attempts", 1);
  for (const auto& step : run["steps"]) {
    TimelineItem item;
    item.label = step["name"].get<std::string>() + (attempts > 1 ? " #" + std::to_string(step["attempt"].get<int>()) : "");
    item.start = step["started"].get<double>() - start;
    item.end = step.value("finished", last) - start;
    item.status = step["status"].get<std::string>();
    items.push_back(item);
  }
  return Section("Steps", Figure(TimelineChart("timeline", items),
                                 "Each step from its start to its end (blue: ran, grey: cached, red: failed or killed)."));
}

std::string ResourcesSection(const nlohmann::json& run) {
  const double start = run["started"].get<double>();
  ChartSeries cpu{"CPU %", {}, {}}, rss{"RSS MiB", {}, {}}, read{"read MiB/s", {}, {}}, written{"written MiB/s", {}, {}};
  // Bytes are cumulative per attempt: rates over at least 200 ms.
  double rate_at = start, rate_read = 0, rate_written = 0;
  int attempt = 0;
  for (const auto& sample : run["resources"]) {
    const double at = sample["at"].get<double>();
    const double t = at - start;
    cpu.x.push_back(t);
    cpu.y.push_back(sample["cpu_percent"].get<double>());
    rss.x.push_back(t);
    rss.y.push_back(sample["rss_bytes"].get<double>() / (1 << 20));
    const double cumulative_read = sample["read_bytes"].get<double>(), cumulative_written = sample["write_bytes"].get<double>();
    if (sample["attempt"].get<int>() != attempt) {
      attempt = sample["attempt"].get<int>();
      rate_at = at, rate_read = cumulative_read, rate_written = cumulative_written;
      continue;
    }
    if (at - rate_at < 0.2) continue;
    read.x.push_back(t);
    read.y.push_back((cumulative_read - rate_read) / (at - rate_at) / (1 << 20));
    written.x.push_back(t);
    written.y.push_back((cumulative_written - rate_written) / (at - rate_at) / (1 << 20));
    rate_at = at, rate_read = cumulative_read, rate_written = cumulative_written;
  }
  // A run shorter than one window still gets its one rate, over all it lasted.
  if (read.x.empty() && run["resources"].size() > 1) {
    const auto& last = run["resources"].back();
    const double at = last["at"].get<double>();
    if (at > rate_at) {
      read.x.push_back(at - start);
      read.y.push_back((last["read_bytes"].get<double>() - rate_read) / (at - rate_at) / (1 << 20));
      written.x.push_back(at - start);
      written.y.push_back((last["write_bytes"].get<double>() - rate_written) / (at - rate_at) / (1 << 20));
    }
  }
  if (cpu.x.empty()) return Section("Resources", Note("No resource samples were recorded for this run."));
  std::string body;
  body += Figure(LineChart("resources-cpu", {cpu}, {"seconds since the run started", "CPU % (100 = one core)", true}),
                 "CPU use of the run and every step process it started, sampled every 250 ms.");
  body += Figure(LineChart("resources-memory", {rss}, {"seconds since the run started", "resident MiB", true}),
                 "Resident memory.");
  body += Figure(LineChart("resources-io", {read, written}, {"seconds since the run started", "MiB/s", true}),
                 "Bytes read and written through read and write calls (page-cache hits count).");
  return Section("Resources", body);
}

std::string CostSection(const RunReportInputs& in) {
  if (!in.cost) return Section("Cost", Note(in.cost_note));
  const RunCostEstimate& cost = *in.cost;
  const InstanceCost& first = cost.instances[0];
  std::vector<std::string> labels;
  std::vector<double> values;
  for (const auto& step : first.steps) {
    labels.push_back(step.name + (step.attempt > 1 ? " #" + std::to_string(step.attempt) : ""));
    values.push_back(step.cost * 1e6);
  }
  std::string body = Figure(BarChart("cost", labels, values, "micro-dollars on " + first.type + " On-Demand"),
                            "What each step would have cost on " + EscapeHtml(first.type) + " at On-Demand prices (" +
                                EscapeHtml(cost.prices_region) + ", " + EscapeHtml(cost.prices_date) +
                                "), its time scaled by the step's measured parallelism (docs/cost.md).");
  body += "<table><tr><th>instance</th><th>time</th><th>cost</th><th>billed</th><th>Spot expected</th><th>Spot saving</th></tr>\n";
  for (const auto& entry : cost.instances) {
    char saving[16];
    std::snprintf(saving, sizeof saving, "%.0f%%", 100 * entry.spot_estimate.saving);
    body += "<tr><td>" + EscapeHtml(entry.type) + "</td><td>" + FormatSeconds(entry.seconds) + "</td><td>" +
            Money(entry.cost) + "</td><td>" + Money(entry.billed_cost) + "</td><td>" +
            Money(entry.spot_estimate.spot_cost) + "</td><td>" + saving + "</td></tr>\n";
  }
  body += "</table>\n";
  return Section("Cost", body);
}

// The data checks run on the source before prep, one row each.
std::string ChecksSection(const RunSummary& summary) {
  if (summary.checks.empty()) return "";
  std::string rows = "<tr><th>check</th><th>column</th><th>severity</th><th>rows failing</th><th>result</th><th>examples</th></tr>\n";
  for (const auto& check : summary.checks) {
    std::string examples;
    for (const auto& example : check.examples) {
      examples += (examples.empty() ? "line " : ", line ") + std::to_string(example.line) + " (" + example.value + ")";
    }
    const std::string failing = check.kind == "row_count" ? FormatCount(check.rows) + " rows read"
                                                          : FormatCount(check.failing) + " of " + FormatCount(check.rows) +
                                                                " (" + ShortNumber(100 * check.share) + "%)";
    rows += "<tr><td>" + EscapeHtml(check.name) + "</td><td>" + EscapeHtml(check.column) + "</td><td>" +
            EscapeHtml(check.severity) + "</td><td>" + EscapeHtml(failing) + "</td><td>" +
            (check.passed ? "passed" : "<b>failed</b>") + "</td><td>" + EscapeHtml(examples) + "</td></tr>\n";
  }
  return Section("Data checks", "<table>" + rows + "</table>\n");
}

std::string Overview(const nlohmann::json& run) {
  std::string rows;
  auto row = [&](const std::string& key, const std::string& value) {
    rows += "<tr><th>" + EscapeHtml(key) + "</th><td>" + EscapeHtml(value) + "</td></tr>\n";
  };
  const nlohmann::json& invocation = run["invocation"];
  std::string command = "sluice " + invocation.value("verb", "run") + " " + invocation.value("pipeline", "");
  for (const auto& o : invocation.value("overrides", nlohmann::json::array())) command += " --set " + o.get<std::string>();
  row("status", run["status"].get<std::string>() + (run.value("attempts", 1) > 1 ? ", after " + std::to_string(run["attempts"].get<int>()) + " attempts" : ""));
  row("command", command);
  row("started", FormatLocalTime(run["started"].get<double>()));
  if (run["finished"].is_number()) row("took", FormatSeconds(run["finished"].get<double>() - run["started"].get<double>()));
  row("host", run.value("host", ""));
  if (!run.value("artifact", "").empty()) row("artifact", run["artifact"].get<std::string>());
  if (!run.value("fingerprint", "").empty()) row("data fingerprint", run["fingerprint"].get<std::string>());
  if (!run.value("error", "").empty()) row("error", run["error"].get<std::string>());
  std::string metrics;
  for (const auto& [key, value] : run["metrics"].items()) {
    if (!value.is_number()) continue;
    metrics += "<tr><th>" + EscapeHtml(key) + "</th><td>" + ShortNumber(value.get<double>()) + "</td></tr>\n";
  }
  return "<div class=\"facts\"><table>" + rows + "</table><table>" + metrics + "</table></div>\n";
}

const char* kStyle = R"css(
body { font: 14px/1.45 -apple-system, "Segoe UI", "DejaVu Sans", sans-serif; color: #222; max-width: 1340px; margin: 24px auto; padding: 0 16px; }
h1 { font-size: 22px; margin: 0 0 4px; } h2 { font-size: 17px; border-bottom: 1px solid #ddd; padding-bottom: 4px; margin-top: 28px; }
.facts { display: flex; gap: 48px; flex-wrap: wrap; align-items: flex-start; } table { border-collapse: collapse; margin: 8px 0; }
th, td { text-align: left; padding: 2px 12px 2px 0; vertical-align: top; } th { color: #555; font-weight: normal; }
section { display: flex; flex-wrap: wrap; gap: 8px 24px; } section h2, section > p, section > table { flex-basis: 100%; }
figure { margin: 0; } figcaption { color: #555; font-size: 12px; max-width: 640px; }
svg.chart { background: #fff; border: 1px solid #eee; }
svg .grid { stroke: #eee; } svg .axis { stroke: #444; } svg .reference { stroke: #999; stroke-dasharray: 4 3; }
svg text { font-size: 11px; fill: #333; } svg .label { font-size: 12px; fill: #555; } svg .empty { fill: #999; }
svg circle.mark { fill: rgba(31, 119, 180, 0.45); } svg rect.mark { fill: #1f77b4; }
svg rect.status-cached { fill: #aaa; } svg rect.status-failed, svg rect.status-killed, svg rect.status-timed-out, svg rect.status-interrupted { fill: #d62728; }
.note { color: #777; }
)css";

}  // namespace

RunReportInputs LoadRunReportInputs(SqliteDatabase& db, const std::string& id, const std::string& prices_file) {
  RunReportInputs inputs;
  RunStore store(db);
  inputs.run = store.Details(store.Resolve(id));
  inputs.summary = RunSummary::FromJson(inputs.run.value("summary", nlohmann::json()));
  try {
    RunCostOptions options;
    for (const auto& session : ServingStore(db).ForRun(inputs.run["id"])) {
      ++options.serving_sessions;
      options.served_rows += session.rows;
      options.served_cpu_seconds += session.cpu_seconds;
    }
    inputs.cost = EstimateRunCost(inputs.run, LoadPriceList(prices_file), options);
  } catch (const Error& error) {
    inputs.cost_note = std::string("Not priced: ") + error.what();
  }
  const std::string artifact = inputs.run.value("artifact", "");
  if (artifact.empty()) {
    inputs.artifact_note = "The run left no single artifact (it failed, or trained several text learners).";
    return inputs;
  }
  if (!fs::exists(fs::path(artifact) / "sluice-model.json")) {
    inputs.artifact_note = "The artifact " + artifact + " is gone (overwritten or moved); the registry keeps a copy.";
    return inputs;
  }
  try {
    auto loaded = Artifact::Load(artifact);
    inputs.task = TaskName(loaded->model().task());
    inputs.feature_names = loaded->prep().feature_names();
    inputs.importance = loaded->model().FeatureImportance();
  } catch (const Error& error) {
    inputs.artifact_note = std::string("The artifact could not be read: ") + error.what();
  }
  ReadTestPredictions(artifact + "/test_predictions.csv", &inputs);
  return inputs;
}

std::string RenderRunReport(const RunReportInputs& in) {
  const nlohmann::json& run = in.run;
  std::string html = "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n<title>sluice run " +
                     EscapeHtml(run["id"].get<std::string>()) + " — " + EscapeHtml(run["name"].get<std::string>()) +
                     "</title>\n<style>" + kStyle + "</style></head>\n<body>\n";
  html += "<h1>" + EscapeHtml(run["name"].get<std::string>()) + " <small>run " + EscapeHtml(run["id"].get<std::string>()) +
          "</small></h1>\n";
  html += Overview(run);
  html += ChecksSection(in.summary);
  html += CurvesSection(run["curves"]);
  html += QualitySection(in);
  html += ImportanceSection(in);
  html += TimelineSection(run);
  html += ResourcesSection(run);
  html += CostSection(in);
  html += "<p class=\"note\">Written by sluice report from " + EscapeHtml(run.value("host", "")) +
          "'s run history; this file needs nothing else to be read.</p>\n</body></html>\n";
  return html;
}

}  // namespace sluice
