#include "train/xgboost_collective.h"

#include <xgboost/c_api.h>

#include <cstdio>
#include <cstdlib>
#include <exception>

#include "cluster/peer_address.h"
#include "cluster/rabit_tracker.h"
#include "common/error.h"
#include "common/log.h"
#include "train/xgboost_api.h"

namespace sluice {

XgboostCollective::XgboostCollective(Communicator& job) : exceptions_at_start_(std::uncaught_exceptions()) {
  const std::string address = PeerAddressOfRankZero(job);
  // Rank 0 says where its tracker listens, or why it could not start one.
  std::string where;
  if (job.rank() == 0) {
    try {
      tracker_ = std::make_unique<RabitTracker>(address, job.size());
      tracker_->Start();
      where = std::to_string(tracker_->port());
    } catch (const std::exception& error) {
      where = std::string("!") + error.what();
    }
  }
  where = job.Broadcast(where, 0);
  if (!where.empty() && where[0] == '!') ThrowIo("rank 0 cannot start XGBoost's tracker on " + address + ": " + where.substr(1));
  char task[16];
  std::snprintf(task, sizeof task, "%06d", job.rank());  // ranks go to task ids in sorted order
  const std::string config = RabitTracker::WorkerConfig(address, std::stoi(where), job.size(), task);
  if (XGCommunicatorInit(config.c_str()) != 0) {
    ThrowIo(RankName(job.rank(), HostName()) + ": cannot join XGBoost's collective at " + address + ":" + where + ": " +
            XgboostLastError());
  }
}

XgboostCollective::~XgboostCollective() {
  XGCommunicatorFinalize();
  // Unwinding from a failure: a lost worker never says it is done, so the
  // tracker is stopped (its destructor), not waited for.
  if (!tracker_ || std::uncaught_exceptions() > exceptions_at_start_) return;
  try {
    tracker_->Join();
  } catch (const std::exception& error) {
    Log(LogLevel::kWarning, std::string("sluice: warning: XGBoost's tracker: ") + error.what());
  }
}

}  // namespace sluice
