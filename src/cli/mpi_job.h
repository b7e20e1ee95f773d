#pragma once
// A pipeline command started by MPI (mpirun -n N sluice prep ...): the
// ranks check they agree (cluster/job_agreement.h), every rank but 0
// prefixes its log lines with its rank and host, and a command that does
// not run across ranks yet is refused before it reads anything, rather than
// run N times over the same output.

#include <string>

namespace sluice {

// `plan`: what the command will do, as text every rank must agree on (the
// resolved pipeline; a command's arguments). `not_across_ranks`: empty when
// the command runs across ranks, else what of it does not ("tuning").
void JoinRanks(const std::string& plan, const std::string& command, const std::string& not_across_ranks);

}  // namespace sluice
