#include "common/state_directory.h"

#include <cstdlib>

namespace sluice {

std::string StateDirectory() {
  const char* dir = std::getenv("SLUICE_STATE_DIR");
  return dir && *dir ? dir : ".sluice";
}

}  // namespace sluice
