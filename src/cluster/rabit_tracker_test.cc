#include "cluster/rabit_tracker.h"

#include <gtest/gtest.h>
#include <xgboost/c_api.h>

#include <string>
#include <thread>
#include <vector>

namespace sluice {
namespace {

// XGBoost's own rabit workers (libxgboost's XGCommunicator*, one per thread:
// its communicator is thread-local) join through sluice's tracker, get the
// ranks their task ids ask for, and sum a vector across all of them.
void ExpectWorkersJoinAndAllreduce(int workers) {
  RabitTracker tracker("127.0.0.1", workers);
  tracker.Start();
  std::vector<std::thread> threads;
  std::vector<int> ranks(static_cast<size_t>(workers), -1), sizes(static_cast<size_t>(workers), -1);
  std::vector<std::vector<double>> sums(static_cast<size_t>(workers));
  std::vector<std::string> errors(static_cast<size_t>(workers));
  for (int w = 0; w < workers; ++w) {
    threads.emplace_back([&, w] {
      char task[16];
      std::snprintf(task, sizeof task, "%05d", workers - 1 - w);  // started out of order
      if (XGCommunicatorInit(tracker.WorkerConfig(task).c_str()) != 0) {
        errors[static_cast<size_t>(w)] = XGBGetLastError();
        return;
      }
      const int rank = XGCommunicatorGetRank();
      ranks[static_cast<size_t>(w)] = rank;
      sizes[static_cast<size_t>(w)] = XGCommunicatorGetWorldSize();
      std::vector<double> values = {1.0, static_cast<double>(rank)};
      // Data type 7: float64; op 2: sum (the enums of xgboost/collective.py).
      if (XGCommunicatorAllreduce(values.data(), values.size(), 7, 2) != 0) errors[static_cast<size_t>(w)] = XGBGetLastError();
      sums[static_cast<size_t>(w)] = values;
      XGCommunicatorFinalize();
    });
  }
  for (auto& thread : threads) thread.join();
  tracker.Join();
  const double rank_sum = workers * (workers - 1) / 2.0;
  for (int w = 0; w < workers; ++w) {
    EXPECT_EQ(errors[static_cast<size_t>(w)], "");
    EXPECT_EQ(ranks[static_cast<size_t>(w)], workers - 1 - w) << "the rank its task id asks for";
    EXPECT_EQ(sizes[static_cast<size_t>(w)], workers);
    EXPECT_EQ(sums[static_cast<size_t>(w)], (std::vector<double>{static_cast<double>(workers), rank_sum}));
  }
}

TEST(RabitTracker, XGBoostsWorkersJoinGetTheirRanksAndAllreduce) {
  for (int workers : {1, 2, 3, 5}) ExpectWorkersJoinAndAllreduce(workers);
}

TEST(RabitTracker, RefusesAnAddressThatIsNotOne) { EXPECT_ANY_THROW(RabitTracker("not-an-address", 2)); }

}  // namespace
}  // namespace sluice
