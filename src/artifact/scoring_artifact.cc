#include "artifact/scoring_artifact.h"

#include "artifact/artifact_directory.h"
#include "artifact/text_artifact.h"
#include "io/s3/s3_file.h"

namespace sluice {

// Each kind in a file of its own (tabular_scoring.cc, text_scoring.cc).
std::unique_ptr<ScoringArtifact> MakeTabularScoring(const std::string& dir);
std::unique_ptr<ScoringArtifact> MakeTextScoring(const std::string& dir);

std::unique_ptr<ScoringArtifact> ScoringArtifact::Load(const std::string& where) {
  // A model in S3 is loaded from a local copy of its folder, copied again
  // while its files do not match its manifest (a prefix being replaced).
  const std::string dir =
      IsS3Uri(where) ? DownloadS3Folder(where, [](const std::string& copy) { VerifyArtifactFiles(copy); }) : where;
  return TextArtifact::IsTextModel(dir) ? MakeTextScoring(dir) : MakeTabularScoring(dir);
}

}  // namespace sluice
