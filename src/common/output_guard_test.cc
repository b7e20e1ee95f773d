#include "common/output_guard.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "common/error.h"

namespace sluice {
namespace {

namespace fs = std::filesystem;

class OutputGuard : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("sluice-output-guard-" + std::to_string(::getpid()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::string Path(const std::string& name) const { return (dir_ / name).string(); }
  void Touch(const std::string& name) {
    fs::create_directories(fs::path(Path(name)).parent_path());
    std::ofstream(Path(name)) << "x";
  }
  std::string Refusal(const std::string& path, OutputKind kind) {
    try {
      CheckOutputPath(path, kind);
    } catch (const Error& error) {
      EXPECT_EQ(error.kind(), ErrorKind::kUsage);
      return error.what();
    }
    return "";
  }
  fs::path dir_;
};

TEST_F(OutputGuard, AbsentAndEmptyPathsMayBeWritten) {
  for (OutputKind kind : {OutputKind::kFile, OutputKind::kArtifact, OutputKind::kDataset, OutputKind::kPreparedData}) {
    EXPECT_EQ(Refusal(Path("new"), kind), "");
  }
  fs::create_directories(Path("empty"));
  EXPECT_EQ(Refusal(Path("empty"), OutputKind::kArtifact), "");
  EXPECT_EQ(Refusal(Path("empty/"), OutputKind::kDataset), "");
}

TEST_F(OutputGuard, ADirectoryOfSomeoneElsesFilesIsRefusedNamingWhatIsInIt) {
  Touch("mine/notes.txt");
  const std::string message = Refusal(Path("mine"), OutputKind::kArtifact);
  EXPECT_NE(message.find("not a sluice model (it holds notes.txt)"), std::string::npos) << message;
  EXPECT_NE(Refusal(Path("mine"), OutputKind::kDataset), "");
  EXPECT_NE(Refusal(Path("mine"), OutputKind::kPreparedData), "");
  EXPECT_NE(Refusal(Path("mine"), OutputKind::kFile), "");
}

TEST_F(OutputGuard, SluicesOwnOutputsAreReplaced) {
  Touch("model/sluice-model.json");
  Touch("model/model.json");
  EXPECT_EQ(Refusal(Path("model"), OutputKind::kArtifact), "");
  Touch("ds/part-00000.parquet");
  Touch("ds/kind=a%2Fb/part-00001.parquet");
  EXPECT_EQ(Refusal(Path("ds"), OutputKind::kDataset), "");
  Touch("prepared/prep.json");
  Touch("prepared/manifest.json");
  Touch("prepared/train/part-00000.parquet");
  Touch("prepared/rejects.csv.tmp-99");
  EXPECT_EQ(Refusal(Path("prepared"), OutputKind::kPreparedData), "");
  Touch("file.csv");
  EXPECT_EQ(Refusal(Path("file.csv"), OutputKind::kFile), "");
}

TEST_F(OutputGuard, ADatasetWithAForeignFileIsNotSluices) {
  Touch("ds/part-00000.parquet");
  Touch("ds/README");
  EXPECT_NE(Refusal(Path("ds"), OutputKind::kDataset), "");
  Touch("prep/prep.json");
  Touch("prep/train/mine.csv");
  EXPECT_NE(Refusal(Path("prep"), OutputKind::kPreparedData), "");
}

TEST_F(OutputGuard, WorkingHomeStateAndRootDirectoriesAreNeverOutputs) {
  const fs::path cwd = fs::current_path();
  fs::current_path(dir_);
  ::setenv("SLUICE_STATE_DIR", Path("state").c_str(), 1);
  fs::create_directories(Path("state"));
  EXPECT_NE(Refusal(".", OutputKind::kArtifact).find("is the working directory"), std::string::npos);
  EXPECT_NE(Refusal("./", OutputKind::kArtifact).find("is the working directory"), std::string::npos);
  EXPECT_NE(Refusal("..", OutputKind::kArtifact).find("holds the working directory"), std::string::npos);
  EXPECT_NE(Refusal("/", OutputKind::kDataset).find("holds"), std::string::npos);
  EXPECT_NE(Refusal(Path("state"), OutputKind::kArtifact).find("state directory"), std::string::npos);
  if (const char* home = std::getenv("HOME")) {
    EXPECT_NE(Refusal(home, OutputKind::kArtifact).find("home directory"), std::string::npos);
  }
  ::unsetenv("SLUICE_STATE_DIR");
  fs::current_path(cwd);
}

TEST_F(OutputGuard, ASymbolicLinkToTheWorkingDirectoryIsSeenThrough) {
  const fs::path cwd = fs::current_path();
  fs::current_path(dir_);
  fs::create_directory_symlink(dir_, Path("here"));
  EXPECT_NE(Refusal("here", OutputKind::kArtifact).find("working directory"), std::string::npos);
  fs::current_path(cwd);
}

}  // namespace
}  // namespace sluice
