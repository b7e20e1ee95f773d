#pragma once
// Writing a model directory atomically, for every kind of model: a staging
// directory beside the target receives the model's own files, the manifest
// (sluice-model.json, with format and sluice versions added), metrics.json
// and any extra staged files, then replaces the target in one rename. A
// failure leaves the previous directory as it was.

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

}  // namespace sluice
