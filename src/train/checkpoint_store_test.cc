#include "train/checkpoint_store.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

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
  store.Clear();
  EXPECT_FALSE(fs::exists(dir));
}

}  // namespace
}  // namespace sluice
