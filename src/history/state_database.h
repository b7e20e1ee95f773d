#pragma once
// sluice's state directory (.sluice/ in the working directory, or
// $SLUICE_STATE_DIR) and the SQLite database in it, runs.db: the run
// history (runs, steps, parameters, metrics, curves, resource samples) and
// the model registry. Opening it creates the directory and the schema, and
// upgrades an older schema in place.

#include <memory>
#include <string>

#include "common/state_directory.h"
#include "history/sqlite_database.h"

namespace sluice {

// Opens DIR/runs.db, creating DIR and the schema when missing. Writers wait
// up to `busy_timeout_ms` for one another.
std::unique_ptr<SqliteDatabase> OpenStateDatabase(const std::string& dir, int busy_timeout_ms = 15000);
// For commands that read the history (runs show, cost, report): the state
// directory's database, or a usage error saying there is none rather than
// creating an empty one.
std::unique_ptr<SqliteDatabase> OpenExistingStateDatabase();

}  // namespace sluice
