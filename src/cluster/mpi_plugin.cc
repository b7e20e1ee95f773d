// sluice's MPI plugin (libsluice_mpi.so): the Communicator over MPI,
// loaded by cluster/job.cc only when sluice was launched by MPI. Failures
// are thrown as std::exception; job.cc names the rank.
//
// A collective that waits longer than SLUICE_MPI_TIMEOUT seconds (default
// 600) for the other ranks ends this process with a message naming this
// rank and the collective: a rank that died is noticed by mpirun itself, a
// hung one (stopped, deadlocked, its host unreachable) by this watchdog,
// and mpirun then ends the whole job — never an endless wait.
//
// With SLUICE_MPI_BYTES=PATH each rank writes the bytes it contributed to
// collectives to PATH.RANK when the job ends (bench/scale-ranks reads them).

#include <mpi.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <climits>
#include <condition_variable>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "cluster/communicator.h"

namespace sluice {
namespace {

void Check(int code, const char* what) {
  if (code == MPI_SUCCESS) return;
  char text[MPI_MAX_ERROR_STRING];
  int length = 0;
  MPI_Error_string(code, text, &length);
  throw std::runtime_error(std::string(what) + ": " + std::string(text, static_cast<size_t>(length)));
}

int Count(uint64_t bytes, const char* what) {
  if (bytes > static_cast<uint64_t>(INT_MAX)) {
    throw std::runtime_error(std::string(what) + ": " + std::to_string(bytes) + " bytes, more than one message carries (2 GiB)");
  }
  return static_cast<int>(bytes);
}

// Where each rank's bytes go in a gathered buffer (MPI's counts and
// displacements, which are ints), the buffer, and the buffer cut back into
// the ranks' strings.
struct Layout {
  Layout(const std::vector<uint64_t>& rank_sizes, const char* what) : sizes(rank_sizes) {
    uint64_t total = 0;
    for (uint64_t size : sizes) {
      counts.push_back(Count(size, what));
      offsets.push_back(Count(total, what));
      total += size;
    }
    all.assign(static_cast<size_t>(Count(total, what)), '\0');
  }

  std::vector<std::string> Split() const {
    std::vector<std::string> out;
    out.reserve(sizes.size());
    for (size_t r = 0; r < sizes.size(); ++r) out.push_back(all.substr(static_cast<size_t>(offsets[r]), sizes[r]));
    return out;
  }

  std::vector<uint64_t> sizes;
  std::vector<int> counts, offsets;
  std::string all;
};

class MpiCommunicator final : public Communicator {
 public:
  static constexpr int kPointToPointTag = 17;

  // `launch_rank`: the rank the launcher gave, for messages before MPI says it.
  MpiCommunicator(int* argc, char*** argv, int launch_rank) : rank_(launch_rank) {
    if (const char* timeout = std::getenv("SLUICE_MPI_TIMEOUT"); timeout && std::atof(timeout) > 0) {
      timeout_seconds_ = std::atof(timeout);
    }
    char host[256] = {0};
    ::gethostname(host, sizeof host - 1);
    host_ = host;
    // Watched from the start: a rank that never shows up hangs MPI_Init too.
    watchdog_ = std::thread([this] { Watch(); });
    {
      Waiting waiting(*this, "the job's start");
      int provided = 0;
      Check(MPI_Init_thread(argc, argv, MPI_THREAD_FUNNELED, &provided), "MPI_Init_thread");
    }
    // Errors come back as codes, to be reported with the rank, not as MPI's abort.
    MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
    Check(MPI_Comm_rank(MPI_COMM_WORLD, &rank_), "MPI_Comm_rank");
    Check(MPI_Comm_size(MPI_COMM_WORLD, &size_), "MPI_Comm_size");
  }

  ~MpiCommunicator() override { StopWatchdog(); }

  int rank() const override { return rank_; }
  int size() const override { return size_; }

  std::vector<std::string> AllGather(const std::string& mine) override {
    Waiting waiting(*this, "an all-gather");
    uint64_t my_size = mine.size();
    bytes_sent_ += sizeof my_size + my_size;
    std::vector<uint64_t> sizes(static_cast<size_t>(size_));
    Check(MPI_Allgather(&my_size, 1, MPI_UINT64_T, sizes.data(), 1, MPI_UINT64_T, MPI_COMM_WORLD), "MPI_Allgather");
    Layout layout(sizes, "all-gather");
    Check(MPI_Allgatherv(mine.data(), layout.counts[static_cast<size_t>(rank_)], MPI_BYTE, layout.all.data(),
                         layout.counts.data(), layout.offsets.data(), MPI_BYTE, MPI_COMM_WORLD),
          "MPI_Allgatherv");
    return layout.Split();
  }

  std::vector<std::string> Gather(const std::string& mine, int root) override {
    Waiting waiting(*this, "a gather");
    uint64_t my_size = mine.size();
    bytes_sent_ += sizeof my_size + my_size;
    const bool am_root = rank_ == root;
    std::vector<uint64_t> sizes(am_root ? static_cast<size_t>(size_) : 0);
    Check(MPI_Gather(&my_size, 1, MPI_UINT64_T, sizes.data(), 1, MPI_UINT64_T, root, MPI_COMM_WORLD), "MPI_Gather");
    Layout layout(sizes, "gather");
    Check(MPI_Gatherv(mine.data(), Count(my_size, "gather"), MPI_BYTE, layout.all.data(), layout.counts.data(),
                      layout.offsets.data(), MPI_BYTE, root, MPI_COMM_WORLD),
          "MPI_Gatherv");
    return layout.Split();
  }

  void SumInPlace(float* values, size_t count) override { Sum(values, count, MPI_FLOAT); }
  void SumInPlace(double* values, size_t count) override { Sum(values, count, MPI_DOUBLE); }

  std::string Broadcast(const std::string& bytes, int root) override {
    Waiting waiting(*this, "a broadcast");
    uint64_t length = bytes.size();
    Check(MPI_Bcast(&length, 1, MPI_UINT64_T, root, MPI_COMM_WORLD), "MPI_Bcast");
    if (rank_ == root) bytes_sent_ += sizeof length + length;
    std::string out = rank_ == root ? bytes : std::string(length, '\0');
    Check(MPI_Bcast(out.data(), Count(length, "broadcast"), MPI_BYTE, root, MPI_COMM_WORLD), "MPI_Bcast");
    return out;
  }

  void Send(const std::string& bytes, int to) override {
    bytes_sent_ += bytes.size();
    Check(MPI_Send(bytes.data(), Count(bytes.size(), "send"), MPI_BYTE, to, kPointToPointTag, MPI_COMM_WORLD), "MPI_Send");
  }

  std::pair<int, std::string> Receive(int from) override {
    MPI_Status status;
    Check(MPI_Probe(from < 0 ? MPI_ANY_SOURCE : from, kPointToPointTag, MPI_COMM_WORLD, &status), "MPI_Probe");
    int count = 0;
    Check(MPI_Get_count(&status, MPI_BYTE, &count), "MPI_Get_count");
    std::string bytes(static_cast<size_t>(count), '\0');
    Check(MPI_Recv(bytes.data(), count, MPI_BYTE, status.MPI_SOURCE, kPointToPointTag, MPI_COMM_WORLD, MPI_STATUS_IGNORE),
          "MPI_Recv");
    return {status.MPI_SOURCE, std::move(bytes)};
  }

  std::optional<std::pair<int, std::string>> Poll(int from) override {
    int flag = 0;
    MPI_Status status;
    Check(MPI_Iprobe(from < 0 ? MPI_ANY_SOURCE : from, kPointToPointTag, MPI_COMM_WORLD, &flag, &status), "MPI_Iprobe");
    if (!flag) return std::nullopt;
    return Receive(status.MPI_SOURCE);
  }

  void RankLost(int) override { lost_rank_ = true; }

  void BeginWait(const char* what) override {
    std::lock_guard<std::mutex> lock(mutex_);
    waiting_for_ = what;
    since_ = std::chrono::steady_clock::now();
  }

  void EndWait() override {
    std::lock_guard<std::mutex> lock(mutex_);
    waiting_for_ = nullptr;
  }

  void Barrier() override {
    Waiting waiting(*this, "a barrier");
    Check(MPI_Barrier(MPI_COMM_WORLD), "MPI_Barrier");
  }

  void Finalize() override {
    if (lost_rank_) {
      // MPI_Finalize would wait for the lost rank; the process ends without it.
      StopWatchdog();
      WriteBytesSent();
      return;
    }
    {
      Waiting waiting(*this, "the job's end");
      Check(MPI_Barrier(MPI_COMM_WORLD), "MPI_Barrier");
    }
    StopWatchdog();
    Check(MPI_Finalize(), "MPI_Finalize");
    WriteBytesSent();
  }

 private:
  void WriteBytesSent() const {
    if (const char* path = std::getenv("SLUICE_MPI_BYTES"); path && *path) {
      if (FILE* file = std::fopen((std::string(path) + "." + std::to_string(rank_)).c_str(), "w")) {
        std::fprintf(file, "%llu\n", static_cast<unsigned long long>(bytes_sent_));
        std::fclose(file);
      }
    }
  }

  // A reduce to rank 0 and a broadcast, not MPI_Allreduce: an allreduce
  // may add in a different order on each rank (recursive doubling), and
  // ranks whose sums differ in the last bit drift apart step by step.
  template <typename T>
  void Sum(T* values, size_t count, MPI_Datatype type) {
    Waiting waiting(*this, "a sum");
    const int n = Count(count * sizeof(T), "sum") > 0 ? static_cast<int>(count) : 0;
    bytes_sent_ += count * sizeof(T);
    std::vector<T> total(rank_ == 0 ? count : 0);
    Check(MPI_Reduce(values, total.data(), n, type, MPI_SUM, 0, MPI_COMM_WORLD), "MPI_Reduce");
    if (rank_ == 0) std::copy(total.begin(), total.end(), values);
    Check(MPI_Bcast(values, n, type, 0, MPI_COMM_WORLD), "MPI_Bcast");
  }

  // Marks a collective in progress for the watchdog.
  class Waiting {
   public:
    Waiting(MpiCommunicator& owner, const char* what) : owner_(owner) {
      std::lock_guard<std::mutex> lock(owner_.mutex_);
      owner_.waiting_for_ = what;
      owner_.since_ = std::chrono::steady_clock::now();
    }
    ~Waiting() {
      std::lock_guard<std::mutex> lock(owner_.mutex_);
      owner_.waiting_for_ = nullptr;
    }

   private:
    MpiCommunicator& owner_;
  };

  void Watch() {
    std::unique_lock<std::mutex> lock(mutex_);
    while (!stop_) {
      wake_.wait_for(lock, std::chrono::milliseconds(250));
      if (stop_ || !waiting_for_) continue;
      const double waited = std::chrono::duration<double>(std::chrono::steady_clock::now() - since_).count();
      if (waited < timeout_seconds_) continue;
      std::fprintf(stderr,
                   "sluice: error: rank %d (%s) waited %.0f s for the other ranks in %s (SLUICE_MPI_TIMEOUT): "
                   "a rank is gone or hung; ending the job\n",
                   rank_, host_.c_str(), waited, waiting_for_);
      std::fflush(stderr);
      // Not MPI_Abort: it may itself wait on the hung rank. mpirun ends
      // every rank when one exits without MPI_Finalize.
      ::_exit(1);
    }
  }

  void StopWatchdog() {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      stop_ = true;
    }
    wake_.notify_all();
    if (watchdog_.joinable()) watchdog_.join();
  }

  int rank_ = 0, size_ = 1;
  uint64_t bytes_sent_ = 0;
  std::string host_;
  double timeout_seconds_ = 600;
  std::mutex mutex_;
  std::condition_variable wake_;
  const char* waiting_for_ = nullptr;
  std::chrono::steady_clock::time_point since_;
  bool stop_ = false;
  bool lost_rank_ = false;
  std::thread watchdog_;
};

}  // namespace
}  // namespace sluice

extern "C" __attribute__((visibility("default"))) sluice::Communicator* SluiceMpiCommunicator(int* argc, char*** argv,
                                                                                            int launch_rank) {
  return new sluice::MpiCommunicator(argc, argv, launch_rank);
}
