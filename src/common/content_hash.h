#pragma once
// The content hash of a file or a folder: XXH3 over every regular file under
// it, in path order, each preceded by its relative name, so a renamed,
// added, removed or changed file changes the hash. The step journal and the
// step cache decide with it whether outputs are still what was recorded.

#include <string>

namespace sluice {

// Hex digest; an I/O error naming the file that cannot be read.
std::string ContentHash(const std::string& path);

}  // namespace sluice
