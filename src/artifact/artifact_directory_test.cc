#include "artifact/artifact_directory.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include "common/atomic_file.h"
#include "common/error.h"
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

// The manifest describes every other file (size, content hash); a file
// changed after the save (in content, keeping its size, or in size) is an
// input-data error naming it, as is a manifest that names a file outside
// the directory; a missing file is left to the loader, and a manifest
// written before "files" checks nothing.
TEST(ArtifactFiles, AFileThatIsNotTheOneTheManifestDescribesIsRefused) {
  ScratchDirectory scratch("artifact-files");
  const std::string dir = scratch.path() + "/model";
  const std::string extra = scratch.path() + "/rejects";
  WriteFileAtomically(extra, "file,line,reason\n");
  SaveArtifactDirectory(dir, {{"kind", "test"}}, {{"rmse", 1.5}}, {{"rejects.csv", extra}},
                        [&](const std::string& staged, nlohmann::json& manifest) {
                          WriteFileAtomically(staged + "/model.json", "the model");
                          manifest["file"] = "model.json";
                        });
  nlohmann::json manifest = ReadArtifactManifest(dir);
  ASSERT_TRUE(manifest.contains("files"));
  EXPECT_EQ(manifest["files"]["model.json"]["bytes"], 9);
  EXPECT_TRUE(manifest["files"].contains("metrics.json"));
  EXPECT_TRUE(manifest["files"].contains("rejects.csv"));
  EXPECT_FALSE(manifest["files"].contains("sluice-model.json"));
  EXPECT_NO_THROW(VerifyArtifactFiles(dir));

  auto refused = [&](const std::string& expected) {
    try {
      VerifyArtifactFiles(dir);
      ADD_FAILURE() << "accepted; expected " << expected;
    } catch (const Error& error) {
      EXPECT_EQ(error.kind(), ErrorKind::kInputData);
      EXPECT_NE(std::string(error.what()).find(expected), std::string::npos) << error.what();
    }
  };
  WriteFileAtomically(dir + "/model.json", "the mode!");  // same size, other bytes
  refused(dir + "/model.json: not the file the model's manifest was written with (9 bytes, content hash ");
  WriteFileAtomically(dir + "/model.json", "the longer model");
  refused("(16 bytes; sluice-model.json says 9 bytes");
  fs::remove(dir + "/model.json");
  EXPECT_NO_THROW(VerifyArtifactFiles(dir));  // the loader says the file is missing

  manifest["files"]["../elsewhere"] = {{"bytes", 1}, {"content_hash", "0"}};
  WriteFileAtomically(dir + "/sluice-model.json", manifest.dump());
  refused("\"files\" names '../elsewhere', which is not a file inside the model directory");
  manifest["files"] = 5;
  WriteFileAtomically(dir + "/sluice-model.json", manifest.dump());
  refused("\"files\" is not an object");
  manifest.erase("files");
  WriteFileAtomically(dir + "/sluice-model.json", manifest.dump());
  EXPECT_NO_THROW(VerifyArtifactFiles(dir));
}

INSTANTIATE_TEST_SUITE_P(EveryFault, ArtifactFaults, ::testing::Values(Fault::kNoSpace, Fault::kIoError, Fault::kShortWrite));

}  // namespace
}  // namespace sluice
