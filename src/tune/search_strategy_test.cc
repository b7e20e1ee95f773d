#include "tune/search_strategy.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <unistd.h>

#include <filesystem>
#include <functional>
#include <fstream>

#include "common/error.h"
#include "tune/median_pruner.h"
#include "tune/trial_journal.h"

namespace sluice {
namespace {

SearchSpace TwoFloats() {
  return SearchSpace::Parse(nlohmann::ordered_json::parse(R"({"x": {"type": "float", "low": -5, "high": 10},
                                                      "y": {"type": "float", "low": 0, "high": 15}})"),
                            "test");
}

// Branin: three global minima of 0.397887 in [-5, 10] x [0, 15].
double Branin(const ParamValues& values) {
  double x = std::stod(values[0]), y = std::stod(values[1]);
  double b = 5.1 / (4 * M_PI * M_PI), c = 5 / M_PI, t = 1 / (8 * M_PI);
  return std::pow(y - b * x * x + c * x - 6, 2) + 10 * (1 - t) * std::cos(x) + 10;
}

// Runs `trials` proposals one after another, each scored by `loss`.
void RunTrials(SearchStrategy& strategy, SearchHistory& history, int trials,
               const std::function<double(const ParamValues&)>& loss) {
  for (int trial = 0; trial < trials; ++trial) {
    auto values = strategy.Propose(history, trial);
    ASSERT_TRUE(values.has_value());
    history.done.push_back({*values, loss(*values)});
  }
}

double BestAfter(const std::string& strategy_name, uint64_t seed, int trials) {
  auto strategy = MakeSearchStrategy(strategy_name, TwoFloats(), {seed, 5, 0});
  SearchHistory history;
  RunTrials(*strategy, history, trials, Branin);
  double best = INFINITY;
  for (const auto& observation : history.done) best = std::min(best, observation.loss);
  return best;
}

TEST(BayesianSearch, FindsBraninsMinimumWhereRandomSearchDoesNot) {
  std::vector<double> bayesian, random;
  for (uint64_t seed = 1; seed <= 5; ++seed) {
    bayesian.push_back(BestAfter("bayesian", seed, 25));
    random.push_back(BestAfter("random", seed, 25));
  }
  std::sort(bayesian.begin(), bayesian.end());
  std::sort(random.begin(), random.end());
  EXPECT_LT(bayesian[2], 0.45);  // median within 0.05 of the optimum 0.398
  EXPECT_LT(bayesian[2], random[2]);
}

TEST(BayesianSearch, ProposesTheSameForTheSameHistoryAndElsewhereWhenAPointIsPending) {
  SearchSpace space = TwoFloats();
  auto strategy = MakeSearchStrategy("bayesian", space, {9, 5, 4});
  SearchHistory history;
  RunTrials(*strategy, history, 6, Branin);
  auto first = strategy->Propose(history, 6);
  auto again = MakeSearchStrategy("bayesian", space, {9, 5, 4})->Propose(history, 6);
  EXPECT_EQ(*first, *again);
  history.pending.push_back(*first);
  auto beside = strategy->Propose(history, 7);
  ASSERT_TRUE(beside.has_value());
  EXPECT_NE(*beside, *first);
}

TEST(BayesianSearch, CarriesOnPastFailedTrials) {
  SearchSpace space = TwoFloats();
  auto strategy = MakeSearchStrategy("bayesian", space, {2, 5, 3});
  SearchHistory history;
  // Every trial with x > 5 fails.
  RunTrials(*strategy, history, 10, [](const ParamValues& values) { return std::stod(values[0]) > 5 ? NAN : Branin(values); });
  EXPECT_EQ(history.done.size(), 10u);
}

TEST(GridSearch, WalksTheGridSkippingTriedPointsThenEnds) {
  SearchSpace space = SearchSpace::Parse(nlohmann::ordered_json::parse(R"({"a": ["p", "q"], "b": {"type": "int", "low": 1, "high": 2}})"), "t");
  auto grid = MakeSearchStrategy("grid", space, {1, 5, 0});
  EXPECT_EQ(grid->capacity(), 4);
  SearchHistory history;
  history.done.push_back({{"p", "2"}, 1.0});  // e.g. from a warm start
  std::vector<ParamValues> seen;
  for (int trial = 0; trial < 5; ++trial) {
    auto values = grid->Propose(history, trial);
    if (!values) break;
    seen.push_back(*values);
    history.done.push_back({*values, 1.0});
  }
  EXPECT_EQ(seen, (std::vector<ParamValues>{{"p", "1"}, {"q", "1"}, {"q", "2"}}));
}

TEST(SearchStrategy, UnknownNameIsAUsageError) {
  EXPECT_THROW(MakeSearchStrategy("hyperband", TwoFloats(), {}), Error);
}

TEST(MedianPruner, StopsTrialsWorseThanTheMedianAfterWarmupOnly) {
  MedianPruner pruner(3, 2);
  pruner.AddFinished({5, 4, 3, 2, 1});
  EXPECT_FALSE(pruner.ShouldPrune(4, 100));  // one finished trial: too few
  pruner.AddFinished({6, 5, 4, 3, 2});
  pruner.AddFinished({9, 8, 7});            // stopped early at round 3: keeps its last best
  EXPECT_FALSE(pruner.ShouldPrune(1, 100));  // before warmup
  EXPECT_TRUE(pruner.ShouldPrune(2, 4.5));   // median at round 3 is 4
  EXPECT_FALSE(pruner.ShouldPrune(2, 4.0));
  EXPECT_TRUE(pruner.ShouldPrune(4, 3.5));   // median of 1, 2, 7 is 2
  EXPECT_FALSE(pruner.ShouldPrune(4, 1.5));
}

TEST(TrialJournal, KeepsTrialsOfItsKeyDropsACutLineAndReplacesAnotherSearch) {
  namespace fs = std::filesystem;
  const std::string dir = (fs::temp_directory_path() / std::string("journal-").append(std::to_string(::getpid()))).string();
  const std::string path = dir + "/trials.jsonl";
  bool replaced = false;
  {
    TrialJournal journal(path, "k1", &replaced);
    EXPECT_FALSE(replaced);
    journal.Append({{"trial", 1}});
    journal.Append({{"trial", 2}});
  }
  std::ofstream(path, std::ios::app) << R"({"trial": 3, "par)";  // a kill mid-write
  {
    TrialJournal journal(path, "k1", &replaced);
    EXPECT_FALSE(replaced);
    ASSERT_EQ(journal.trials().size(), 2u);
    EXPECT_EQ(journal.dropped_lines(), 1);
    journal.Append({{"trial", 3}});
  }
  {
    TrialJournal journal(path, "k1", &replaced);
    EXPECT_EQ(journal.trials().size(), 3u);
    EXPECT_EQ(journal.trials()[2]["trial"], 3);
    EXPECT_EQ(TrialJournal::ReadTrials(path).size(), 3u);
  }
  {
    TrialJournal journal(path, "k2", &replaced);
    EXPECT_TRUE(replaced);
    EXPECT_TRUE(journal.trials().empty());
  }
  fs::remove_all(dir);
}

}  // namespace
}  // namespace sluice
