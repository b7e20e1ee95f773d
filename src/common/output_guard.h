#pragma once
// sluice never deletes what it did not write. Before a verb does any work,
// CheckOutputPath() decides whether the path it will write may be replaced:
// an absent path always; an empty directory; a directory that holds what
// sluice writes for that kind of output (a model directory with its
// sluice-model.json or a folder of them, one per learner; a dataset of part-NNNNN.parquet files in Hive folders, a
// `sluice prep` directory); a regular file for a file output. Anything else is
// a usage error (exit 2) naming the path and what is in it. The root, the
// working directory, the home directory, the state directory and any folder
// above them are never outputs, whatever they hold. The writers check again
// at the moment they replace, so no path skips the rule.

#include <string>

namespace sluice {

enum class OutputKind {
  kFile,          // one file (CSV, JSON Lines, Parquet, HTML, ...): replaces a regular file, never a directory
  kArtifact,      // a model directory: replaces a sluice model directory or an empty directory
  kDataset,       // a Parquet dataset directory: replaces a dataset sluice wrote or an empty directory
  kPreparedData,  // `sluice prep --out`: replaces an earlier prep output or an empty directory
};

// `what` names the setting in messages ("output", "--out", "transform --output").
void CheckOutputPath(const std::string& path, OutputKind kind, const std::string& what = "output");

// True when `dir` is a dataset sluice writes: only part-*.parquet files,
// Hive key=value/ folders of them, and leftovers of sluice's own staging.
bool IsSluiceDataset(const std::string& dir);

}  // namespace sluice
