#pragma once
// Before any rank reads a row: every rank of a job runs the same sluice on
// the same resolved pipeline, or none starts. A rank started from another
// build, or with another file or --set, would otherwise compute something
// else and the job would hang or merge nonsense.

#include <string>
#include <vector>

#include "cluster/communicator.h"

namespace sluice {

// Compares every rank's version and `plan_hash` (the resolved pipeline's)
// with rank 0's; throws a usage error naming the first rank that differs,
// the same on every rank. Returns each rank's host name, in rank order.
std::vector<std::string> CheckRanksAgree(Communicator& job, const std::string& version, const std::string& plan_hash);

}  // namespace sluice
