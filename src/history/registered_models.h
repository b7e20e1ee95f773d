#pragma once
// The model registry: every artifact a run trains is registered under a
// name (the pipeline's `name`) as the next version, copied — hard links
// where the file system allows — into STATE/models/NAME/vN/, so a version
// stays what it was when the run's output directory is overwritten by the
// next run. Versions move through stages: none (new), staging, production,
// archived; one version at a time holds staging or production, and
// promoting another archives the one that held it.
//
// A reference names a version: "NAME" (the newest), "NAME@3" (version 3),
// "NAME@production" (the version in that stage).

#include <optional>
#include <string>
#include <vector>

#include "history/sqlite_database.h"
#include "nlohmann/json.hpp"

namespace sluice {

struct ModelVersion {
  std::string name;
  int version = 0;
  std::string run_id;
  std::string path;    // the registered copy
  std::string source;  // the artifact directory it was copied from
  std::string stage;   // none, staging, production, archived
  double created = 0;  // Unix seconds
  std::optional<double> stage_changed;

  nlohmann::json ToJson() const;
};

class RegisteredModels {
 public:
  RegisteredModels(SqliteDatabase& db, std::string state_dir) : db_(db), state_dir_(std::move(state_dir)) {}

  static bool ValidStage(const std::string& stage);

  // Copies `artifact_dir` into the registry as the next version of `name`.
  ModelVersion Register(const std::string& name, const std::string& artifact_dir, const std::string& run_id);
  // Moves a version to `stage`; the version that held staging or
  // production before is archived. Usage error for an unknown version or stage.
  ModelVersion Promote(const std::string& name, int version, const std::string& stage);
  // Every version, newest first; of one name when `name` is given.
  std::vector<ModelVersion> List(const std::string& name = "");
  // The version a reference names; usage error naming what is missing.
  ModelVersion Resolve(const std::string& reference);

 private:
  std::optional<ModelVersion> Find(const std::string& name, int version);

  SqliteDatabase& db_;
  const std::string state_dir_;
};

}  // namespace sluice
