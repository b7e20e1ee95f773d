#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "common/faulty_file_system.h"
#include "history/registered_models.h"
#include "history/sqlite_database.h"
#include "history/state_database.h"

namespace sluice {
namespace {

namespace fs = std::filesystem;

class RunHistoryFaults : public ::testing::TestWithParam<Fault> {};

int64_t CountRows(SqliteDatabase& db) {
  SqliteStatement count(db, "SELECT count(*) FROM params");
  count.Step();
  return count.Int(0);
}

// runs.db's writes reach the file-system seam through the sluice SQLite VFS:
// each write, truncation and sync of recording one more row fails in turn.
// A failure the write sees is an IO error naming runs.db (a full disk as
// "no space left on device"); whether or not SQLite could report it, the
// history afterwards holds the rows committed before and passes its
// integrity check.
TEST_P(RunHistoryFaults, AFailedWriteLeavesTheCommittedHistory) {
  const std::string dir = (fs::temp_directory_path() / ("sluice-history-faults-" + std::to_string(::getpid()))).string();
  fs::remove_all(dir);
  {
    auto db = OpenStateDatabase(dir);
    db->Execute("INSERT INTO runs (id, name, verb, pipeline, invocation, status, host, pid, pid_start, started) "
                "VALUES ('r1', 'n', 'run', 'p', '{}', 'running', 'h', 1, 1, 0)");
    db->Execute("INSERT INTO params (run_id, key, value) VALUES ('r1', 'k0', '0')");
  }
  FileSystem& real = FileSystem::Default();
  int failed_writes = 0;
  for (int fail_at = 1;; ++fail_at) {
    FaultyFileSystem faulty(real, GetParam(), fail_at);
    {
      FaultScope scope(faulty);
      try {
        auto db = OpenStateDatabase(dir);
        SqliteTransaction transaction(*db);
        SqliteStatement insert(*db, "INSERT INTO params (run_id, key, value) VALUES ('r1', ?, ?)");
        const std::string key = std::string("k").append(std::to_string(fail_at));
        insert.Bind(1, key).Bind(2, std::string(100000, 'v'));
        insert.Step();
        transaction.Commit();
      } catch (const Error& error) {
        ++failed_writes;
        const std::string message = error.what();
        EXPECT_NE(message.find("runs.db"), std::string::npos) << message;
        if (GetParam() != Fault::kIoError) {
          EXPECT_NE(message.find("no space left on device"), std::string::npos) << message;
        }
      }
    }
    if (!faulty.failed()) break;
    auto db = OpenStateDatabase(dir);
    SqliteStatement check(*db, "PRAGMA integrity_check");
    ASSERT_TRUE(check.Step());
    EXPECT_EQ(check.Text(0), "ok");
    // The first row and every row committed before stay; the failed one is not half there.
    SqliteStatement first(*db, "SELECT count(*) FROM params WHERE key = 'k0'");
    first.Step();
    EXPECT_EQ(first.Int(0), 1);
    SqliteStatement partial(*db, "SELECT count(*) FROM params WHERE length(value) NOT IN (1, 100000)");
    partial.Step();
    EXPECT_EQ(partial.Int(0), 0);
    EXPECT_GE(CountRows(*db), 1);
  }
  EXPECT_GT(failed_writes, 0);
  fs::remove_all(dir);
}

INSTANTIATE_TEST_SUITE_P(EveryFault, RunHistoryFaults, ::testing::Values(Fault::kNoSpace, Fault::kIoError, Fault::kShortWrite));

}  // namespace
}  // namespace sluice

namespace sluice {
namespace {

class RegistryFaults : public ::testing::TestWithParam<Fault> {};

// Registering a model version (links or copies of its files under
// .sluice/models/NAME/vN, then its row) fails at each file operation and
// database write in turn: no version row without its directory, no
// directory without its row, no staging left; the earlier version stays.
TEST_P(RegistryFaults, AFailedRegistrationLeavesTheRegistryAsItWas) {
  const fs::path root = fs::temp_directory_path() / ("sluice-registry-faults-" + std::to_string(::getpid()));
  fs::remove_all(root);
  const std::string state = (root / "state").string();
  const std::string artifact = (root / "model").string();
  fs::create_directories(artifact);
  std::ofstream(artifact + "/sluice-model.json") << "{}";
  std::ofstream(artifact + "/model.json") << std::string(10000, 'm');
  {
    auto db = OpenStateDatabase(state);
    RegisteredModels(*db, state).Register("fare", artifact, "");
  }
  const auto before = SnapshotTree(state + "/models");
  FileSystem& real = FileSystem::Default();
  int failures = 0;
  for (int fail_at = 1;; ++fail_at) {
    FaultyFileSystem faulty(real, GetParam(), fail_at);
    {
      FaultScope scope(faulty);
      try {
        auto db = OpenStateDatabase(state);
        RegisteredModels(*db, state).Register("fare", artifact, "");
      } catch (const Error&) {
        ++failures;
      }
    }
    if (!faulty.failed()) break;
    auto db = OpenStateDatabase(state);
    const auto versions = RegisteredModels(*db, state).List("fare");
    for (const auto& version : versions) {
      EXPECT_TRUE(fs::exists(version.path + "/model.json")) << "a row without its files: v" << version.version;
    }
    if (versions.size() == 1) {
      EXPECT_TRUE(SnapshotTree(state + "/models") == before) << "the registry's files changed at operation " << fail_at;
    }
    // A failure after the row was committed may leave the new version whole.
    if (versions.size() == 2) {
      db->Execute("DELETE FROM models WHERE version = 2");
      fs::remove_all(state + "/models/fare/v2");
    }
  }
  EXPECT_GT(failures, 3);
  fs::remove_all(root);
}

INSTANTIATE_TEST_SUITE_P(EveryFault, RegistryFaults, ::testing::Values(Fault::kNoSpace, Fault::kIoError, Fault::kShortWrite));

}  // namespace
}  // namespace sluice
