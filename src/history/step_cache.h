#pragma once
// The cache of a pipeline graph's steps, across runs: for each (pipeline,
// step) the key it last succeeded under — a hash of its definition, its
// parameters, the content of its inputs and the outputs of the steps it
// needs — and the content hash of what it wrote. A step whose key is
// unchanged and whose output still hashes as recorded is not run again.
//
// Hashing a large input on every run would cost as much as reading it, so
// file hashes are memoised by (path, size, modification time in ns): an
// unchanged file is hashed once.

#include <optional>
#include <string>

#include "history/sqlite_database.h"
#include "nlohmann/json.hpp"

namespace sluice {

struct CachedStep {
  std::string key;
  std::string outputs_hash;  // "" for a step without an output
  std::string output;        // absolute path, "" when none
  nlohmann::json result;     // what the step reported (a train step's run summary...)
  std::string run_id;        // the run that produced it
  double at = 0;             // Unix seconds
};

class StepCache {
 public:
  explicit StepCache(SqliteDatabase& db) : db_(db) {}

  std::optional<CachedStep> Find(const std::string& pipeline, const std::string& step);
  void Store(const std::string& pipeline, const std::string& step, const CachedStep& entry);
  // Forgets a step (it failed, or its output is being rewritten).
  void Forget(const std::string& pipeline, const std::string& step);

  // The content hash of one file, memoised.
  std::string FileHash(const std::string& file);
  // Of a file or a folder (every regular file under it, by relative name).
  std::string TreeHash(const std::string& path);

 private:
  SqliteDatabase& db_;
};

}  // namespace sluice
