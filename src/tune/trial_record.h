#pragma once
// One tuning trial as recorded: its number, parameters, outcome (ok, pruned
// by early stopping, failed with an error), score — the validation metric of
// the model it trained —, per-round validation curve, rounds, threads and
// seconds. Written to the trial journal, the artifact's trials.jsonl and the
// table the run prints.

#include <string>
#include <vector>

#include "nlohmann/json.hpp"
#include "tune/search_space.h"

namespace sluice {

enum class TrialStatus { kOk, kPruned, kFailed };

struct TrialRecord {
  int number = 0;
  ParamValues values;
  TrialStatus status = TrialStatus::kOk;
  std::string metric;         // e.g. rmse
  bool higher_is_better = false;
  double score = 0;           // the metric on the validation split (NaN when failed)
  std::vector<double> curve;  // the metric after each round
  int rounds = 0;
  int threads = 0;
  double seconds = 0;
  std::string error;          // failed trials
  bool warm = false;          // from an earlier run's trials (tune.warm_start)
  int rank = 0;               // the MPI rank that ran it (0: the search's own process)

  // The loss strategies minimise: the score, negated when higher is better; NaN unless ok or pruned.
  double Loss() const;
  nlohmann::json ToJson(const SearchSpace& space) const;
  // Throws std::exception on a malformed record; false when its parameters are not all in `space`.
  static bool FromJson(const nlohmann::json& json, const SearchSpace& space, TrialRecord* out);
};

const char* TrialStatusName(TrialStatus status);

// The trials as a table: number, status, each parameter, rounds, score,
// seconds; the best marked with '*'.
std::string FormatTrialTable(const SearchSpace& space, const std::vector<TrialRecord>& trials, int best_number);

}  // namespace sluice
