#include "cluster/job_agreement.h"

#include "common/error.h"

namespace sluice {

std::vector<std::string> CheckRanksAgree(Communicator& job, const std::string& version, const std::string& plan_hash) {
  // version \n plan hash \n host: none of them holds a newline.
  const std::vector<std::string> all = job.AllGather(version + "\n" + plan_hash + "\n" + HostName());
  struct Rank {
    std::string version, plan_hash, host;
  };
  std::vector<Rank> ranks;
  for (const auto& text : all) {
    const size_t first = text.find('\n'), second = text.find('\n', first + 1);
    if (first == std::string::npos || second == std::string::npos) {
      ThrowUsage("rank " + std::to_string(ranks.size()) + " did not say which sluice it runs (another program?)");
    }
    ranks.push_back({text.substr(0, first), text.substr(first + 1, second - first - 1), text.substr(second + 1)});
  }
  const Rank& root = ranks[0];
  for (size_t r = 1; r < ranks.size(); ++r) {
    const std::string name = RankName(static_cast<int>(r), ranks[r].host);
    if (ranks[r].version != root.version) {
      ThrowUsage(name + " runs sluice " + ranks[r].version + " where " + RankName(0, root.host) + " runs " +
                 root.version + ": install the same sluice on every host");
    }
    if (ranks[r].plan_hash != root.plan_hash) {
      ThrowUsage(name + " resolved another pipeline than " + RankName(0, root.host) + " (" + ranks[r].plan_hash +
                 " against " + root.plan_hash + "): give every rank the same file, --set and environment");
    }
  }
  std::vector<std::string> hosts;
  for (const auto& rank : ranks) hosts.push_back(rank.host);
  return hosts;
}

}  // namespace sluice
