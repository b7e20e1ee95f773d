#include "train/checkpoint_store.h"

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <vector>

#include "common/atomic_file.h"
#include "common/error.h"
#include "common/hash.h"

namespace sluice {

namespace {

namespace fs = std::filesystem;
constexpr std::string_view kMagic = "sluice-checkpoint 1\n";

// The checkpoint files of `dir`, newest (most progress) first.
std::vector<std::pair<int64_t, std::string>> CheckpointFiles(const std::string& dir) {
  std::vector<std::pair<int64_t, std::string>> files;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    const std::string name = entry.path().filename().string();
    long long progress = 0;
    int consumed = 0;
    if (std::sscanf(name.c_str(), "checkpoint-%lld.bin%n", &progress, &consumed) == 1 &&
        static_cast<size_t>(consumed) == name.size()) {
      files.push_back({progress, entry.path().string()});
    }
  }
  std::sort(files.begin(), files.end(), [](const auto& a, const auto& b) { return a.first > b.first; });
  return files;
}

std::string Hex(uint64_t value) {
  char buffer[17];
  std::snprintf(buffer, sizeof buffer, "%016llx", static_cast<unsigned long long>(value));
  return buffer;
}

}  // namespace

CheckpointStore::CheckpointStore(std::string dir, std::string key, int keep)
    : dir_(std::move(dir)), key_(std::move(key)), keep_(std::max(1, keep)) {}

std::optional<CheckpointStore::Checkpoint> CheckpointStore::Latest(int* skipped) const {
  return Newest(INT64_MAX, skipped);
}

std::optional<CheckpointStore::Checkpoint> CheckpointStore::LatestAtMost(int64_t progress) const {
  return Newest(progress, nullptr);
}

std::optional<CheckpointStore::Checkpoint> CheckpointStore::Newest(int64_t at_most, int* skipped) const {
  if (skipped) *skipped = 0;
  for (const auto& [progress, path] : CheckpointFiles(dir_)) {
    if (progress > at_most) continue;
    std::string content;
    try {
      content = ReadFileToString(path);
    } catch (const Error&) {
      if (skipped) ++*skipped;
      continue;
    }
    const size_t header_end = content.find('\n', kMagic.size());
    bool usable = content.compare(0, kMagic.size(), kMagic) == 0 && header_end != std::string::npos;
    nlohmann::json header;
    if (usable) {
      header = nlohmann::json::parse(content.begin() + static_cast<ptrdiff_t>(kMagic.size()),
                                     content.begin() + static_cast<ptrdiff_t>(header_end), nullptr, false);
      usable = header.is_object() && header.value("key", "") == key_ && header.value("progress", int64_t{-1}) == progress;
    }
    if (usable) {
      std::string model = content.substr(header_end + 1);
      usable = header.value("model_bytes", uint64_t{0}) == model.size() && header.value("model_xxh3", "") == Hex(Hash64(model));
      if (usable) return Checkpoint{progress, header["state"], std::move(model), path};
    }
    if (skipped) ++*skipped;
  }
  return std::nullopt;
}

void CheckpointStore::Write(int64_t progress, const nlohmann::json& state, std::string_view model) const {
  std::error_code ec;
  fs::create_directories(dir_, ec);
  if (ec) ThrowIo("cannot create " + dir_ + ": " + ec.message());
  nlohmann::json header = {{"key", key_},
                           {"progress", progress},
                           {"state", state},
                           {"model_bytes", model.size()},
                           {"model_xxh3", Hex(Hash64(model))}};
  std::string content(kMagic);
  content += header.dump();
  content += '\n';
  content += model;
  char name[48];
  std::snprintf(name, sizeof name, "checkpoint-%06lld.bin", static_cast<long long>(progress));
  WriteFileAtomically((fs::path(dir_) / name).string(), content);
  auto files = CheckpointFiles(dir_);
  for (size_t i = static_cast<size_t>(keep_); i < files.size(); ++i) fs::remove(files[i].second, ec);
}

void CheckpointStore::Clear() const {
  std::error_code ec;
  fs::remove_all(dir_, ec);
}

}  // namespace sluice
