// Fault injection at the run history's writes: runs.db reaches the
// file-system seam through the sluice SQLite VFS, the model registry's files
// through FileSystem itself.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "common/faulty_file_system.h"
#include "common/scratch_directory.h"
#include "history/registered_models.h"
#include "history/sqlite_database.h"
#include "history/state_database.h"

namespace sluice {
namespace {

namespace fs = std::filesystem;

int64_t Count(SqliteDatabase& db, const std::string& sql) {
  SqliteStatement count(db, sql);
  count.Step();
  return count.Int(0);
}

class RunHistoryFaults : public ::testing::TestWithParam<Fault> {};

// Each write, truncation and sync of recording one more row fails in turn.
// A failure the write sees is an IO error naming runs.db (a full disk as
// "no space left on device"); whether or not SQLite could report it, the
// history afterwards holds the rows committed before, no half row, and
// passes its integrity check.
TEST_P(RunHistoryFaults, AFailedWriteLeavesTheCommittedHistory) {
  ScratchDirectory scratch("history-faults");
  const std::string dir = scratch.path();
  {
    auto db = OpenStateDatabase(dir);
    db->Execute("INSERT INTO runs (id, name, verb, pipeline, invocation, status, host, pid, pid_start, started) "
                "VALUES ('r1', 'n', 'run', 'p', '{}', 'running', 'h', 1, 1, 0)");
    db->Execute("INSERT INTO params (run_id, key, value) VALUES ('r1', 'k0', '0')");
  }
  int attempt = 0;
  const FaultRuns runs = EachFault(GetParam(), [&] {
    auto db = OpenStateDatabase(dir);
    SqliteTransaction transaction(*db);
    SqliteStatement insert(*db, "INSERT INTO params (run_id, key, value) VALUES ('r1', ?, ?)");
    insert.Bind(1, std::string("k").append(std::to_string(++attempt))).Bind(2, std::string(100000, 'v'));
    insert.Step();
    transaction.Commit();
  }, [&](const Error& error) {
    const std::string message = error.what();
    EXPECT_NE(message.find("runs.db"), std::string::npos) << message;
    if (GetParam() != Fault::kIoError) {
      EXPECT_NE(message.find("no space left on device"), std::string::npos) << message;
    }
  }, [&] {
    auto db = OpenStateDatabase(dir);
    SqliteStatement check(*db, "PRAGMA integrity_check");
    ASSERT_TRUE(check.Step());
    EXPECT_EQ(check.Text(0), "ok");
    EXPECT_EQ(Count(*db, "SELECT count(*) FROM params WHERE key = 'k0'"), 1);
    EXPECT_EQ(Count(*db, "SELECT count(*) FROM params WHERE length(value) NOT IN (1, 100000)"), 0);
  }, true);
  EXPECT_GT(runs.errors, 0);
}

class RegistryFaults : public ::testing::TestWithParam<Fault> {};

// Registering a model version (links or copies of its files under
// .sluice/models/NAME/vN, then its row) fails at each file operation and
// database write in turn: no version row without its directory, no
// directory without its row, no staging left; the earlier version stays.
TEST_P(RegistryFaults, AFailedRegistrationLeavesTheRegistryAsItWas) {
  ScratchDirectory scratch("registry-faults");
  const std::string state = scratch.Path("state");
  const std::string artifact = scratch.Path("model");
  fs::create_directories(artifact);
  std::ofstream(artifact + "/sluice-model.json") << "{}";
  std::ofstream(artifact + "/model.json") << std::string(10000, 'm');
  {
    auto db = OpenStateDatabase(state);
    RegisteredModels(*db, state).Register("fare", artifact, "");
  }
  const auto before = SnapshotTree(state + "/models");
  int attempt = 0;
  const FaultRuns runs = EachFault(GetParam(), [&] {
    ++attempt;
    auto db = OpenStateDatabase(state);
    RegisteredModels(*db, state).Register("fare", artifact, "");
  }, [](const Error&) {}, [&] {
    auto db = OpenStateDatabase(state);
    const auto versions = RegisteredModels(*db, state).List("fare");
    for (const auto& version : versions) {
      EXPECT_TRUE(fs::exists(version.path + "/model.json")) << "a row without its files: v" << version.version;
    }
    if (versions.size() == 1) {
      EXPECT_TRUE(SnapshotTree(state + "/models") == before) << "the registry's files changed at attempt " << attempt;
    }
    // A fault SQLite absorbed after the row was committed leaves the new version whole.
    if (versions.size() == 2) {
      db->Execute("DELETE FROM models WHERE version = 2");
      fs::remove_all(state + "/models/fare/v2");
    }
  }, true);
  EXPECT_GT(runs.errors, 3);
}

INSTANTIATE_TEST_SUITE_P(EveryFault, RunHistoryFaults, ::testing::Values(Fault::kNoSpace, Fault::kIoError, Fault::kShortWrite));
INSTANTIATE_TEST_SUITE_P(EveryFault, RegistryFaults, ::testing::Values(Fault::kNoSpace, Fault::kIoError, Fault::kShortWrite));

}  // namespace
}  // namespace sluice
