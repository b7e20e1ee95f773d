#pragma once
// Where a plugin of sluice's (a shared library opened with dlopen only when
// it is needed: libsluice_torch.so, libsluice_mpi.so) may be, in the order
// to try: the file the environment variable `override_variable` names,
// beside the executable, then ../lib/sluice/ from it (an installed layout).

#include <string>
#include <vector>

namespace sluice {

std::vector<std::string> PluginCandidates(const std::string& file_name, const char* override_variable);

}  // namespace sluice
