#include "artifact/scoring_artifact.h"

#include "artifact/text_artifact.h"

namespace sluice {

// Each kind in a file of its own (tabular_scoring.cc, text_scoring.cc).
std::unique_ptr<ScoringArtifact> MakeTabularScoring(const std::string& dir);
std::unique_ptr<ScoringArtifact> MakeTextScoring(const std::string& dir);

std::unique_ptr<ScoringArtifact> ScoringArtifact::Load(const std::string& dir) {
  return TextArtifact::IsTextModel(dir) ? MakeTextScoring(dir) : MakeTabularScoring(dir);
}

}  // namespace sluice
