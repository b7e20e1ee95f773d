#pragma once
// A directory whose manifest describes its other files — a model directory
// (sluice-model.json), prepared data (manifest.json) — by size and content
// hash (XXH3, common/content_hash.h) under "files". The manifest is written
// last; a reader checks each file against it, so a file changed after the
// save (damaged, edited, or from a copy taken while an S3 prefix was being
// replaced, where objects change one by one) is found before it is used.

#include <string>

#include "nlohmann/json.hpp"

namespace sluice {

// Every regular file under `dir` but `manifest_name`: {"relative/name":
// {"bytes": N, "content_hash": HEX}}.
nlohmann::json DescribeFiles(const std::string& dir, const std::string& manifest_name);

// Checks every file `manifest["files"]` names that is in `dir` against its
// size and content hash: an input-data error naming the first that differs
// (`what`: "model", "prepared data", for the message), or a "files" that
// names a path outside `dir`. A missing file is left to the reader that
// needs it (its own message says which); a manifest without "files" (from
// an older sluice) checks nothing.
void VerifyDescribedFiles(const std::string& dir, const nlohmann::json& manifest, const std::string& manifest_name,
                          const std::string& what);

}  // namespace sluice
