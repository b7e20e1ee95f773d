#pragma once
// The table `sluice run` prints from a run's summary (the JSON `--json`
// prints): row accounting, then the model — a tabular model's trees and test
// metrics, or for a text job each learner's test metrics, training time and
// throughput side by side, so learners can be chosen by accuracy and cost.

#include <string>

#include "nlohmann/json.hpp"

namespace sluice {

std::string FormatRunSummary(const nlohmann::json& summary);

// What `sluice run` and `sluice tune` print on stdout: the summary as JSON
// (--json, for scripts) or as the table.
void PrintRunSummary(const nlohmann::json& summary, bool as_json);

}  // namespace sluice
