#include "tune/median_pruner.h"

#include <algorithm>
#include <cmath>

namespace sluice {

void MedianPruner::AddFinished(const std::vector<double>& losses) {
  if (losses.empty()) return;
  std::vector<double> best(losses.size());
  double so_far = INFINITY;
  for (size_t round = 0; round < losses.size(); ++round) {
    if (!std::isnan(losses[round])) so_far = std::min(so_far, losses[round]);
    best[round] = so_far;
  }
  running_best_.push_back(std::move(best));
}

bool MedianPruner::ShouldPrune(int round, double best_loss) const {
  if (round + 1 < warmup_rounds_ || static_cast<int>(running_best_.size()) < min_trials_) return false;
  std::vector<double> at_round;
  for (const auto& best : running_best_) {
    // A trial that stopped early (early_stopping_rounds) keeps its last best.
    at_round.push_back(best[std::min(static_cast<size_t>(round), best.size() - 1)]);
  }
  size_t middle = at_round.size() / 2;
  std::nth_element(at_round.begin(), at_round.begin() + middle, at_round.end());
  double median = at_round[middle];
  if (at_round.size() % 2 == 0) {
    double below = *std::max_element(at_round.begin(), at_round.begin() + middle);
    median = 0.5 * (median + below);
  }
  return std::isnan(best_loss) || best_loss > median;
}

}  // namespace sluice
