#include "cli/openmp_waits.h"

#include <unistd.h>

#include <cstdlib>

namespace sluice {

void UsePassiveOpenMpWaits(char** argv) {
  if (std::getenv("OMP_WAIT_POLICY") != nullptr) return;
  if (::setenv("OMP_WAIT_POLICY", "passive", 1) != 0) return;
  ::execv("/proc/self/exe", argv);
  // Still here: /proc is missing. Children get the policy; this process's
  // OpenMP keeps its default.
}

}  // namespace sluice
