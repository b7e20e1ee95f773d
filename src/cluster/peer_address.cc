#include "cluster/peer_address.h"

#include <arpa/inet.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>
#include <unistd.h>

#include <climits>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <vector>

#include "common/error.h"

namespace sluice {

namespace {

struct Interface {
  uint32_t address = 0;  // host order
  uint32_t netmask = 0;
};

std::vector<Interface> UpIpv4Interfaces() {
  std::vector<Interface> out;
  ifaddrs* list = nullptr;
  if (::getifaddrs(&list) != 0) return out;
  for (ifaddrs* entry = list; entry; entry = entry->ifa_next) {
    if (!entry->ifa_addr || entry->ifa_addr->sa_family != AF_INET || !(entry->ifa_flags & IFF_UP)) continue;
    if (entry->ifa_flags & IFF_LOOPBACK) continue;
    Interface one;
    one.address = ntohl(reinterpret_cast<const sockaddr_in*>(entry->ifa_addr)->sin_addr.s_addr);
    one.netmask = entry->ifa_netmask ? ntohl(reinterpret_cast<const sockaddr_in*>(entry->ifa_netmask)->sin_addr.s_addr) : 0;
    out.push_back(one);
  }
  ::freeifaddrs(list);
  return out;
}

// What tells two processes that 127.0.0.1 is the same for both: the boot
// (the machine) and the network namespace.
std::string NetworkStackIdentity() {
  std::string boot;
  std::getline(std::ifstream("/proc/sys/kernel/random/boot_id"), boot);
  char target[PATH_MAX] = {0};
  const ssize_t length = ::readlink("/proc/self/ns/net", target, sizeof target - 1);
  return boot + "|" + (length > 0 ? std::string(target, static_cast<size_t>(length)) : std::string("?"));
}

std::string Dotted(uint32_t address) {
  in_addr raw{htonl(address)};
  char text[INET_ADDRSTRLEN] = {0};
  ::inet_ntop(AF_INET, &raw, text, sizeof text);
  return text;
}

// "identity\naddress address ..." (addresses as host-order integers).
std::string Describe() {
  std::string out = NetworkStackIdentity() + "\n";
  for (const auto& one : UpIpv4Interfaces()) out += std::to_string(one.address) + " ";
  return out;
}

std::string Choose(const std::vector<std::string>& ranks) {
  if (const char* forced = std::getenv("SLUICE_TRACKER_HOST"); forced && *forced) return forced;
  const std::string mine = ranks[0].substr(0, ranks[0].find('\n'));
  bool all_here = true;
  std::vector<std::vector<uint32_t>> others;
  for (size_t r = 1; r < ranks.size(); ++r) {
    const size_t newline = ranks[r].find('\n');
    all_here = all_here && ranks[r].substr(0, newline) == mine;
    std::vector<uint32_t> addresses;
    std::istringstream in(newline == std::string::npos ? std::string() : ranks[r].substr(newline + 1));
    for (uint64_t address; in >> address;) addresses.push_back(static_cast<uint32_t>(address));
    others.push_back(std::move(addresses));
  }
  if (all_here) return "127.0.0.1";
  const std::vector<Interface> own = UpIpv4Interfaces();
  if (own.empty()) {
    ThrowInputData("rank 0 (" + HostName() + ") has no IPv4 address other than loopback for the other ranks to reach; "
                   "set SLUICE_TRACKER_HOST");
  }
  // The interface whose network holds the most ranks; the first on a tie.
  size_t best = 0;
  int best_reached = -1;
  for (size_t i = 0; i < own.size(); ++i) {
    int reached = 0;
    for (const auto& addresses : others) {
      for (uint32_t address : addresses) {
        if ((address & own[i].netmask) == (own[i].address & own[i].netmask)) {
          ++reached;
          break;
        }
      }
    }
    if (reached > best_reached) {
      best = i;
      best_reached = reached;
    }
  }
  return Dotted(own[best].address);
}

}  // namespace

std::string PeerAddressOfRankZero(Communicator& job) {
  if (job.size() == 1) return "127.0.0.1";
  const std::vector<std::string> ranks = job.AllGather(Describe());
  // Rank 0's failure goes to every rank (a leading '!'), so none waits on it.
  std::string chosen;
  if (job.rank() == 0) {
    try {
      chosen = Choose(ranks);
    } catch (const Error& error) {
      chosen = std::string("!") + error.what();
    }
  }
  chosen = job.Broadcast(chosen, 0);
  if (!chosen.empty() && chosen[0] == '!') ThrowInputData(chosen.substr(1));
  return chosen;
}

}  // namespace sluice
