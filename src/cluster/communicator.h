#pragma once
// The ranks of a job and the few collectives sluice needs between them.
// A plain `sluice ...` is a job of one rank; under `mpirun`, `srun` or the
// MPI Operator it is the MPI job, whose communicator lives in a plugin
// (libsluice_mpi.so, beside the binary) loaded only then, so that a plain
// start does not pay for loading MPI. Collectives are called from the main
// thread only, by every rank in the same order.

#include <cstddef>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace sluice {

class Communicator {
 public:
  virtual ~Communicator() = default;

  virtual int rank() const = 0;
  virtual int size() const = 0;

  // Every rank's `mine`, in rank order, on every rank.
  virtual std::vector<std::string> AllGather(const std::string& mine) = 0;
  // Every rank's `mine`, in rank order, on rank `root` only (the others get
  // an empty list): what only one rank needs (test predictions to score).
  virtual std::vector<std::string> Gather(const std::string& mine, int root) = 0;
  // Sums `count` values element by element over the ranks, in place, on
  // every rank; every rank gets the same bits (summed at rank 0 in a fixed
  // order, then broadcast), so ranks that step with it stay identical.
  virtual void SumInPlace(float* values, size_t count) = 0;
  virtual void SumInPlace(double* values, size_t count) = 0;
  // `bytes` as rank `root` passed them, on every rank.
  virtual std::string Broadcast(const std::string& bytes, int root) = 0;
  virtual void Barrier() = 0;
  // Point to point, for work handed out as ranks free up (tuning's trials):
  // `bytes` to rank `to`; the next message from rank `from` (-1: from any),
  // with the rank it came from. Not watched by SLUICE_MPI_TIMEOUT: a
  // message may be a trial's length away.
  virtual void Send(const std::string& bytes, int to) = 0;
  virtual std::pair<int, std::string> Receive(int from) = 0;
  // The next message from rank `from` (-1: any) if one has come, else none:
  // for a rank that must notice when another goes silent.
  virtual std::optional<std::pair<int, std::string>> Poll(int from) = 0;
  // Says that rank `rank` is gone (it went silent; mpirun was started with
  // --enable-recovery, so the job lives on): the job's end no longer waits
  // for it — no final barrier, no MPI_Finalize, which would.
  virtual void RankLost(int rank) = 0;
  // Marks a wait on the other ranks that goes through another channel than
  // this one (XGBoost's own collective in a boosting round) for the same
  // watchdog as the collectives: longer than SLUICE_MPI_TIMEOUT ends the
  // process naming this rank and `what`. Ended by EndWait.
  virtual void BeginWait(const char* what) = 0;
  virtual void EndWait() = 0;
  // Ends the job's communication; every rank calls it once, last.
  virtual void Finalize() = 0;
};

// How this process was started, read from the launcher's environment
// (OpenMPI's mpirun, PMIx as Slurm's srun --mpi=pmix sets it, PMI): the
// rank and size it was given, without loading MPI.
struct MpiLaunch {
  bool launched = false;
  int rank = 0;
  int size = 1;
};
MpiLaunch DetectMpiLaunch();

// Joins the job this process was launched into: loads the MPI plugin and
// initialises MPI when launched by MPI with more than one rank. Call once,
// early in main, before any thread starts. Throws a usage error when the
// plugin cannot be loaded.
void StartJob(int* argc, char*** argv);
// A wait marked for the watchdog while it lives (Communicator::BeginWait).
class WatchedWait {
 public:
  WatchedWait(Communicator& job, const char* what) : job_(job) { job_.BeginWait(what); }
  ~WatchedWait() { job_.EndWait(); }
  WatchedWait(const WatchedWait&) = delete;
  WatchedWait& operator=(const WatchedWait&) = delete;

 private:
  Communicator& job_;
};

// The job: the one StartJob joined, else a job of one rank.
Communicator& Job();
// A job of this process alone, whatever launched it: for work each rank
// does by itself (a tuning trial's data).
Communicator& SingleProcessJob();
// This machine's name, and a rank as messages name it: "rank 1 (host-a)".
std::string HostName();
std::string RankName(int rank, const std::string& host);

}  // namespace sluice
