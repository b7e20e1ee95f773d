#include "train/checkpoint_store.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "common/faulty_file_system.h"
#include "common/scratch_directory.h"

namespace sluice {
namespace {

namespace fs = std::filesystem;

TEST(CheckpointStore, KeepsTheNewestAndPassesOverForeignOrDamagedFiles) {
  const std::string dir = (fs::temp_directory_path() / std::string("ckpt-").append(std::to_string(::getpid()))).string();
  CheckpointStore store(dir, "key-a", 2);
  EXPECT_FALSE(store.Latest().has_value());
  for (int round : {10, 20, 30}) store.Write(round, {{"best", round}}, std::string(100, static_cast<char>('a' + round / 10)));
  auto latest = store.Latest();
  ASSERT_TRUE(latest.has_value());
  EXPECT_EQ(latest->progress, 30);
  EXPECT_EQ(latest->state["best"], 30);
  EXPECT_EQ(latest->model, std::string(100, 'd'));
  EXPECT_FALSE(fs::exists(dir + "/checkpoint-000010.bin"));  // keep 2
  // A damaged newest file: the one before it is used, and counted as passed over.
  { std::ofstream(dir + "/checkpoint-000030.bin", std::ios::binary | std::ios::app) << "x"; }
  int skipped = 0;
  latest = store.Latest(&skipped);
  ASSERT_TRUE(latest.has_value());
  EXPECT_EQ(latest->progress, 20);
  EXPECT_EQ(skipped, 1);
  // Another training's key never matches.
  EXPECT_FALSE(CheckpointStore(dir, "key-b", 2).Latest().has_value());
  // At or before a step (ranks agreeing on one they all hold).
  store.Write(40, {{"best", 40}}, "e");
  store.Write(50, {{"best", 50}}, "f");
  ASSERT_TRUE(store.LatestAtMost(45).has_value());
  EXPECT_EQ(store.LatestAtMost(45)->progress, 40);
  EXPECT_EQ(store.LatestAtMost(50)->progress, 50);
  EXPECT_FALSE(store.LatestAtMost(39).has_value());  // keep 2: 40 and 50 only
  store.Clear();
  EXPECT_FALSE(fs::exists(dir));
}

}  // namespace
}  // namespace sluice

namespace sluice {
namespace {

class CheckpointFaults : public ::testing::TestWithParam<Fault> {};

// A checkpoint that cannot be written leaves the ones before it readable.
TEST_P(CheckpointFaults, AFailedCheckpointKeepsTheEarlierOnes) {
  ScratchDirectory scratch("checkpoint-faults");
  const std::string dir = scratch.Path("checkpoints");
  CheckpointStore store(dir, "key", 3);
  store.Write(10, {{"round", 10}}, std::string(1000, 'a'));
  const auto before = SnapshotTree(dir);
  ForEachFault(GetParam(), [&] { store.Write(20, {{"round", 20}}, std::string(2 << 20, 'b')); }, [&](const Error& error) {
    EXPECT_NE(std::string(error.what()).find(dir), std::string::npos) << error.what();
    EXPECT_EQ(SnapshotTree(dir), before);
    auto latest = store.Latest();
    ASSERT_TRUE(latest.has_value());
    EXPECT_EQ(latest->progress, 10);
  });
  EXPECT_EQ(store.Latest()->progress, 20);
  store.Clear();
}

INSTANTIATE_TEST_SUITE_P(EveryFault, CheckpointFaults, ::testing::Values(Fault::kNoSpace, Fault::kIoError, Fault::kShortWrite));

}  // namespace
}  // namespace sluice
