#include "common/output_guard.h"

#include <cstdlib>
#include <filesystem>
#include <vector>

#include "common/error.h"
#include "common/state_directory.h"

namespace sluice {

namespace fs = std::filesystem;

namespace {

// Absolute, symbolic links resolved as far as the path exists, no trailing slash.
fs::path Resolved(const std::string& path) {
  std::error_code ec;
  fs::path resolved = fs::weakly_canonical(fs::absolute(path), ec);
  if (ec) resolved = fs::absolute(path).lexically_normal();
  if (resolved.has_relative_path() && resolved.filename().empty()) resolved = resolved.parent_path();
  return resolved;
}

// True when `above` is `below` or a folder that contains it.
bool IsSameOrAbove(const fs::path& above, const fs::path& below) {
  auto b = below.begin();
  for (auto a = above.begin(); a != above.end(); ++a, ++b) {
    if (b == below.end() || *a != *b) return false;
  }
  return true;
}

// A name sluice gives a file while it writes one: NAME.tmp-PID,
// NAME.staging-PID, NAME.old-PID.
bool IsStagingLeftover(const std::string& name) {
  for (const char* marker : {".tmp-", ".staging-", ".old-"}) {
    if (name.find(marker) != std::string::npos) return true;
  }
  return false;
}

// What a directory holds, for a message: the first few names, folders with a '/'.
std::string Listing(const fs::path& dir) {
  std::vector<std::string> names;
  size_t total = 0;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    if (++total > 5) continue;
    names.push_back(entry.path().filename().string() + (entry.is_directory(ec) ? "/" : ""));
  }
  std::string out;
  for (const auto& name : names) out += (out.empty() ? "" : ", ") + name;
  if (total > names.size()) out += " and " + std::to_string(total - names.size()) + " more";
  return out;
}

bool IsEmptyDirectory(const fs::path& dir) {
  std::error_code ec;
  return fs::is_empty(dir, ec) && !ec;
}

bool IsDatasetFolder(const fs::path& dir, int depth) {
  if (depth > 32) return false;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    const std::string name = entry.path().filename().string();
    if (entry.is_symlink(ec)) return false;
    if (entry.is_directory(ec)) {
      if (name.find('=') == std::string::npos || !IsDatasetFolder(entry.path(), depth + 1)) return false;
    } else if (!entry.is_regular_file(ec) ||
               !((name.rfind("part-", 0) == 0 && name.size() > 13 && name.ends_with(".parquet")) ||
                 IsStagingLeftover(name))) {
      return false;
    }
  }
  return !ec;
}

bool IsPreparedData(const fs::path& dir) {
  static const std::vector<std::string> kFiles = {"prep.json", "manifest.json", "rejects.csv"};
  static const std::vector<std::string> kDatasets = {"train", "valid", "test"};
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    const std::string name = entry.path().filename().string();
    bool known = false;
    for (const auto& file : kFiles) {
      if (name == file) known = entry.is_regular_file(ec);
      if (name.rfind(file + ".tmp-", 0) == 0) known = true;
    }
    for (const auto& dataset : kDatasets) {
      if (name == dataset) known = entry.is_directory(ec) && !entry.is_symlink(ec) && IsSluiceDataset(entry.path());
      if (name.rfind(dataset + ".staging-", 0) == 0 || name.rfind(dataset + ".old-", 0) == 0) known = true;
    }
    if (!known) return false;
  }
  return !ec;
}

bool IsModelDirectory(const fs::path& dir) {
  std::error_code ec;
  return fs::is_regular_file(dir / "sluice-model.json", ec);
}

// A text job with several learners writes one model directory per learner.
bool IsDirectoryOfModels(const fs::path& dir) {
  std::error_code ec;
  bool any = false;
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    if (entry.is_symlink(ec) || !entry.is_directory(ec) || !IsModelDirectory(entry.path())) return false;
    any = true;
  }
  return any && !ec;
}

[[noreturn]] void Refuse(const std::string& what, const std::string& path, const std::string& why) {
  ThrowUsage(what + " " + path + ": " + why);
}

}  // namespace

bool IsSluiceDataset(const std::string& dir) { return IsDatasetFolder(dir, 0); }

void CheckOutputPath(const std::string& path, OutputKind kind, const std::string& what) {
  if (path.empty()) ThrowUsage(what + ": no path given");
  const fs::path target = Resolved(path);
  std::error_code ec;
  struct Protected {
    std::string name;
    fs::path path;
  };
  std::vector<Protected> protected_paths = {{"the working directory", Resolved(".")},
                                            {"sluice's state directory", Resolved(StateDirectory())}};
  if (const char* home = std::getenv("HOME"); home && *home) protected_paths.push_back({"the home directory", Resolved(home)});
  for (const auto& kept : protected_paths) {
    if (target == kept.path) {
      Refuse(what, path, "is " + kept.name + " (" + kept.path.string() + "); sluice never writes an output over it");
    }
    if (IsSameOrAbove(target, kept.path)) {
      Refuse(what, path, "holds " + kept.name + " (" + kept.path.string() + "); sluice never writes an output over it");
    }
  }
  const fs::file_status status = fs::symlink_status(target, ec);
  if (!fs::exists(status)) return;
  const bool directory = fs::is_directory(status);
  if (kind == OutputKind::kFile) {
    if (directory) Refuse(what, path, "is a directory (it holds " + Listing(target) + "); name a file");
    if (!fs::is_regular_file(status) && !fs::is_symlink(status)) {
      Refuse(what, path, "exists and is not a regular file (a device, socket or pipe); name a file");
    }
    return;
  }
  if (!directory) Refuse(what, path, "is a file, not a directory; sluice replaces only a directory it wrote");
  if (IsEmptyDirectory(target)) return;
  switch (kind) {
    case OutputKind::kArtifact:
      if (IsModelDirectory(target) || IsDirectoryOfModels(target)) return;
      Refuse(what, path,
             "is a directory that is not a sluice model (it holds " + Listing(target) +
                 "); sluice replaces only a model directory it wrote or an empty directory: remove it or name another");
    case OutputKind::kDataset:
      if (IsSluiceDataset(target.string())) return;
      Refuse(what, path,
             "is a directory that is not a dataset sluice wrote (it holds " + Listing(target) +
                 "); sluice replaces only a dataset of part-NNNNN.parquet files or an empty directory: remove it or "
                 "name another");
    case OutputKind::kPreparedData:
      if (IsPreparedData(target)) return;
      Refuse(what, path,
             "is a directory that is not a `sluice prep` output (it holds " + Listing(target) +
                 "); sluice writes prepared data only into an empty directory or over an earlier prep output: "
                 "remove it or name another");
    case OutputKind::kFile:
      break;
  }
}

}  // namespace sluice
