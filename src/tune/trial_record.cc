#include "tune/trial_record.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace sluice {

const char* TrialStatusName(TrialStatus status) {
  switch (status) {
    case TrialStatus::kOk: return "ok";
    case TrialStatus::kPruned: return "pruned";
    case TrialStatus::kFailed: return "failed";
  }
  return "?";
}

double TrialRecord::Loss() const {
  if (status == TrialStatus::kFailed || !std::isfinite(score)) return NAN;
  return higher_is_better ? -score : score;
}

nlohmann::json TrialRecord::ToJson(const SearchSpace& space) const {
  nlohmann::json json = {{"trial", number},
                         {"params", space.ToJson(values)},
                         {"status", TrialStatusName(status)},
                         {"metric", metric},
                         {"higher_is_better", higher_is_better},
                         {"rounds", rounds},
                         {"threads", threads},
                         {"seconds", seconds},
                         {"curve", curve}};
  // JSON has no NaN: a failed trial's score is null.
  json["score"] = std::isfinite(score) ? nlohmann::json(score) : nlohmann::json(nullptr);
  if (!error.empty()) json["error"] = error;
  if (warm) json["warm"] = true;
  if (rank > 0) json["rank"] = rank;
  return json;
}

bool TrialRecord::FromJson(const nlohmann::json& json, const SearchSpace& space, TrialRecord* out) {
  auto values = space.FromJson(json.at("params"));
  if (!values || !space.Contains(*values)) return false;
  TrialRecord record;
  record.number = json.at("trial").get<int>();
  record.values = *values;
  std::string status = json.at("status").get<std::string>();
  record.status = status == "ok" ? TrialStatus::kOk : status == "pruned" ? TrialStatus::kPruned : TrialStatus::kFailed;
  record.metric = json.value("metric", "");
  record.higher_is_better = json.value("higher_is_better", false);
  record.score = json.at("score").is_number() ? json.at("score").get<double>() : NAN;
  record.curve = json.value("curve", std::vector<double>{});
  record.rounds = json.value("rounds", 0);
  record.threads = json.value("threads", 0);
  record.seconds = json.value("seconds", 0.0);
  record.error = json.value("error", "");
  record.warm = json.value("warm", false);
  record.rank = json.value("rank", 0);
  *out = std::move(record);
  return true;
}

std::string FormatTrialTable(const SearchSpace& space, const std::vector<TrialRecord>& trials, int best_number) {
  std::vector<std::string> header = {"trial", "status"};
  for (size_t index = 0; index < space.size(); ++index) header.push_back(space.Label(index));
  std::string metric = trials.empty() ? "score" : trials.front().metric;
  for (const auto& trial : trials) {
    if (!trial.metric.empty()) metric = trial.metric;
  }
  header.insert(header.end(), {"rounds", "valid " + metric, "seconds"});
  std::vector<std::vector<std::string>> rows;
  for (const auto& trial : trials) {
    std::vector<std::string> row;
    row.push_back(std::to_string(trial.number) + (trial.number == best_number ? " *" : "") + (trial.warm ? " (warm)" : ""));
    row.push_back(TrialStatusName(trial.status));
    for (const auto& value : trial.values) row.push_back(value);
    row.push_back(std::to_string(trial.rounds));
    char text[32];
    if (std::isfinite(trial.score)) {
      std::snprintf(text, sizeof text, "%.6g", trial.score);
    } else {
      std::snprintf(text, sizeof text, "-");
    }
    row.push_back(text);
    std::snprintf(text, sizeof text, "%.2f", trial.seconds);
    row.push_back(text);
    rows.push_back(std::move(row));
  }
  std::vector<size_t> widths(header.size());
  for (size_t column = 0; column < header.size(); ++column) {
    widths[column] = header[column].size();
    for (const auto& row : rows) widths[column] = std::max(widths[column], row[column].size());
  }
  std::string out;
  auto line = [&](const std::vector<std::string>& cells) {
    std::string text = " ";
    for (size_t column = 0; column < cells.size(); ++column) {
      text += ' ' + cells[column] + std::string(widths[column] - cells[column].size(), ' ') + ' ';
    }
    while (!text.empty() && text.back() == ' ') text.pop_back();
    out += text + '\n';
  };
  line(header);
  for (const auto& row : rows) line(row);
  for (const auto& trial : trials) {
    if (trial.status == TrialStatus::kFailed) {
      out += "  trial " + std::to_string(trial.number) + " failed: " + trial.error + '\n';
    }
  }
  return out;
}

}  // namespace sluice
