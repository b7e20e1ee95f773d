#include "pipeline/run_manifest.h"

#include <cstdint>
#include <ctime>

namespace sluice {

nlohmann::json RunManifest(const PipelineSpec& spec, const nlohmann::json& data, const RowCounts& rows,
                           const Schema& raw_schema, const std::string& task, size_t threads,
                           const nlohmann::json& curve) {
  nlohmann::json manifest;
  manifest["name"] = spec.name;
  manifest["created_unix"] = static_cast<int64_t>(std::time(nullptr));
  manifest["pipeline"] = spec.resolved;
  manifest["data"] = data;
  manifest["rows"] = rows.ToJson();
  manifest["raw_schema"] = raw_schema.ToJson();
  manifest["task"] = task;
  manifest["seed"] = spec.seed;
  manifest["threads"] = threads;
  manifest["curve"] = curve;
  return manifest;
}

}  // namespace sluice
