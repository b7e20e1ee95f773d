#include "pipeline/step_journal.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

namespace sluice {
namespace {

namespace fs = std::filesystem;

TEST(StepJournal, AStepCountsAsFinishedOnlyWhileItsOutputsHashAsRecorded) {
  const std::string dir = (fs::temp_directory_path() / std::string("steps-").append(std::to_string(::getpid()))).string();
  bool cleared = false;
  std::string why;
  {
    StepJournal steps(dir, "key-1", &cleared);
    EXPECT_FALSE(cleared);
    EXPECT_FALSE(steps.Finished("prep", &why));
    EXPECT_TRUE(why.empty());
    fs::create_directories(steps.PathOf("prepared/train"));
    std::ofstream(steps.PathOf("prepared/train/part-0.parquet")) << "rows";
    std::ofstream(steps.PathOf("prepared/prep.json")) << "{}";
    steps.Record("prep", {"prepared"});
  }
  {
    StepJournal steps(dir, "key-1", &cleared);
    EXPECT_TRUE(steps.Finished("prep", &why));
    std::ofstream(steps.PathOf("prepared/train/part-0.parquet"), std::ios::app) << "!";
    EXPECT_FALSE(steps.Finished("prep", &why));
    EXPECT_NE(why.find("changed since it was written"), std::string::npos);
    steps.Reset("prep", {"prepared"});
    EXPECT_FALSE(fs::exists(steps.PathOf("prepared")));
    why.clear();
    EXPECT_FALSE(steps.Finished("prep", &why));
    EXPECT_TRUE(why.empty());
  }
  {
    // A file renamed within the output changes its hash too.
    StepJournal steps(dir, "key-1", &cleared);
    fs::create_directories(steps.PathOf("model"));
    std::ofstream(steps.PathOf("model/a")) << "x";
    steps.Record("train", {"model"});
    fs::rename(steps.PathOf("model/a"), steps.PathOf("model/b"));
    EXPECT_FALSE(steps.Finished("train", &why));
  }
  {
    StepJournal steps(dir, "key-2", &cleared);
    EXPECT_TRUE(cleared);
    EXPECT_FALSE(steps.Finished("train", &why));
    EXPECT_FALSE(fs::exists(steps.PathOf("model")));
  }
  fs::remove_all(dir);
}

}  // namespace
}  // namespace sluice
