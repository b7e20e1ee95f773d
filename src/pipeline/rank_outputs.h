#pragma once
// What the ranks of a job write into one output: each rank writes its own
// files beside the final ones (NAME.rank-N), and rank 0 joins them in rank
// order — which is input order, as ranks read consecutive shares — once
// every rank is done. The output's directory must be on a file system every
// rank sees (a shared one across hosts). In a job of one, every function
// here is the plain single-process step.

#include <cstdint>
#include <string>
#include <vector>

#include "cluster/communicator.h"

namespace sluice {

// Where this rank writes what will become `path`.
std::string RankPath(const std::string& path, const Communicator& job);

// The ranks' reject files (CSV with a header line, or absent) joined into
// `path` by rank 0: one header, rows in rank order.
void JoinRankRejects(const std::string& path, Communicator& job);

// The ranks' datasets (directories of part files) joined into `dir` by rank
// 0: part files renamed in rank order, then put in place of `dir`.
void JoinRankDatasets(const std::string& dir, Communicator& job);

// The sum of every rank's `values`, element by element, on every rank.
std::vector<int64_t> SumOverRanks(const std::vector<int64_t>& values, Communicator& job);

}  // namespace sluice
