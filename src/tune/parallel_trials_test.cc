#include "tune/parallel_trials.h"

#include <gtest/gtest.h>

namespace sluice {
namespace {

ParallelTrialsInput Input(const std::string& strategy, int trials, int threads) {
  ParallelTrialsInput input;
  input.strategy = strategy;
  input.trials = trials;
  input.threads = threads;
  return input;
}

TEST(ParallelTrials, BayesianRunsMoreAtOnceOnlyAsTheSearchGrowsLonger) {
  EXPECT_EQ(1, AutoParallelTrials(Input("bayesian", 10, 2)));  // a lag of 2 would blind a fifth of it
  EXPECT_EQ(2, AutoParallelTrials(Input("bayesian", 30, 2)));
  EXPECT_EQ(2, AutoParallelTrials(Input("bayesian", 30, 16)));
  EXPECT_EQ(4, AutoParallelTrials(Input("bayesian", 60, 16)));
  EXPECT_EQ(8, AutoParallelTrials(Input("bayesian", 200, 16)));
}

TEST(ParallelTrials, GridAndRandomUseEveryThreadButNeverMoreWorkersThanTrials) {
  EXPECT_EQ(2, AutoParallelTrials(Input("grid", 27, 2)));
  EXPECT_EQ(16, AutoParallelTrials(Input("random", 30, 16)));
  EXPECT_EQ(1, AutoParallelTrials(Input("random", 1, 16)));
  EXPECT_EQ(4, AutoParallelTrials(Input("random", 5, 16)));  // 5 does not divide 16: 4 workers of 4 threads
  EXPECT_EQ(1, AutoParallelTrials(Input("random", 30, 1)));
}

TEST(ParallelTrials, WorkersDivideTheThreadsSoNoneIsLeftIdle) {
  EXPECT_EQ(3, AutoParallelTrials(Input("random", 30, 3)));
  EXPECT_EQ(1, AutoParallelTrials(Input("bayesian", 30, 3)));  // 2 would leave a thread idle
  EXPECT_EQ(6, AutoParallelTrials(Input("grid", 30, 6)));
}

TEST(ParallelTrials, CopiesOfTheTrainingDataStayWithinAQuarterOfMemory) {
  ParallelTrialsInput input = Input("random", 100, 16);
  input.memory_bytes = 64ull << 30;
  input.worker_bytes = 5ull << 30;  // 16 GiB / 5 GiB: 3 copies fit, 2 divides 16
  EXPECT_EQ(2, AutoParallelTrials(input));
  input.worker_bytes = 40ull << 30;  // not even one fits: one worker still runs
  EXPECT_EQ(1, AutoParallelTrials(input));
  input.worker_bytes = 1ull << 20;
  EXPECT_EQ(16, AutoParallelTrials(input));
}

TEST(ParallelTrials, OneWorkerSeesEveryEarlierTrialMoreSeeTwicePerExtraWorker) {
  EXPECT_EQ(0, ProposalLag(1));
  EXPECT_EQ(2, ProposalLag(2));
  EXPECT_EQ(6, ProposalLag(4));
  EXPECT_EQ(0, ProposalLag(0));
}

}  // namespace
}  // namespace sluice
