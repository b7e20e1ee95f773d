#include "artifact/described_files.h"

#include <filesystem>

#include "common/content_hash.h"
#include "common/error.h"

namespace sluice {

namespace fs = std::filesystem;

nlohmann::json DescribeFiles(const std::string& dir, const std::string& manifest_name) {
  nlohmann::json files = nlohmann::json::object();
  for (const auto& entry : fs::recursive_directory_iterator(dir)) {
    if (!entry.is_regular_file()) continue;
    const std::string name = fs::relative(entry.path(), dir).generic_string();
    if (name == manifest_name) continue;
    files[name] = {{"bytes", entry.file_size()}, {"content_hash", ContentHash(entry.path().string())}};
  }
  return files;
}

void VerifyDescribedFiles(const std::string& dir, const nlohmann::json& manifest, const std::string& manifest_name,
                          const std::string& what) {
  if (!manifest.is_object() || !manifest.contains("files")) return;
  const std::string where = dir + "/" + manifest_name;
  const nlohmann::json& files = manifest["files"];
  if (!files.is_object()) ThrowInputData(where + ": \"files\" is not an object");
  for (const auto& [name, expected] : files.items()) {
    const fs::path relative(name);
    bool inside = !name.empty() && relative.is_relative();
    for (const auto& part : relative) inside = inside && part != "..";
    if (!inside) ThrowInputData(where + ": \"files\" names '" + name + "', which is not a file inside the " + what + " directory");
    if (!expected.is_object() || !expected.contains("bytes") || !expected["bytes"].is_number_unsigned() ||
        !expected.contains("content_hash") || !expected["content_hash"].is_string()) {
      ThrowInputData(where + ": \"files\": '" + name + "' lacks its bytes or content_hash");
    }
    const std::string path = dir + "/" + name;
    std::error_code ec;
    if (!fs::is_regular_file(path, ec)) continue;  // missing: the reader that needs it says so
    const uint64_t bytes = fs::file_size(path, ec);
    const uint64_t expected_bytes = expected["bytes"].get<uint64_t>();
    const std::string expected_hash = expected["content_hash"].get<std::string>();
    const std::string hash = ec || bytes != expected_bytes ? "" : ContentHash(path);
    if (ec || bytes != expected_bytes || hash != expected_hash) {
      ThrowInputData(path + ": not the file the " + what + "'s manifest was written with (" + std::to_string(bytes) +
                     " bytes" + (hash.empty() ? "" : ", content hash " + hash) + "; " + manifest_name + " says " +
                     std::to_string(expected_bytes) + " bytes, content hash " + expected_hash + "): the " + what +
                     " was damaged or changed after it was saved, or copied while it was being replaced");
    }
  }
}

}  // namespace sluice
