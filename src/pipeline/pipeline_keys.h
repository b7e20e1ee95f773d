#pragma once
// Every key of the pipeline file, declared once: the validator accepts exactly
// these, `sluice run --help-keys` prints them, and docs/pipeline.md is
// generated from them (a test keeps the two equal). A segment written <name>
// matches any one key there (a column name, a parameter name).

#include <string>
#include <vector>

namespace sluice {

struct PipelineKey {
  const char* path;
  const char* type;
  const char* default_value;
  const char* description;
};

const std::vector<PipelineKey>& PipelineKeys();

// Whether a dotted path names a declared key, or a map above one.
bool IsKnownKey(const std::string& path);
bool IsKnownMapPrefix(const std::string& path);
// The closest declared key, for "did you mean".
std::string ClosestKey(const std::string& path);

// docs/pipeline.md's reference table.
std::string PipelineKeysMarkdown();

}  // namespace sluice
