#pragma once
// Where rank 0 listens for a service of its own that the other ranks must
// reach (XGBoost's rabit tracker): an address decided by rank 0 from what
// every rank says of its network, and known to every rank.

#include <string>

#include "cluster/communicator.h"

namespace sluice {

// A collective: every rank calls it and gets the same IPv4 address of rank
// 0's. SLUICE_TRACKER_HOST (set on rank 0) chooses it outright; else
// 127.0.0.1 when every rank shares rank 0's network stack (one machine,
// one network namespace); else rank 0's address on the network that holds
// an address of the most other ranks (by each interface's netmask). Throws
// an input-data error when rank 0 has no address other ranks could use.
std::string PeerAddressOfRankZero(Communicator& job);

}  // namespace sluice
