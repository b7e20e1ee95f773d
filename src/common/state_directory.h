#pragma once
// Where sluice keeps its state (the run history, the model registry, the step
// cache): $SLUICE_STATE_DIR when set, else ".sluice" in the working directory.

#include <string>

namespace sluice {

std::string StateDirectory();

}  // namespace sluice
