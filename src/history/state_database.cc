#include "history/state_database.h"

#include <filesystem>

#include "common/error.h"

namespace sluice {

namespace {

// Version 2 (1 had no serving table; tables are created if missing). Times are Unix seconds (REAL); JSON columns hold objects.
constexpr const char* kSchema = R"sql(
CREATE TABLE IF NOT EXISTS runs (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  verb TEXT NOT NULL,            -- run or tune
  pipeline TEXT NOT NULL,        -- the pipeline file, absolute
  invocation TEXT NOT NULL,      -- JSON: what `sluice run --resume` repeats
  status TEXT NOT NULL,          -- running, succeeded, failed, interrupted
  host TEXT NOT NULL,
  pid INTEGER NOT NULL,
  pid_start INTEGER NOT NULL,    -- the process's start time (clock ticks), against pid reuse
  attempts INTEGER NOT NULL DEFAULT 1,
  started REAL NOT NULL,
  finished REAL,
  exit_code INTEGER,
  error TEXT,
  fingerprint TEXT,
  artifact TEXT,
  summary TEXT                   -- JSON: the run summary `--json` prints
);
CREATE TABLE IF NOT EXISTS steps (
  run_id TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
  attempt INTEGER NOT NULL,
  seq INTEGER NOT NULL,
  name TEXT NOT NULL,
  status TEXT NOT NULL,          -- running, succeeded, cached, failed
  started REAL NOT NULL,
  finished REAL,
  cpu_seconds REAL,
  cpu_percent REAL,
  peak_rss_bytes INTEGER,
  read_bytes INTEGER,
  write_bytes INTEGER,
  error TEXT,
  PRIMARY KEY (run_id, attempt, seq)
);
CREATE TABLE IF NOT EXISTS params (
  run_id TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
  key TEXT NOT NULL,
  value TEXT NOT NULL,           -- JSON
  PRIMARY KEY (run_id, key)
);
CREATE TABLE IF NOT EXISTS metrics (
  run_id TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
  key TEXT NOT NULL,
  value REAL NOT NULL,
  PRIMARY KEY (run_id, key)
);
CREATE TABLE IF NOT EXISTS curves (
  run_id TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
  series TEXT NOT NULL,          -- e.g. valid-rmse, train-rmse, valid-loss
  step INTEGER NOT NULL,         -- round or epoch, from 0
  value REAL NOT NULL,
  PRIMARY KEY (run_id, series, step)
);
CREATE TABLE IF NOT EXISTS resources (
  run_id TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
  attempt INTEGER NOT NULL,
  at REAL NOT NULL,
  cpu_percent REAL NOT NULL,
  rss_bytes INTEGER NOT NULL,
  read_bytes INTEGER NOT NULL,   -- cumulative within the attempt
  write_bytes INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS resources_by_run ON resources(run_id, at);
CREATE TABLE IF NOT EXISTS models (
  name TEXT NOT NULL,
  version INTEGER NOT NULL,
  run_id TEXT,
  path TEXT NOT NULL,            -- the registered copy, under the state directory
  source TEXT NOT NULL,          -- the artifact directory it was copied from
  stage TEXT NOT NULL DEFAULT 'none',
  created REAL NOT NULL,
  stage_changed REAL,
  PRIMARY KEY (name, version)
);
CREATE TABLE IF NOT EXISTS serving (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  model TEXT NOT NULL,           -- the name it was served under
  path TEXT NOT NULL,            -- the artifact directory served
  run_id TEXT,                   -- the run that trained it, when known
  started REAL NOT NULL,
  finished REAL NOT NULL,
  rows INTEGER NOT NULL,         -- rows scored
  requests INTEGER NOT NULL,
  request_seconds REAL NOT NULL, -- summed over requests
  cpu_seconds REAL NOT NULL,     -- the server process's while serving (all its models)
  threads INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS step_cache (
  pipeline TEXT NOT NULL,
  step TEXT NOT NULL,
  key TEXT NOT NULL,           -- what the step was: definition, parameters, inputs' content
  outputs_hash TEXT NOT NULL,  -- the content hash of what it wrote ("" when nothing)
  output TEXT NOT NULL,
  result TEXT NOT NULL,        -- what it reported, JSON
  run_id TEXT NOT NULL,
  at REAL NOT NULL,
  PRIMARY KEY (pipeline, step)
);
CREATE TABLE IF NOT EXISTS file_hashes (
  path TEXT PRIMARY KEY,
  size INTEGER NOT NULL,
  mtime_ns INTEGER NOT NULL,
  hash TEXT NOT NULL
);
)sql";

// 3: step_cache and file_hashes (pipeline graphs). Every statement is
// IF NOT EXISTS, so an older store is brought up to date by running it all.
constexpr int kSchemaVersion = 3;

}  // namespace

std::unique_ptr<SqliteDatabase> OpenStateDatabase(const std::string& dir, int busy_timeout_ms) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) ThrowIo(dir + ": cannot create the state directory: " + ec.message());
  auto db = std::make_unique<SqliteDatabase>(dir + "/runs.db", busy_timeout_ms, true);
  SqliteStatement version(*db, "PRAGMA user_version");
  version.Step();
  int64_t found = version.Int(0);
  version.Reset();
  if (found > kSchemaVersion) {
    ThrowIo(db->path() + ": written by a newer sluice (schema " + std::to_string(found) + ", this one knows " +
            std::to_string(kSchemaVersion) + ")");
  }
  if (found < kSchemaVersion) {
    SqliteTransaction transaction(*db);
    db->Execute(kSchema);
    db->Execute("PRAGMA user_version=" + std::to_string(kSchemaVersion));
    transaction.Commit();
  }
  return db;
}

std::unique_ptr<SqliteDatabase> OpenExistingStateDatabase() {
  const std::string dir = std::filesystem::absolute(StateDirectory()).lexically_normal().string();
  if (!std::filesystem::exists(dir + "/runs.db")) {
    ThrowUsage("no run history in " + dir + " (sluice run records runs there; SLUICE_STATE_DIR moves it)");
  }
  return OpenStateDatabase(dir);
}

}  // namespace sluice
