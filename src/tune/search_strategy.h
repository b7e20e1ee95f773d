#pragma once
// How a tuning run picks its next trial's parameters. Strategies register
// under a name (grid, random, bayesian) and are chosen by tune.strategy.
// A strategy sees what has been tried — finished trials with their losses,
// failed ones, and those still running — and proposes the next point; a
// proposal depends only on that history, the seed and the trial's number,
// so a search resumed from its journal proposes what the uninterrupted one
// would have.

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "tune/search_space.h"

namespace sluice {

struct Observation {
  ParamValues values;
  double loss;  // lower is better; NaN: the trial failed
};

struct SearchHistory {
  std::vector<Observation> done;     // earlier runs' trials (warm start) first, then this search's
  std::vector<ParamValues> pending;  // trials running now
};

struct StrategyOptions {
  uint64_t seed = 42;
  int grid_points = 5;     // values per numeric parameter of the grid
  int initial_points = 0;  // bayesian: the space-filling design before the surrogate (0: chosen from the space)
};

class SearchStrategy {
 public:
  virtual ~SearchStrategy() = default;
  // The point for trial number `trial` (0-based, this search's own), or
  // nullopt when the strategy has none left (a finished grid, an exhausted
  // discrete space).
  virtual std::optional<ParamValues> Propose(const SearchHistory& history, int trial) = 0;
  // The most points the strategy proposes (the grid's size), or -1.
  virtual int64_t capacity() const { return -1; }
};

using SearchStrategyFactory =
    std::function<std::unique_ptr<SearchStrategy>(const SearchSpace&, const StrategyOptions&)>;
// Throws a usage error naming the known strategies for an unknown name.
std::unique_ptr<SearchStrategy> MakeSearchStrategy(const std::string& name, const SearchSpace& space,
                                                   const StrategyOptions& options);
std::vector<std::string> SearchStrategyNames();

// The text key of a point, for telling points apart.
std::string PointKey(const ParamValues& values);

}  // namespace sluice
