#pragma once
// `sluice report RUN_ID`: one self-contained HTML page about a recorded run
// — no script, no stylesheet or font fetched, every chart inline SVG
// (svg_chart.h): training and validation curves, predicted vs actual
// (regression) or ROC and confusion matrix (classification), the residual
// histogram, feature importance, the timeline of steps, resource use over
// time and the cost breakdown. Loading (the history, the artifact, the
// price list) is apart from rendering, which is a pure function of what
// was loaded.

#include <optional>
#include <string>
#include <vector>

#include "cost/run_cost.h"
#include "history/sqlite_database.h"
#include "monitor/run_summary.h"
#include "nlohmann/json.hpp"

namespace sluice {

struct RunReportInputs {
  nlohmann::json run;  // RunStore::Details
  RunSummary summary;  // the run's summary, read from the record (empty when it failed)
  std::optional<RunCostEstimate> cost;  // at On-Demand prices; none when the run cannot be priced
  std::string cost_note;
  // From the run's artifact; empty with a note saying why when it has none.
  std::string task;  // regression or binary
  std::vector<double> labels, predictions;  // the held-out test split
  std::vector<std::string> feature_names;
  std::vector<double> importance;
  std::string artifact_note;
};

// Reads everything the report shows about run `id` (any unique prefix).
RunReportInputs LoadRunReportInputs(SqliteDatabase& db, const std::string& id, const std::string& prices_file);
std::string RenderRunReport(const RunReportInputs& inputs);

}  // namespace sluice
