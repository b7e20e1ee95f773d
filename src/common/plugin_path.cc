#include "common/plugin_path.h"

#include <cstdlib>
#include <filesystem>

namespace sluice {

std::vector<std::string> PluginCandidates(const std::string& file_name, const char* override_variable) {
  std::vector<std::string> out;
  if (const char* path = std::getenv(override_variable); path && *path) out.push_back(path);
  std::error_code ec;
  std::filesystem::path exe = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (!ec) {
    out.push_back((exe.parent_path() / file_name).string());
    out.push_back((exe.parent_path() / ".." / "lib" / "sluice" / file_name).lexically_normal().string());
  }
  return out;
}

}  // namespace sluice
