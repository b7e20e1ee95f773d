#pragma once
// Leftovers of sluice processes that died while writing: PATH.staging-PID/,
// PATH.old-PID/, PATH.tmp-PID, PATH.rejects-PID, PATH.rejects-LEARNER-PID,
// PATH.predictions-PID (and their .tmp-PID), PATH.rejects.csv.tmp-PID. A kill -9 leaves them beside
// the output; the next command that writes PATH removes those whose process
// is gone and says so in the log. A process is gone when no process has its
// pid, or the one that has it started after the leftover was last written
// (the pid was reused). Nothing but these names is ever touched.

#include <string>
#include <vector>

namespace sluice {

// Removes the leftovers of dead processes beside `path`; returns what went.
std::vector<std::string> CollectLeftovers(const std::string& path);

// The pid a leftover of `path` named `name` (a file name, no folder) was
// left by, or 0 when the name is not one sluice gives its staging files.
long LeftoverOwner(const std::string& path_name, const std::string& name);

}  // namespace sluice
