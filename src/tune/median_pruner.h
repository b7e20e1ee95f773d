#pragma once
// Early stopping of poor trials (the median rule of Google Vizier, as
// Optuna's MedianPruner): after `warmup_rounds`, a trial whose best loss so
// far is worse than the median of the finished trials' best losses at the
// same round is stopped. Needs `min_trials` finished trials before it stops
// any. Losses are minimised (a higher-is-better metric negated).

#include <vector>

namespace sluice {

class MedianPruner {
 public:
  MedianPruner(int warmup_rounds, int min_trials) : warmup_rounds_(warmup_rounds), min_trials_(min_trials) {}

  // A finished (not pruned, not failed) trial's loss after each round.
  void AddFinished(const std::vector<double>& losses);
  // Whether a trial whose best loss after round `round` (0-based) is `best_loss` should stop.
  bool ShouldPrune(int round, double best_loss) const;

 private:
  int warmup_rounds_;
  int min_trials_;
  std::vector<std::vector<double>> running_best_;  // per finished trial, per round
};

}  // namespace sluice
