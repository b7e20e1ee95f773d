#include "history/registered_models.h"

#include <unistd.h>

#include <chrono>
#include <filesystem>

#include "common/error.h"
#include "common/file_system.h"

namespace sluice {

namespace {

namespace fs = std::filesystem;

constexpr const char* kColumns = "name, version, run_id, path, source, stage, created, stage_changed";

ModelVersion ReadVersion(SqliteStatement& s) {
  ModelVersion v;
  v.name = s.Text(0);
  v.version = static_cast<int>(s.Int(1));
  v.run_id = s.Text(2);
  v.path = s.Text(3);
  v.source = s.Text(4);
  v.stage = s.Text(5);
  v.created = s.Real(6);
  v.stage_changed = s.OptionalReal(7);
  return v;
}

double NowUnix() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

// Names as the server accepts them: letters, digits, '.', '_', '-'.
bool ValidName(const std::string& name) {
  if (name.empty() || name == "." || name == ".." || name.size() > 128) return false;
  for (char c : name) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '.' && c != '_' && c != '-') return false;
  }
  return true;
}

// The tree at `from` as hard links under `to` (a copy where links fail:
// another file system).
void LinkTree(const fs::path& from, const fs::path& to) {
  FileSystem& file_system = FileSystem::Default();
  file_system.CreateDirectories(to.string());
  for (const auto& entry : fs::recursive_directory_iterator(from)) {
    const fs::path target = to / fs::relative(entry.path(), from);
    if (entry.is_directory()) {
      file_system.CreateDirectories(target.string());
      continue;
    }
    file_system.LinkOrCopyFile(entry.path().string(), target.string());
  }
}

}  // namespace

nlohmann::json ModelVersion::ToJson() const {
  return {{"name", name},   {"version", version}, {"run_id", run_id},   {"path", path},
          {"source", source}, {"stage", stage},   {"created", created},
          {"stage_changed", stage_changed ? nlohmann::json(*stage_changed) : nlohmann::json()}};
}

bool RegisteredModels::ValidStage(const std::string& stage) {
  return stage == "none" || stage == "staging" || stage == "production" || stage == "archived";
}

ModelVersion RegisteredModels::Register(const std::string& name, const std::string& artifact_dir,
                                        const std::string& run_id) {
  if (!ValidName(name)) {
    ThrowUsage("cannot register a model named '" + name + "': use letters, digits, '.', '_' and '-' (the pipeline's name)");
  }
  if (!fs::exists(fs::path(artifact_dir) / "sluice-model.json")) {
    ThrowUsage(artifact_dir + " is not a sluice artifact (no sluice-model.json)");
  }
  SqliteTransaction transaction(db_);
  SqliteStatement next(db_, "SELECT COALESCE(MAX(version), 0) + 1 FROM models WHERE name = ?");
  next.Bind(1, name);
  next.Step();
  ModelVersion v;
  v.name = name;
  v.version = static_cast<int>(next.Int(0));
  next.Reset();
  v.run_id = run_id;
  v.source = fs::absolute(artifact_dir).lexically_normal().string();
  v.stage = "none";
  v.created = NowUnix();
  const fs::path dir = fs::absolute(fs::path(state_dir_) / "models" / name / std::string("v").append(std::to_string(v.version)));
  v.path = dir.lexically_normal().string();
  // Copied under a temporary name and renamed: a version directory is
  // complete or absent, and the row is committed only after it exists.
  const fs::path staging = dir.string() + ".tmp-" + std::to_string(::getpid());
  std::error_code ec;
  fs::remove_all(staging, ec);
  fs::remove_all(dir, ec);  // left by a registration that died before its commit
  try {
    LinkTree(artifact_dir, staging);
    FileSystem::Default().Rename(staging.string(), dir.string());
  } catch (const fs::filesystem_error& error) {
    fs::remove_all(staging, ec);
    ThrowIo("cannot register " + artifact_dir + " as " + name + " v" + std::to_string(v.version) + ": " + error.what());
  } catch (const Error&) {
    fs::remove_all(staging, ec);
    throw;
  }
  try {
    SqliteStatement insert(db_, "INSERT INTO models (name, version, run_id, path, source, stage, created) VALUES (?, ?, ?, ?, ?, ?, ?)");
    insert.Bind(1, v.name).Bind(2, v.version);
    if (run_id.empty()) {
      insert.BindNull(3);
    } else {
      insert.Bind(3, run_id);
    }
    insert.Bind(4, v.path).Bind(5, v.source).Bind(6, v.stage).Bind(7, v.created).Run();
    transaction.Commit();
  } catch (const Error&) {
    // No version directory without its row (the disk filled as the row was written).
    fs::remove_all(dir, ec);
    throw;
  }
  return v;
}

std::optional<ModelVersion> RegisteredModels::Find(const std::string& name, int version) {
  SqliteStatement select(db_, std::string("SELECT ") + kColumns + " FROM models WHERE name = ? AND version = ?");
  select.Bind(1, name).Bind(2, version);
  if (!select.Step()) return std::nullopt;
  return ReadVersion(select);
}

ModelVersion RegisteredModels::Promote(const std::string& name, int version, const std::string& stage) {
  if (!ValidStage(stage)) ThrowUsage("unknown stage '" + stage + "' (staging, production, archived or none)");
  SqliteTransaction transaction(db_);
  if (!Find(name, version)) ThrowUsage("no model " + name + " version " + std::to_string(version) + " (see sluice models)");
  const double now = NowUnix();
  if (stage == "staging" || stage == "production") {
    SqliteStatement archive(db_,
                            "UPDATE models SET stage = 'archived', stage_changed = ? WHERE name = ? AND stage = ? AND version != ?");
    archive.Bind(1, now).Bind(2, name).Bind(3, stage).Bind(4, version).Run();
  }
  SqliteStatement update(db_, "UPDATE models SET stage = ?, stage_changed = ? WHERE name = ? AND version = ?");
  update.Bind(1, stage).Bind(2, now).Bind(3, name).Bind(4, version).Run();
  transaction.Commit();
  return *Find(name, version);
}

std::vector<ModelVersion> RegisteredModels::List(const std::string& name) {
  std::string sql = std::string("SELECT ") + kColumns + " FROM models" + (name.empty() ? "" : " WHERE name = ?") +
                    " ORDER BY name, version DESC";
  SqliteStatement select(db_, sql);
  if (!name.empty()) select.Bind(1, name);
  std::vector<ModelVersion> versions;
  while (select.Step()) versions.push_back(ReadVersion(select));
  return versions;
}

ModelVersion RegisteredModels::Resolve(const std::string& reference) {
  const size_t at = reference.find('@');
  const std::string name = reference.substr(0, at);
  const std::string selector = at == std::string::npos ? "" : reference.substr(at + 1);
  std::vector<ModelVersion> versions = List(name);
  if (versions.empty()) ThrowUsage("no registered model " + name + " in " + db_.path() + " (see sluice models)");
  if (selector.empty() || selector == "latest") return versions.front();
  if (!selector.empty() && selector.find_first_not_of("0123456789") == std::string::npos) {
    for (const auto& v : versions) {
      if (std::to_string(v.version) == selector) return v;
    }
    ThrowUsage("model " + name + " has no version " + selector + " (newest: " + std::to_string(versions.front().version) + ")");
  }
  if (!ValidStage(selector)) {
    ThrowUsage("'" + reference + "': after '@' comes a version number, 'latest' or a stage (staging, production, archived)");
  }
  for (const auto& v : versions) {
    if (v.stage == selector) return v;
  }
  ThrowUsage("model " + name + " has no version in stage " + selector + " (promote one: sluice models promote " + name +
             " VERSION --stage " + selector + ")");
}

}  // namespace sluice
