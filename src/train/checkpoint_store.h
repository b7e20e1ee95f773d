#pragma once
// The checkpoints of one training, in a directory of their own: each file
// (checkpoint-000040.bin: the rounds or steps done) holds a header — the
// training's key, the learner's loop state as JSON, the model's size and
// XXH3 digest — and then the model's bytes. Files are written atomically
// (a kill leaves the previous checkpoint whole) and the last `keep` are
// kept. A checkpoint whose key differs (other data, parameters or thread
// count) or whose bytes do not match their digest is passed over, never
// resumed from.

#include <optional>
#include <string>
#include <string_view>

#include "nlohmann/json.hpp"

namespace sluice {

class CheckpointStore {
 public:
  struct Checkpoint {
    int64_t progress = 0;  // rounds or steps done
    nlohmann::json state;
    std::string model;
    std::string path;
  };

  CheckpointStore(std::string dir, std::string key, int keep);

  // The newest usable checkpoint; `skipped` (if given) counts the files
  // passed over as stale or damaged.
  std::optional<Checkpoint> Latest(int* skipped = nullptr) const;
  // The newest usable checkpoint at or before `progress` (ranks that write
  // at the same steps agree on one that all of them hold).
  std::optional<Checkpoint> LatestAtMost(int64_t progress) const;
  void Write(int64_t progress, const nlohmann::json& state, std::string_view model) const;
  // Removes the directory (after a training that finished).
  void Clear() const;
  const std::string& dir() const { return dir_; }

 private:
  std::optional<Checkpoint> Newest(int64_t at_most, int* skipped) const;

  std::string dir_, key_;
  int keep_;
};

}  // namespace sluice
