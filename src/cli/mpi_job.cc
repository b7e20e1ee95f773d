#include "cli/mpi_job.h"

#include "cluster/communicator.h"
#include "cluster/job_agreement.h"
#include "common/error.h"
#include "common/hash.h"
#include "common/log.h"
#include "sluice_version.h"

namespace sluice {

void JoinRanks(const std::string& plan, const std::string& command, const std::string& not_across_ranks) {
  Communicator& job = Job();
  if (job.size() == 1) return;
  // Named from the first line on, the agreement check's own errors included.
  if (job.rank() > 0) SetLogLinePrefix(std::string(1, '[').append(RankName(job.rank(), HostName())).append("] "));
  char hash[17];
  std::snprintf(hash, sizeof hash, "%016llx", static_cast<unsigned long long>(Hash64(plan)));
  const std::vector<std::string> hosts = CheckRanksAgree(job, SLUICE_VERSION, hash);
  SetLogContext("rank", std::to_string(job.rank()));
  SetLogContext("host", hosts[static_cast<size_t>(job.rank())]);
  if (!not_across_ranks.empty()) {
    ThrowUsage("`sluice " + command + "`: " + not_across_ranks + " does not run across MPI ranks yet (docs/distributed.md); " +
               "start it without mpirun, or with -n 1");
  }
  if (job.rank() == 0) LogInfo(command + ": " + std::to_string(job.size()) + " ranks on " + [&] {
    std::string list;
    for (size_t r = 0; r < hosts.size(); ++r) {
      if (r > 0 && hosts[r] == hosts[r - 1]) continue;
      list += (list.empty() ? "" : ", ") + hosts[r];
    }
    return list;
  }());
}

}  // namespace sluice
