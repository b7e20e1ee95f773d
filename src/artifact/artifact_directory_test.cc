#include "artifact/artifact_directory.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include "common/atomic_file.h"
#include "common/faulty_file_system.h"
#include "common/scratch_directory.h"

namespace sluice {
namespace {

namespace fs = std::filesystem;

class ArtifactFaults : public ::testing::TestWithParam<Fault> {};

// Every file operation of saving a model directory fails in turn (the model
// file, the manifest, metrics, extra files moved in, the swap): the old
// artifact survives byte for byte, no staging directory is left, and the
// error names the path and the cause.
TEST_P(ArtifactFaults, AFailedSaveLeavesTheOldArtifact) {
  ScratchDirectory scratch("artifact-faults");
  const std::string dir = scratch.path();
  auto save = [&](const std::string& model) {
    const std::string extra = dir + "/model.rejects-1";
    WriteFileAtomically(extra, "file,line,reason\n");
    SaveArtifactDirectory(dir + "/model", {{"kind", "test"}}, {{"rmse", 1.5}}, {{"rejects.csv", extra}},
                          [&](const std::string& staged, nlohmann::json& manifest) {
                            WriteFileAtomically(staged + "/model.json", model);
                            manifest["file"] = "model.json";
                          });
  };
  save("old model");
  const auto before = SnapshotTree(dir);
  const int operations = ForEachFault(GetParam(), [&] { save(std::string(3 << 20, 'm')); }, [&](const Error& error) {
    const std::string message = error.what();
    EXPECT_NE(message.find(dir), std::string::npos) << message;
    EXPECT_NE(message.find(GetParam() == Fault::kIoError ? "Input/output error" : "no space left on device: "),
              std::string::npos)
        << message;
    fs::remove(dir + "/model.rejects-1");  // the run's StagedFiles would
    EXPECT_EQ(SnapshotTree(dir), before) << message;
  });
  EXPECT_GT(operations, 10);
  EXPECT_EQ(ReadFileToString(dir + "/model/model.json"), std::string(3 << 20, 'm'));
}

INSTANTIATE_TEST_SUITE_P(EveryFault, ArtifactFaults, ::testing::Values(Fault::kNoSpace, Fault::kIoError, Fault::kShortWrite));

}  // namespace
}  // namespace sluice
