#include "common/content_hash.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <vector>

#include "common/error.h"
#include "common/hash.h"

namespace sluice {

namespace fs = std::filesystem;

std::string ContentHash(const std::string& path) {
  std::vector<fs::path> files;
  if (fs::is_directory(path)) {
    for (const auto& entry : fs::recursive_directory_iterator(path)) {
      if (entry.is_regular_file()) files.push_back(entry.path());
    }
    std::sort(files.begin(), files.end());
  } else {
    files.push_back(path);
  }
  StreamingHash hash;
  std::vector<char> buffer(1 << 20);
  for (const auto& file : files) {
    std::string name = fs::relative(file, path).generic_string();
    hash.Update(name.data(), name.size() + 1);  // the terminating zero parts name from content
    std::ifstream in(file, std::ios::binary);
    if (!in) ThrowIo("cannot read " + file.string());
    while (in) {
      in.read(buffer.data(), static_cast<std::streamsize>(buffer.size()));
      hash.Update(buffer.data(), static_cast<size_t>(in.gcount()));
    }
  }
  return ToHex64(hash.Digest());
}

}  // namespace sluice
