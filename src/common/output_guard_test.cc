#include "common/output_guard.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "common/error.h"
#include "common/scratch_directory.h"

namespace sluice {
namespace {

namespace fs = std::filesystem;

class OutputGuard : public ::testing::Test {
 protected:
  std::string Path(const std::string& name) const { return scratch_.Path(name); }
  // An output named `name` holding `files` (relative paths; a trailing '/' is a folder).
  std::string Tree(const std::string& name, const std::vector<std::string>& files) {
    for (const auto& file : files) {
      const fs::path path = Path(name + "/" + file);
      if (file.empty() || file.ends_with("/")) {
        fs::create_directories(path);
      } else {
        fs::create_directories(path.parent_path());
        std::ofstream(path) << "x";
      }
    }
    return Path(name);
  }
  // The refusal's message, or "" when the path may be written.
  std::string Refusal(const std::string& path, OutputKind kind) {
    try {
      CheckOutputPath(path, kind);
    } catch (const Error& error) {
      EXPECT_EQ(error.kind(), ErrorKind::kUsage);
      return error.what();
    }
    return "";
  }
  ScratchDirectory scratch_{"output-guard"};
};

// Runs the test body with the working directory set to `dir`.
class WorkingDirectory {
 public:
  explicit WorkingDirectory(const std::string& dir) : previous_(fs::current_path()) { fs::current_path(dir); }
  ~WorkingDirectory() { fs::current_path(previous_); }

 private:
  fs::path previous_;
};

TEST_F(OutputGuard, AbsentAndEmptyPathsMayBeWritten) {
  for (OutputKind kind : {OutputKind::kFile, OutputKind::kArtifact, OutputKind::kDataset, OutputKind::kPreparedData}) {
    EXPECT_EQ(Refusal(Path("new"), kind), "");
  }
  EXPECT_EQ(Refusal(Tree("empty", {""}), OutputKind::kArtifact), "");
  EXPECT_EQ(Refusal(Path("empty/"), OutputKind::kDataset), "");
}

TEST_F(OutputGuard, ADirectoryOfSomeoneElsesFilesIsRefusedNamingWhatIsInIt) {
  const std::string mine = Tree("mine", {"notes.txt"});
  const std::string message = Refusal(mine, OutputKind::kArtifact);
  EXPECT_NE(message.find("not a sluice model (it holds notes.txt)"), std::string::npos) << message;
  for (OutputKind kind : {OutputKind::kDataset, OutputKind::kPreparedData, OutputKind::kFile}) {
    EXPECT_NE(Refusal(mine, kind), "");
  }
}

// Which trees each kind of output takes as sluice's own.
TEST_F(OutputGuard, OnlySluicesOwnTreesAreReplaced) {
  struct Case {
    std::vector<std::string> files;
    OutputKind kind;
    bool replaced;
  };
  const std::vector<Case> cases = {
      {{"sluice-model.json", "model.json"}, OutputKind::kArtifact, true},
      {{"ngram/sluice-model.json", "bilstm/sluice-model.json"}, OutputKind::kArtifact, true},
      {{"ngram/sluice-model.json", "notes/"}, OutputKind::kArtifact, false},
      {{"part-00000.parquet", "kind=a%2Fb/part-00001.parquet"}, OutputKind::kDataset, true},
      {{"part-00000.parquet", "README"}, OutputKind::kDataset, false},
      {{"prep.json", "manifest.json", "train/part-00000.parquet", "rejects.csv.tmp-99"}, OutputKind::kPreparedData, true},
      {{"prep.json", "train/mine.csv"}, OutputKind::kPreparedData, false},
  };
  int index = 0;
  for (const auto& c : cases) {
    const std::string path = Tree("case-" + std::to_string(index++), c.files);
    EXPECT_EQ(Refusal(path, c.kind).empty(), c.replaced) << "case " << index - 1 << ": " << Refusal(path, c.kind);
  }
  std::ofstream(Path("file.csv")) << "x";
  EXPECT_EQ(Refusal(Path("file.csv"), OutputKind::kFile), "");
}

TEST_F(OutputGuard, WorkingHomeStateAndRootDirectoriesAreNeverOutputs) {
  WorkingDirectory here(scratch_.path());
  ::setenv("SLUICE_STATE_DIR", Tree("state", {""}).c_str(), 1);
  EXPECT_NE(Refusal(".", OutputKind::kArtifact).find("is the working directory"), std::string::npos);
  EXPECT_NE(Refusal("./", OutputKind::kArtifact).find("is the working directory"), std::string::npos);
  EXPECT_NE(Refusal("..", OutputKind::kArtifact).find("holds the working directory"), std::string::npos);
  EXPECT_NE(Refusal("/", OutputKind::kDataset).find("holds"), std::string::npos);
  EXPECT_NE(Refusal(Path("state"), OutputKind::kArtifact).find("state directory"), std::string::npos);
  if (const char* home = std::getenv("HOME")) {
    EXPECT_NE(Refusal(home, OutputKind::kArtifact).find("home directory"), std::string::npos);
  }
  ::unsetenv("SLUICE_STATE_DIR");
}

TEST_F(OutputGuard, ASymbolicLinkToTheWorkingDirectoryIsSeenThrough) {
  WorkingDirectory here(scratch_.path());
  fs::create_directory_symlink(scratch_.path(), Path("here"));
  EXPECT_NE(Refusal("here", OutputKind::kArtifact).find("working directory"), std::string::npos);
}

}  // namespace
}  // namespace sluice
