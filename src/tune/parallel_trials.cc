#include "tune/parallel_trials.h"

#include <algorithm>

namespace sluice {

int AutoParallelTrials(const ParallelTrialsInput& input) {
  int bound = std::max(1, std::min(input.threads, input.trials));
  if (input.strategy == "bayesian") bound = std::min(bound, 1 + input.trials / 16);
  if (input.memory_bytes > 0 && input.worker_bytes > 0) {
    const uint64_t fit = input.memory_bytes / 4 / input.worker_bytes;
    bound = static_cast<int>(std::min<uint64_t>(static_cast<uint64_t>(bound), std::max<uint64_t>(1, fit)));
  }
  for (int workers = std::max(1, bound); workers > 1; --workers) {
    if (input.threads % workers == 0) return workers;
  }
  return 1;
}

int ProposalLag(int workers) { return 2 * (std::max(1, workers) - 1); }

}  // namespace sluice
