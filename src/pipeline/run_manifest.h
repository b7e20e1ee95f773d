#pragma once
// The run's record in a model's sluice-model.json, the same for every kind
// of job: which pipeline (as resolved), which data (uri, files,
// fingerprint), where every row went, the raw schema, the task, seed,
// threads and the training curve. The artifact adds its model's own keys.

#include <cstddef>
#include <string>

#include "data/schema.h"
#include "monitor/run_summary.h"
#include "nlohmann/json.hpp"
#include "pipeline/pipeline_spec.h"

namespace sluice {

nlohmann::json RunManifest(const PipelineSpec& spec, const nlohmann::json& data, const RowCounts& rows,
                           const Schema& raw_schema, const std::string& task, size_t threads,
                           const nlohmann::json& curve);

}  // namespace sluice
