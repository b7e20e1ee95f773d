#include "history/run_store.h"

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <thread>

#include "common/error.h"
#include "history/registered_models.h"
#include "history/run_recorder.h"
#include "history/state_database.h"

namespace sluice {
namespace {

namespace fs = std::filesystem;

class StateDirTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = (fs::temp_directory_path() / std::string("sluice-state-").append(std::to_string(::getpid()))
                                            .append("-")
                                            .append(::testing::UnitTest::GetInstance()->current_test_info()->name()))
               .string();
    fs::remove_all(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::string dir_;
};

RunInvocation Invocation() { return {"run", "/p/taxi.yaml", {"train.rounds=5"}, 2, "/p"}; }

TEST_F(StateDirTest, ARunIsRecordedFromStartToOutcomeWithStepsParamsMetricsAndCurves) {
  auto db = OpenStateDatabase(dir_);
  RunStore store(*db);
  std::string id = store.Begin("taxi", Invocation());
  EXPECT_EQ(store.Get(id).status, "running");
  EXPECT_EQ(EffectiveStatus(store.Get(id)), "running");  // this process
  StepRecord step{"prep", "succeeded", 100.0, 101.5, {}, ""};
  step.use.peak_rss_bytes = 1234;
  store.RecordStep(id, 1, 1, step);
  RunOutcome outcome;
  outcome.status = "succeeded";
  outcome.params = {{"train.params.eta", "0.1"}};
  outcome.metrics = {{"rmse", 2.5}};
  outcome.curves = {{"valid-rmse", 0, 3.0}, {"valid-rmse", 1, 2.0}};
  outcome.artifact = "/p/model";
  store.Finish(id, outcome);

  nlohmann::json details = store.Details(id);
  EXPECT_EQ(details["status"], "succeeded");
  EXPECT_EQ(details["exit_code"], 0);
  EXPECT_EQ(details["invocation"]["overrides"][0], "train.rounds=5");
  ASSERT_EQ(details["steps"].size(), 1u);
  EXPECT_DOUBLE_EQ(details["steps"][0]["seconds"].get<double>(), 1.5);
  EXPECT_EQ(details["steps"][0]["peak_rss_bytes"], 1234);
  EXPECT_EQ(details["params"]["train.params.eta"], 0.1);
  EXPECT_EQ(details["metrics"]["rmse"], 2.5);
  EXPECT_EQ(details["curves"]["valid-rmse"].size(), 2u);
  EXPECT_EQ(store.List(10).size(), 1u);
  EXPECT_EQ(store.Resolve(id.substr(0, id.size() - 2)), id);
  EXPECT_THROW(store.Resume(id), Error);  // succeeded: nothing to resume
}

TEST_F(StateDirTest, ARunWhoseProcessDiedWithoutFinishingReadsAsKilledAndCanBeResumed) {
  std::string id;
  {
    auto db = OpenStateDatabase(dir_);
    RunStore store(*db);
    pid_t child = ::fork();
    if (child == 0) {
      // The child records a run and dies as SIGKILL would leave it: unfinished.
      auto child_db = OpenStateDatabase(dir_);
      RunStore child_store(*child_db);
      std::string child_id = child_store.Begin("taxi", Invocation());
      child_store.RecordStep(child_id, 1, 1, StepRecord{"train", "running", 1.0, 0, {}, ""});
      ::_exit(0);
    }
    int status = 0;
    ::waitpid(child, &status, 0);
    std::vector<RunRow> rows = store.List(10);
    ASSERT_EQ(rows.size(), 1u);
    id = rows[0].id;
    EXPECT_EQ(rows[0].status, "running");
    EXPECT_EQ(EffectiveStatus(rows[0]), "killed");
    EXPECT_EQ(store.Details(id)["steps"][0]["status"], "killed");
    EXPECT_EQ(store.Resume(id), 2);
    EXPECT_EQ(EffectiveStatus(store.Get(id)), "running");
    EXPECT_EQ(store.Get(id).attempts, 2);
  }
}

TEST_F(StateDirTest, TwoProcessesRecordingAtOnceAreBothRecorded) {
  OpenStateDatabase(dir_);
  std::vector<pid_t> children;
  for (int c = 0; c < 4; ++c) {
    pid_t child = ::fork();
    if (child == 0) {
      int code = 0;
      try {
        auto db = OpenStateDatabase(dir_);
        RunStore store(*db);
        for (int r = 0; r < 10; ++r) {
          std::string id = store.Begin("run" + std::to_string(c), Invocation());
          RunOutcome outcome;
          outcome.status = "succeeded";
          outcome.metrics = {{"r", r}};
          store.Finish(id, outcome);
        }
      } catch (...) {
        code = 1;
      }
      ::_exit(code);
    }
    children.push_back(child);
  }
  for (pid_t child : children) {
    int status = 0;
    ::waitpid(child, &status, 0);
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  }
  auto db = OpenStateDatabase(dir_);
  RunStore store(*db);
  EXPECT_EQ(store.List(1000).size(), 40u);
}

TEST_F(StateDirTest, ACorruptHistoryIsAClearErrorNamingTheFile) {
  fs::create_directories(dir_);
  std::ofstream(dir_ + "/runs.db") << std::string(8192, 'x');
  try {
    OpenStateDatabase(dir_);
    FAIL() << "a corrupt runs.db opened";
  } catch (const Error& error) {
    EXPECT_NE(std::string(error.what()).find(dir_ + "/runs.db"), std::string::npos) << error.what();
    EXPECT_NE(std::string(error.what()).find("corrupt"), std::string::npos) << error.what();
  }
}

TEST_F(StateDirTest, ALockedHistoryIsAClearErrorAfterTheBusyTimeout) {
  auto holder = OpenStateDatabase(dir_);
  SqliteTransaction lock(*holder);  // holds the write lock
  auto db = OpenStateDatabase(dir_, 200);
  RunStore store(*db);
  try {
    store.Begin("taxi", Invocation());
    FAIL() << "wrote through another writer's lock";
  } catch (const Error& error) {
    EXPECT_NE(std::string(error.what()).find("locked by another process"), std::string::npos) << error.what();
  }
}

TEST_F(StateDirTest, RegisteredVersionsAreCopiesThatOutliveTheOutputAndResolveByStage) {
  auto db = OpenStateDatabase(dir_);
  RegisteredModels models(*db, dir_);
  const std::string artifact = dir_ + "/artifact";
  fs::create_directories(artifact);
  std::ofstream(artifact + "/sluice-model.json") << "{\"v\": 1}";
  ModelVersion v1 = models.Register("fare", artifact, "");
  // The output is rewritten by the next run, as a run replaces files.
  std::ofstream(artifact + "/sluice-model.json.new") << "{\"v\": 2}";
  fs::rename(artifact + "/sluice-model.json.new", artifact + "/sluice-model.json");
  ModelVersion v2 = models.Register("fare", artifact, "");
  EXPECT_EQ(v1.version, 1);
  EXPECT_EQ(v2.version, 2);
  std::ifstream first(v1.path + "/sluice-model.json");
  std::string text((std::istreambuf_iterator<char>(first)), {});
  EXPECT_EQ(text, "{\"v\": 1}");

  EXPECT_EQ(models.Resolve("fare").version, 2);
  EXPECT_EQ(models.Resolve("fare@1").version, 1);
  EXPECT_THROW(models.Resolve("fare@production"), Error);
  models.Promote("fare", 1, "production");
  EXPECT_EQ(models.Resolve("fare@production").version, 1);
  models.Promote("fare", 2, "production");  // archives v1
  EXPECT_EQ(models.Resolve("fare@production").version, 2);
  EXPECT_EQ(models.Resolve("fare@archived").version, 1);
  EXPECT_THROW(models.Promote("fare", 3, "staging"), Error);
  EXPECT_THROW(models.Promote("fare", 1, "live"), Error);
  EXPECT_THROW(models.Resolve("fare@9"), Error);
  EXPECT_THROW(models.Resolve("nope"), Error);
  EXPECT_THROW(models.Register("bad name", artifact, ""), Error);
}

TEST(RunRecorder, FlattensThePipelineToDottedKeysAndTakesTheSummarysNumbers) {
  auto params = FlattenParams(nlohmann::json::parse(R"({"train": {"params": {"eta": 0.1}, "rounds": 5}, "name": "x"})"));
  EXPECT_EQ(params["train.params.eta"], "0.1");
  EXPECT_EQ(params["train.rounds"], "5");
  EXPECT_EQ(params["name"], "\"x\"");
  auto metrics = SummaryMetrics(RunSummary::FromJson(nlohmann::json::parse(
      R"({"metrics": {"rmse": 2.0, "confusion_matrix": [[1]]}, "model": {"valid_metric": "rmse", "best_valid_value": 1.5},
          "seconds": {"total": 3.0}})")));
  EXPECT_EQ(metrics["rmse"], 2.0);
  EXPECT_EQ(metrics["valid_rmse"], 1.5);
  EXPECT_EQ(metrics["seconds_total"], 3.0);
  EXPECT_EQ(metrics.count("confusion_matrix"), 0u);
}

}  // namespace
}  // namespace sluice
