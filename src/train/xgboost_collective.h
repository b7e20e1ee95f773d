#pragma once
// XGBoost's own collective (rabit) over the ranks of an MPI job, alive for
// one training: rank 0 runs the rendezvous (cluster/rabit_tracker.h) on an
// address every rank reaches and broadcasts it over MPI; every rank then
// joins as the worker whose task id is its rank, so XGBoost's ranks are the
// job's. While it lives, XGBoost agrees by itself on what the ranks must
// share: the quantile sketches of the DMatrix, each node's histograms, the
// evaluation metrics. XGBoost's communicator belongs to the thread that
// joined: build, train and evaluate on that thread.

#include <memory>

#include "cluster/communicator.h"

namespace sluice {

class RabitTracker;

class XgboostCollective {
 public:
  // A collective of `job`'s ranks; every rank constructs it at the same point.
  explicit XgboostCollective(Communicator& job);
  // Leaves XGBoost's collective; rank 0 then waits for its tracker to end.
  ~XgboostCollective();
  XgboostCollective(const XgboostCollective&) = delete;
  XgboostCollective& operator=(const XgboostCollective&) = delete;

 private:
  int exceptions_at_start_;
  std::unique_ptr<RabitTracker> tracker_;
};

}  // namespace sluice
