// The `random` strategy: each trial's point drawn independently, from a
// stream seeded by the search's seed and the trial's number.

#include "common/hash.h"
#include "tune/search_strategy.h"

namespace sluice {

namespace {

class RandomSearch : public SearchStrategy {
 public:
  RandomSearch(const SearchSpace& space, const StrategyOptions& options) : space_(space), seed_(options.seed) {}

  std::optional<ParamValues> Propose(const SearchHistory&, int trial) override {
    std::mt19937_64 rng(MixInt(static_cast<uint64_t>(trial), seed_));
    return space_.Sample(rng);
  }

 private:
  SearchSpace space_;
  uint64_t seed_;
};

}  // namespace

std::unique_ptr<SearchStrategy> MakeRandomSearch(const SearchSpace& space, const StrategyOptions& options) {
  return std::make_unique<RandomSearch>(space, options);
}

}  // namespace sluice
