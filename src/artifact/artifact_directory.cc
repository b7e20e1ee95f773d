#include "artifact/artifact_directory.h"

#include <unistd.h>

#include <filesystem>

#include "common/atomic_file.h"
#include "common/content_hash.h"
#include "common/error.h"
#include "common/file_system.h"
#include "common/leftover_files.h"
#include "common/output_guard.h"
#include "sluice_version.h"

namespace sluice {

namespace fs = std::filesystem;

namespace {

// Every file under a staged model but the manifest: its size and content hash.
nlohmann::json DescribeFiles(const fs::path& dir) {
  nlohmann::json files = nlohmann::json::object();
  for (const auto& entry : fs::recursive_directory_iterator(dir)) {
    if (!entry.is_regular_file()) continue;
    const std::string name = fs::relative(entry.path(), dir).generic_string();
    if (name == "sluice-model.json") continue;
    files[name] = {{"bytes", entry.file_size()}, {"content_hash", ContentHash(entry.path().string())}};
  }
  return files;
}

}  // namespace

void SaveArtifactDirectory(const std::string& dir, nlohmann::json manifest, const nlohmann::json& metrics,
                           const std::vector<std::pair<std::string, std::string>>& extra_files,
                           const std::function<void(const std::string&, nlohmann::json&)>& write_model) {
  CheckOutputPath(dir, OutputKind::kArtifact);
  fs::path final_dir = fs::absolute(dir).lexically_normal();
  if (final_dir.filename().empty()) final_dir = final_dir.parent_path();
  std::error_code ec;
  fs::create_directories(final_dir.parent_path(), ec);
  CollectLeftovers(final_dir.string());
  std::string staged = final_dir.string() + ".staging-" + std::to_string(::getpid());
  FileSystem& file_system = FileSystem::Default();
  file_system.RemoveAll(staged);
  file_system.CreateDirectories(staged);
  try {
    manifest["format_version"] = kArtifactFormatVersion;
    manifest["sluice_version"] = SLUICE_VERSION;
    write_model(staged, manifest);
    manifest["metrics"] = metrics;
    WriteFileAtomically(staged + "/metrics.json", metrics.dump(2) + "\n");
    for (const auto& [name, path] : extra_files) file_system.Rename(path, staged + "/" + name);
    // The manifest last, describing every other file.
    manifest["files"] = DescribeFiles(staged);
    WriteFileAtomically(staged + "/sluice-model.json", manifest.dump(2) + "\n");
    ReplaceDirectory(staged, final_dir.string());
  } catch (...) {
    file_system.RemoveAll(staged);
    throw;
  }
}

nlohmann::json ReadArtifactManifest(const std::string& dir) {
  std::string path = dir + "/sluice-model.json";
  if (!fs::exists(path)) ThrowUsage(dir + ": not a sluice model (no sluice-model.json)");
  try {
    return nlohmann::json::parse(ReadFileToString(path));
  } catch (const nlohmann::json::exception& error) {
    ThrowInputData(path + ": " + error.what());
  }
}

void VerifyArtifactFiles(const std::string& dir, const nlohmann::json& manifest) {
  if (!manifest.is_object() || !manifest.contains("files")) return;
  const std::string where = dir + "/sluice-model.json";
  const nlohmann::json& files = manifest["files"];
  if (!files.is_object()) ThrowInputData(where + ": \"files\" is not an object");
  for (const auto& [name, expected] : files.items()) {
    const fs::path relative(name);
    bool inside = !name.empty() && relative.is_relative();
    for (const auto& part : relative) inside = inside && part != "..";
    if (!inside) ThrowInputData(where + ": \"files\" names '" + name + "', which is not a file inside the model directory");
    if (!expected.is_object() || !expected.contains("bytes") || !expected["bytes"].is_number_unsigned() ||
        !expected.contains("content_hash") || !expected["content_hash"].is_string()) {
      ThrowInputData(where + ": \"files\": '" + name + "' lacks its bytes or content_hash");
    }
    const std::string path = dir + "/" + name;
    std::error_code ec;
    if (!fs::is_regular_file(path, ec)) continue;  // missing: the loader that needs it says so
    const uint64_t bytes = fs::file_size(path, ec);
    const uint64_t expected_bytes = expected["bytes"].get<uint64_t>();
    const std::string expected_hash = expected["content_hash"].get<std::string>();
    const std::string hash = ec || bytes != expected_bytes ? "" : ContentHash(path);
    if (ec || bytes != expected_bytes || hash != expected_hash) {
      ThrowInputData(path + ": not the file the model's manifest was written with (" + std::to_string(bytes) +
                     " bytes" + (hash.empty() ? "" : ", content hash " + hash) + "; sluice-model.json says " +
                     std::to_string(expected_bytes) + " bytes, content hash " + expected_hash +
                     "): the model was damaged or changed after it was saved, or copied while it was being replaced");
    }
  }
}

void VerifyArtifactFiles(const std::string& dir) { VerifyArtifactFiles(dir, ReadArtifactManifest(dir)); }

}  // namespace sluice
