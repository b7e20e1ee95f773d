// The `grid` strategy: every point of SearchSpace::Grid, in order, skipping
// points already tried (a warm start's, a resumed search's).

#include <set>

#include "tune/search_strategy.h"

namespace sluice {

namespace {

class GridSearch : public SearchStrategy {
 public:
  GridSearch(const SearchSpace& space, const StrategyOptions& options) : points_(space.Grid(options.grid_points)) {}

  std::optional<ParamValues> Propose(const SearchHistory& history, int) override {
    std::set<std::string> tried;
    for (const auto& observation : history.done) tried.insert(PointKey(observation.values));
    for (const auto& values : history.pending) tried.insert(PointKey(values));
    for (const auto& point : points_) {
      if (!tried.count(PointKey(point))) return point;
    }
    return std::nullopt;
  }

  int64_t capacity() const override { return static_cast<int64_t>(points_.size()); }

 private:
  std::vector<ParamValues> points_;
};

}  // namespace

std::unique_ptr<SearchStrategy> MakeGridSearch(const SearchSpace& space, const StrategyOptions& options) {
  return std::make_unique<GridSearch>(space, options);
}

}  // namespace sluice
