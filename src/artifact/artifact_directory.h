#pragma once
// Writing a model directory atomically, for every kind of model: a staging
// directory beside the target receives the model's own files, metrics.json
// and any extra staged files, then the manifest (sluice-model.json, with
// format and sluice versions added and every other file's size and content
// hash under "files"), then replaces the target in one rename. A failure
// leaves the previous directory as it was.
//
// Loading checks each file against "files": a model file that is not the
// one the manifest was written with (damaged, edited, or a copy taken while
// an S3 prefix was being replaced, where objects change one by one) is an
// input-data error, never a model scored with the wrong parts.

#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "nlohmann/json.hpp"

namespace sluice {

constexpr int kArtifactFormatVersion = 1;

// `write_model(staged_dir, manifest)` writes the model's files into the
// staging directory and fills in its part of the manifest.
void SaveArtifactDirectory(const std::string& dir, nlohmann::json manifest, const nlohmann::json& metrics,
                           const std::vector<std::pair<std::string, std::string>>& extra_files,
                           const std::function<void(const std::string&, nlohmann::json&)>& write_model);

// The manifest of a model directory; a usage error when it is not one.
nlohmann::json ReadArtifactManifest(const std::string& dir);

// Checks every file the manifest's "files" names that is in `dir` against
// its size and content hash; an input-data error naming the first that
// differs. A file that is missing is left to the loader that needs it (its
// own message says which); a manifest written before "files" checks nothing.
void VerifyArtifactFiles(const std::string& dir, const nlohmann::json& manifest);
// The same for the manifest in `dir`, for a model copied from elsewhere.
void VerifyArtifactFiles(const std::string& dir);

}  // namespace sluice
