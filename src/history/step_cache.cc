#include "history/step_cache.h"

#include <sys/stat.h>

#include <algorithm>
#include <filesystem>
#include <vector>

#include "common/content_hash.h"
#include "common/error.h"
#include "common/hash.h"

namespace sluice {

namespace fs = std::filesystem;

std::optional<CachedStep> StepCache::Find(const std::string& pipeline, const std::string& step) {
  SqliteStatement query(db_,
                        "SELECT key, outputs_hash, output, result, run_id, at FROM step_cache WHERE pipeline = ? AND step = ?");
  query.Bind(1, pipeline).Bind(2, step);
  if (!query.Step()) return std::nullopt;
  CachedStep entry;
  entry.key = query.Text(0);
  entry.outputs_hash = query.Text(1);
  entry.output = query.Text(2);
  entry.result = nlohmann::json::parse(query.Text(3), nullptr, false);
  if (entry.result.is_discarded()) entry.result = nullptr;
  entry.run_id = query.Text(4);
  entry.at = query.Real(5);
  return entry;
}

void StepCache::Store(const std::string& pipeline, const std::string& step, const CachedStep& entry) {
  SqliteStatement insert(db_,
                         "INSERT OR REPLACE INTO step_cache (pipeline, step, key, outputs_hash, output, result, run_id, at) "
                         "VALUES (?, ?, ?, ?, ?, ?, ?, ?)");
  insert.Bind(1, pipeline).Bind(2, step).Bind(3, entry.key).Bind(4, entry.outputs_hash).Bind(5, entry.output);
  insert.Bind(6, entry.result.dump()).Bind(7, entry.run_id).Bind(8, entry.at);
  insert.Run();
}

void StepCache::Forget(const std::string& pipeline, const std::string& step) {
  SqliteStatement remove(db_, "DELETE FROM step_cache WHERE pipeline = ? AND step = ?");
  remove.Bind(1, pipeline).Bind(2, step).Run();
}

std::string StepCache::FileHash(const std::string& file) {
  struct stat info{};
  if (::stat(file.c_str(), &info) != 0) ThrowIo("cannot read " + file + ": it is gone");
  const std::string path = fs::absolute(file).lexically_normal().string();
  const int64_t size = static_cast<int64_t>(info.st_size);
  const int64_t mtime_ns = static_cast<int64_t>(info.st_mtim.tv_sec) * 1000000000 + info.st_mtim.tv_nsec;
  SqliteStatement query(db_, "SELECT hash FROM file_hashes WHERE path = ? AND size = ? AND mtime_ns = ?");
  query.Bind(1, path).Bind(2, size).Bind(3, mtime_ns);
  if (query.Step()) return query.Text(0);
  query.Reset();
  std::string hash = ContentHash(file);
  SqliteStatement insert(db_, "INSERT OR REPLACE INTO file_hashes (path, size, mtime_ns, hash) VALUES (?, ?, ?, ?)");
  insert.Bind(1, path).Bind(2, size).Bind(3, mtime_ns).Bind(4, hash).Run();
  return hash;
}

std::string StepCache::TreeHash(const std::string& path) {
  if (!fs::is_directory(path)) return FileHash(path);
  std::vector<fs::path> files;
  for (const auto& entry : fs::recursive_directory_iterator(path)) {
    if (entry.is_regular_file()) files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());
  FingerprintBuilder tree;
  for (const auto& file : files) {
    tree.Add(fs::relative(file, path).generic_string());
    tree.Add(FileHash(file.string()));
  }
  return tree.Hex();
}

}  // namespace sluice
