#pragma once
// What the ranks of a job write into one output: each rank writes its own
// files beside the final ones (NAME.rank-N), and rank 0 joins them in rank
// order — which is input order, as ranks read consecutive shares — once
// every rank is done. The output's directory must be on a file system every
// rank sees (a shared one across hosts). In a job of one, every function
// here is the plain single-process step.

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "cluster/communicator.h"

namespace sluice {

// Where rank `rank` writes what will become `path`: the rank before the
// extension (out.rank-1.csv), so the format still shows; a directory (ending
// in /) as dir.rank-1/. In a job of one, `path` itself.
std::string RankPath(const std::string& path, int rank);
std::string RankPath(const std::string& path, const Communicator& job);

// Which ranks wrote `part(rank)`, as each sees it: a collective, after
// which every rank's part is closed. On rank 0, a part another rank wrote
// but rank 0 cannot see throws an I/O error, rather than leave that rank's
// share out of the output: the ranks do not share the file system the
// output is on.
std::vector<bool> RanksThatWrote(const std::function<std::string(int)>& part, Communicator& job);

// The ranks' files joined into `path` by rank 0, in rank order: text files
// whose first line is a header (CSV, the rejects) keep rank 0's header
// only; others (JSON Lines) are concatenated. A rank's absent file adds
// nothing; with none, no file is made.
void JoinRankFiles(const std::string& path, bool header_line, Communicator& job);

// The ranks' datasets (directories of part files) joined into `dir` (with
// or without a final /) by rank 0: part files renamed in rank order, then
// put in place of `dir`.
void JoinRankDatasets(const std::string& dir, Communicator& job);

// The sum of every rank's `values`, element by element, on every rank.
std::vector<int64_t> SumOverRanks(const std::vector<int64_t>& values, Communicator& job);

}  // namespace sluice
