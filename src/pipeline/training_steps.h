#pragma once
// The steps of a tabular training run, shared by `sluice run` (one model)
// and tuning (many trials, one artifact): get the prepared data — from this
// run's prep passes or from a `sluice prep` directory —, check the learner's
// parameters, and evaluate a trained model on the test split and write the
// artifact.

#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "nlohmann/json.hpp"
#include "pipeline/pipeline_spec.h"
#include "pipeline/prepared_data.h"
#include "pipeline/run_support.h"
#include "train/learner.h"

namespace sluice {

class ThreadPool;
using RunLog = std::function<void(const std::string&)>;

// Ingest and prep (fit pass, apply pass), or the `sluice prep` directory
// train.prepared names. Rejected rows are staged beside the output. Under
// MPI each rank prepares its share (PreparedData::sharded), unless `shard`
// is false: then every rank prepares the whole source (tuning's trials).
PreparedData PrepareData(const PipelineSpec& spec, ThreadPool& pool, StagedFiles& staged, const RunLog& log,
                         bool shard = true);

// Every train.params key must be one the learner knows.
void CheckLearnerParams(const Learner& learner, const PipelineSpec& spec);

struct FinishedTraining {
  const Model* model;
  Task task;
  size_t threads;
  nlohmann::json curve;     // the validation curve, for the manifest
  nlohmann::json manifest;  // further keys of sluice-model.json (tuning's record)
  // Further files moved into the artifact: name in it, staged path.
  std::vector<std::pair<std::string, std::string>> files;
};

// Evaluates the model on the test split (its predictions kept as
// test_predictions.csv), writes the artifact to spec.output and returns the
// run summary, with seconds.evaluate and seconds.save set. Data prepared in
// shards is scored by every rank and written by rank 0 (the others get an
// empty summary).
RunSummary EvaluateAndSave(const PipelineSpec& spec, PreparedData& prepared, const FinishedTraining& trained,
                           StagedFiles& staged);

}  // namespace sluice
