#pragma once
// The models one `sluice serve` process holds, by name. Each is loaded into a
// predict-ready form (scoring artifact, request batcher) and handed to
// requests as a shared pointer, so a reload swaps it atomically: requests in
// flight finish on the instance they started with, later ones get the new
// one, and a failed reload leaves the old one serving. With an idle timeout a
// model unused that long is unloaded and loaded again by the next request
// that needs it (a cold start, timed and counted).
//
// Names are letters, digits, '.', '_' and '-' (not "." or ".."); a model
// loaded by the HTTP API must lie inside the --model-root directory.

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <stdexcept>
#include <string>
#include <vector>

#include "artifact/scoring_artifact.h"
#include "nlohmann/json.hpp"
#include "serve/request_batcher.h"
#include "serve/server_metrics.h"

namespace sluice {

// One loaded instance of a model, of any kind, and the batcher of its model
// calls (null for a model not called on encoded rows).
struct ServedModel {
  std::string name, dir;
  std::unique_ptr<const ScoringArtifact> artifact;
  std::unique_ptr<RequestBatcher> batcher;

  const nlohmann::json& manifest() const { return artifact->manifest(); }
};

// Add's error for a name already in use (HTTP 409).
class ModelNameTaken : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class ModelRegistry {
 public:
  struct Options {
    std::chrono::milliseconds idle_unload{0};  // 0: never
    std::chrono::microseconds batch_window{0};
    size_t max_batch_rows = 4096;
  };
  explicit ModelRegistry(Options options) : options_(options) {}

  static bool ValidName(const std::string& name);

  // Loads `dir` as `name`. Throws a usage error for a bad name,
  // ModelNameTaken for a taken one and the load's error when the artifact
  // cannot be loaded.
  void Add(const std::string& name, const std::string& dir);
  // Forgets `name` (requests holding it finish); false when unknown.
  bool Remove(const std::string& name);
  // Loads `name`'s directory again and swaps it in; throws (and keeps the
  // old instance) when the load fails. False when unknown.
  bool Reload(const std::string& name);
  // Reloads every model (SIGHUP); returns the failures as messages.
  std::vector<std::string> ReloadAll();
  // Unloads models idle for longer than the idle timeout.
  void UnloadIdle();

  // The instance to score with, loading it when it was unloaded for being
  // idle; nullptr for an unknown name.
  std::shared_ptr<const ServedModel> Acquire(const std::string& name);
  // The metrics of `name` (stable for the process's life); nullptr if unknown.
  ModelMetrics* Metrics(const std::string& name);

  // The model /invocations uses: the first one added. It stays the default
  // when it is removed (requests for it then get 404), never another model.
  std::string default_name() const;
  size_t size() const;
  bool Contains(const std::string& name) const { return Find(name) != nullptr; }
  // Whether `name` is loaded now (not unloaded for being idle): a request
  // for it will not wait for a load.
  bool IsWarm(const std::string& name) const;
  nlohmann::json List() const;
  std::vector<std::pair<std::string, const ModelMetrics*>> AllMetrics() const;

 private:
  struct Slot {
    std::string dir;
    std::mutex mutex;                         // guards current and loads
    std::shared_ptr<const ServedModel> current;  // null while idle-unloaded
    std::atomic<int64_t> last_used_ms{0};
    std::shared_ptr<ModelMetrics> metrics;    // kept for the process's life
  };
  std::shared_ptr<const ServedModel> Load(const std::string& name, const std::string& dir, ModelMetrics* metrics,
                                          bool cold) const;
  std::shared_ptr<Slot> Find(const std::string& name) const;

  const Options options_;
  mutable std::shared_mutex mutex_;  // guards slots_ and order_
  std::map<std::string, std::shared_ptr<Slot>> slots_;
  std::vector<std::string> order_;
  std::string default_name_;
  // Metrics outlive their models, so a removed and re-added name keeps counting.
  std::map<std::string, std::shared_ptr<ModelMetrics>> metrics_;
};

}  // namespace sluice
