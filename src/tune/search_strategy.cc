#include "tune/search_strategy.h"

#include <map>

#include "common/error.h"

namespace sluice {

// Built-in strategies, each in its own file.
std::unique_ptr<SearchStrategy> MakeGridSearch(const SearchSpace& space, const StrategyOptions& options);
std::unique_ptr<SearchStrategy> MakeRandomSearch(const SearchSpace& space, const StrategyOptions& options);
std::unique_ptr<SearchStrategy> MakeBayesianSearch(const SearchSpace& space, const StrategyOptions& options);

namespace {
const std::map<std::string, SearchStrategyFactory>& Registry() {
  static const std::map<std::string, SearchStrategyFactory> registry = {
      {"grid", MakeGridSearch}, {"random", MakeRandomSearch}, {"bayesian", MakeBayesianSearch}};
  return registry;
}
}  // namespace

std::vector<std::string> SearchStrategyNames() {
  std::vector<std::string> names;
  for (const auto& [name, factory] : Registry()) names.push_back(name);
  return names;
}

std::unique_ptr<SearchStrategy> MakeSearchStrategy(const std::string& name, const SearchSpace& space,
                                                   const StrategyOptions& options) {
  auto found = Registry().find(name);
  if (found == Registry().end()) ThrowUsage("tune.strategy: unknown strategy '" + name + "' (bayesian, grid, random)");
  return found->second(space, options);
}

std::string PointKey(const ParamValues& values) {
  std::string key;
  for (const auto& value : values) key.append(value).push_back('\x1f');
  return key;
}

}  // namespace sluice
