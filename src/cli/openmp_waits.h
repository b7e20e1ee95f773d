#pragma once
// OpenMP's threads (XGBoost's, LibTorch's) spin while they wait for work by
// default. On a machine with anything else running, the spinning threads
// take the cores the working ones need: XGBoost training ran 6-8x slower on
// 2 busy cores (issue 17). libgomp reads OMP_WAIT_POLICY once, while the
// program loads, before main: so when the user has not set it, sluice sets
// it to "passive" and executes itself again (same pid, same arguments).

namespace sluice {

// Returns when OMP_WAIT_POLICY was already set (by the user, or by the
// execution this one replaced), or when the re-execution failed.
void UsePassiveOpenMpWaits(char** argv);

}  // namespace sluice
