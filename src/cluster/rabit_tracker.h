#pragma once
// The rendezvous XGBoost's rabit collective needs (its "tracker"): every
// worker connects once, is given its rank and the ranks it links to (a tree
// for allreduce, a ring), learns where those listen, and says when it is
// done. This is the protocol of XGBoost's own reference tracker
// (python-package/xgboost/tracker.py, RabitTracker, in Debian's
// python3-xgboost), so that sluice's ranks need no Python: rank 0 of an MPI
// job runs one and tells the others where it listens.
//
// Workers name themselves by task id (DMLC_TASK_ID); ranks go to task ids
// in sorted order, so zero-padded MPI ranks keep their numbers.

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <thread>

namespace sluice {

class RabitTracker {
 public:
  // Listens on `host` (an address every worker reaches), any free port.
  RabitTracker(const std::string& host, int workers);
  ~RabitTracker();
  RabitTracker(const RabitTracker&) = delete;
  RabitTracker& operator=(const RabitTracker&) = delete;

  const std::string& host() const { return host_; }
  int port() const { return port_; }

  // Serves the workers on a thread of its own until each has said it is
  // done; Join() waits for that and rethrows what went wrong (a worker
  // breaking the protocol, a socket error).
  void Start();
  void Join();

  // The worker configuration (XGCommunicatorInit's JSON) for `task_id`.
  std::string WorkerConfig(const std::string& task_id) const;
  // The same for a tracker on `host`:`port` elsewhere (another rank's).
  static std::string WorkerConfig(const std::string& host, int port, int workers, const std::string& task_id);

 private:
  void Serve();

  std::string host_;
  int workers_;
  int listen_fd_ = -1;
  int port_ = 0;
  std::thread thread_;
  std::string error_;
  std::atomic<bool> stopping_{false};
};

}  // namespace sluice
