#include "common/atomic_file.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include "common/faulty_file_system.h"
#include "common/scratch_directory.h"

namespace sluice {
namespace {

namespace fs = std::filesystem;

class AtomicFileFaults : public ::testing::TestWithParam<Fault> {
 protected:
  ScratchDirectory scratch_{"atomic"};
  const std::string& dir_ = scratch_.path();
};

// The message says what failed, on which path, and why.
void ExpectNamesPathAndCause(const Error& error, Fault fault, const std::string& path_part) {
  const std::string message = error.what();
  EXPECT_EQ(error.kind(), ErrorKind::kIo) << message;
  EXPECT_NE(message.find(path_part), std::string::npos) << message;
  if (fault == Fault::kIoError) {
    EXPECT_NE(message.find("Input/output error"), std::string::npos) << message;
  } else {
    EXPECT_EQ(message.rfind("no space left on device: ", 0), 0u) << message;
  }
}

TEST_P(AtomicFileFaults, AFailedRewriteLeavesTheOldFileAndNoTemporary) {
  const std::string path = dir_ + "/state.json";
  WriteFileAtomically(path, "old");
  const auto before = SnapshotTree(dir_);
  const std::string big(3 << 20, 'n');  // more than one buffer: several writes
  const int operations = ForEachFault(GetParam(), [&] { WriteFileAtomically(path, big); }, [&](const Error& error) {
    ExpectNamesPathAndCause(error, GetParam(), "state.json");
    EXPECT_EQ(SnapshotTree(dir_), before);
  });
  EXPECT_GE(operations, 4);  // create, appends, sync, close, rename
  EXPECT_EQ(ReadFileToString(path), big);
}

TEST_P(AtomicFileFaults, AFailedDirectoryReplacementKeepsTheOldDirectory) {
  const std::string final_dir = dir_ + "/model";
  fs::create_directories(final_dir);
  WriteFileAtomically(final_dir + "/model.json", "old model");
  const auto before = SnapshotTree(dir_);
  const std::string staged = dir_ + "/model.staging-1";
  ForEachFault(GetParam(), [&] {
    FileSystem::Default().CreateDirectories(staged);
    WriteFileAtomically(staged + "/model.json", "new model");
    ReplaceDirectory(staged, final_dir);
  }, [&](const Error& error) {
    ExpectNamesPathAndCause(error, GetParam(), dir_);
    fs::remove_all(staged);  // the caller's clean-up (SaveArtifactDirectory's)
    EXPECT_EQ(SnapshotTree(dir_), before);
  });
  EXPECT_EQ(ReadFileToString(final_dir + "/model.json"), "new model");
}

INSTANTIATE_TEST_SUITE_P(EveryFault, AtomicFileFaults,
                         ::testing::Values(Fault::kNoSpace, Fault::kIoError, Fault::kShortWrite));

}  // namespace
}  // namespace sluice
