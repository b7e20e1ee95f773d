#include "cluster/communicator.h"

#include <dlfcn.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <memory>

#include "common/error.h"
#include "common/plugin_path.h"

namespace sluice {

namespace {

// A job of one: every collective is the identity.
class SingleProcess final : public Communicator {
 public:
  int rank() const override { return 0; }
  int size() const override { return 1; }
  std::vector<std::string> AllGather(const std::string& mine) override { return {mine}; }
  std::vector<std::string> Gather(const std::string& mine, int) override { return {mine}; }
  void SumInPlace(float*, size_t) override {}
  void SumInPlace(double*, size_t) override {}
  std::string Broadcast(const std::string& bytes, int) override { return bytes; }
  void Barrier() override {}
  void Send(const std::string&, int to) override { ThrowInternal("a job of one rank sends to rank " + std::to_string(to)); }
  std::pair<int, std::string> Receive(int from) override {
    ThrowInternal("a job of one rank receives from rank " + std::to_string(from));
  }
  std::optional<std::pair<int, std::string>> Poll(int from) override {
    ThrowInternal("a job of one rank polls rank " + std::to_string(from));
  }
  void RankLost(int) override {}
  void BeginWait(const char*) override {}
  void EndWait() override {}
  void Finalize() override {}
};

// The plugin's communicator, its failures (std::exception) turned into
// sluice's I/O errors that name this rank.
class PluginCommunicator final : public Communicator {
 public:
  explicit PluginCommunicator(Communicator* inner) : inner_(inner), name_(RankName(inner->rank(), HostName())) {}
  int rank() const override { return inner_->rank(); }
  int size() const override { return inner_->size(); }
  std::vector<std::string> AllGather(const std::string& mine) override {
    return Checked([&] { return inner_->AllGather(mine); });
  }
  std::vector<std::string> Gather(const std::string& mine, int root) override {
    return Checked([&] { return inner_->Gather(mine, root); });
  }
  void SumInPlace(float* values, size_t count) override {
    Checked([&] {
      inner_->SumInPlace(values, count);
      return 0;
    });
  }
  void SumInPlace(double* values, size_t count) override {
    Checked([&] {
      inner_->SumInPlace(values, count);
      return 0;
    });
  }
  std::string Broadcast(const std::string& bytes, int root) override {
    return Checked([&] { return inner_->Broadcast(bytes, root); });
  }
  void Barrier() override {
    Checked([&] {
      inner_->Barrier();
      return 0;
    });
  }
  void Send(const std::string& bytes, int to) override {
    Checked([&] {
      inner_->Send(bytes, to);
      return 0;
    });
  }
  std::pair<int, std::string> Receive(int from) override {
    return Checked([&] { return inner_->Receive(from); });
  }
  std::optional<std::pair<int, std::string>> Poll(int from) override {
    return Checked([&] { return inner_->Poll(from); });
  }
  void RankLost(int rank) override { inner_->RankLost(rank); }
  void BeginWait(const char* what) override { inner_->BeginWait(what); }
  void EndWait() override { inner_->EndWait(); }
  void Finalize() override {
    Checked([&] {
      inner_->Finalize();
      return 0;
    });
  }

 private:
  template <typename F>
  auto Checked(F call) -> decltype(call()) {
    try {
      return call();
    } catch (const std::exception& error) {
      // Most often another rank failed first, and mpirun names it.
      ThrowIo(name_ + ": MPI: " + error.what() + " (did another rank fail or stop?)");
    }
  }

  std::unique_ptr<Communicator> inner_;
  std::string name_;
};

std::unique_ptr<Communicator>& JobSlot() {
  static std::unique_ptr<Communicator> job;
  return job;
}

int EnvInt(const char* name, int fallback) {
  const char* value = std::getenv(name);
  if (!value || !*value) return fallback;
  char* end = nullptr;
  long parsed = std::strtol(value, &end, 10);
  return *end == '\0' && parsed >= 0 && parsed < (1 << 24) ? static_cast<int>(parsed) : fallback;
}

}  // namespace

MpiLaunch DetectMpiLaunch() {
  MpiLaunch launch;
  // OpenMPI's mpirun, then PMIx (srun --mpi=pmix, prterun), then PMI (MPICH's hydra, srun --mpi=pmi2).
  const std::pair<const char*, const char*> launchers[] = {
      {"OMPI_COMM_WORLD_RANK", "OMPI_COMM_WORLD_SIZE"}, {"PMIX_RANK", "PMIX_SIZE"}, {"PMI_RANK", "PMI_SIZE"}};
  for (const auto& [rank, size] : launchers) {
    if (!std::getenv(rank)) continue;
    launch.launched = true;
    launch.rank = EnvInt(rank, 0);
    launch.size = std::max(1, EnvInt(size, 1));
    // PMIx does not always export the size; OpenMPI's variable then says it.
    if (!std::getenv(size)) launch.size = std::max(1, EnvInt("OMPI_COMM_WORLD_SIZE", EnvInt("SLURM_NTASKS", 1)));
    return launch;
  }
  return launch;
}

void StartJob(int* argc, char*** argv) {
  if (JobSlot()) return;
  const MpiLaunch launch = DetectMpiLaunch();
  if (!launch.launched || launch.size <= 1) {
    JobSlot() = std::make_unique<SingleProcess>();
    return;
  }
  std::string tried;
  for (const auto& path : PluginCandidates("libsluice_mpi.so", "SLUICE_MPI_PLUGIN")) {
    if (!std::filesystem::exists(path)) {
      tried += (tried.empty() ? "" : ", ") + path;
      continue;
    }
    // RTLD_GLOBAL: OpenMPI opens its own components with dlopen and needs libmpi's symbols visible.
    void* handle = ::dlopen(path.c_str(), RTLD_NOW | RTLD_GLOBAL);
    if (!handle) ThrowUsage("launched by MPI (rank " + std::to_string(launch.rank) + " of " + std::to_string(launch.size) +
                            ") but cannot open " + path + ": " + ::dlerror());
    using Entry = Communicator* (*)(int*, char***, int);
    auto entry = reinterpret_cast<Entry>(::dlsym(handle, "SluiceMpiCommunicator"));
    if (!entry) ThrowUsage(path + " is not sluice's MPI plugin (no SluiceMpiCommunicator)");
    Communicator* communicator = nullptr;
    try {
      communicator = entry(argc, argv, launch.rank);
    } catch (const std::exception& error) {
      ThrowIo("rank " + std::to_string(launch.rank) + " (" + HostName() + "): MPI could not start: " + error.what());
    }
    JobSlot() = std::make_unique<PluginCommunicator>(communicator);
    return;
  }
  ThrowUsage("launched by MPI (rank " + std::to_string(launch.rank) + " of " + std::to_string(launch.size) +
             ") but sluice's MPI plugin, libsluice_mpi.so (built beside sluice), is not there; looked in " + tried);
}

Communicator& Job() {
  if (!JobSlot()) JobSlot() = std::make_unique<SingleProcess>();
  return *JobSlot();
}

Communicator& SingleProcessJob() {
  static SingleProcess alone;
  return alone;
}

std::string HostName() {
  char name[256] = {0};
  if (::gethostname(name, sizeof name - 1) != 0) return "unknown host";
  return name;
}

std::string RankName(int rank, const std::string& host) { return "rank " + std::to_string(rank) + " (" + host + ")"; }

}  // namespace sluice
