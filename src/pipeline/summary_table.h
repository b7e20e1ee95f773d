#pragma once
// The table `sluice run` prints from a run's summary (monitor/run_summary.h):
// row accounting, then the model — a tabular model's trees and test metrics,
// or for a text job each learner's test metrics, training time and
// throughput side by side, so learners can be chosen by accuracy and cost.

#include <string>

#include "monitor/run_summary.h"

namespace sluice {

std::string FormatRunSummary(const RunSummary& summary);

// What `sluice run` and `sluice tune` print on stdout: the summary as JSON
// (--json, for scripts) or as the table.
void PrintRunSummary(const RunSummary& summary, bool as_json);

}  // namespace sluice
