#include "artifact/artifact_directory.h"

#include <unistd.h>

#include <filesystem>

#include "artifact/described_files.h"
#include "common/atomic_file.h"
#include "common/error.h"
#include "common/file_system.h"
#include "common/leftover_files.h"
#include "common/output_guard.h"
#include "sluice_version.h"

namespace sluice {

namespace fs = std::filesystem;


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
    manifest["files"] = DescribeFiles(staged, "sluice-model.json");
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
  VerifyDescribedFiles(dir, manifest, "sluice-model.json", "model");
}

void VerifyArtifactFiles(const std::string& dir) { VerifyArtifactFiles(dir, ReadArtifactManifest(dir)); }

}  // namespace sluice
