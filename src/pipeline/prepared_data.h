#pragma once
// What training starts from: θ, the three split matrices and the record of
// where every input row went. It comes either from this run's prep passes
// (pipeline/training_run) or from a `sluice prep` output directory read back
// from its Parquet datasets (train.prepared), so the training half of a
// pipeline is the same code either way.
//
// A `sluice prep` output directory holds:
//   prep.json                 θ (FittedPrep::ToJson)
//   manifest.json             raw_schema, data (uri, files, fingerprint), rows
//   train/ valid/ test/       Parquet datasets: the features, then the target
//   rejects.csv               rows that could not be read

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/thread_pool.h"
#include "data/schema.h"
#include "monitor/run_summary.h"
#include "nlohmann/json.hpp"
#include "prep/fitted_prep.h"
#include "train/dense_matrix.h"

namespace sluice {

struct PreparedData {
  std::unique_ptr<FittedPrep> fitted;
  DenseMatrix splits[3];  // train, valid, test
  // Where each test row came from: the source file's index and line (from a
  // prepared directory: the test part file's index and row in it).
  std::vector<uint32_t> test_files;
  std::vector<int64_t> test_lines;
  Schema raw_schema;                  // every column of the training data
  nlohmann::json data;                // uri, files, fingerprint
  RowCounts rows;                     // the row accounting
  std::optional<SplitShares> split;   // the shares asked for; unknown for older prepared directories
  // The feature columns (before one-hot expansion) and the columns that are
  // not features, each {"name", "reason"}: for the run summary.
  std::vector<std::string> used_columns;
  std::vector<CheckOutcome> checks;  // the data checks' results
  std::vector<ColumnLeftOut> unused_columns;
  std::string rejects_file;           // where rejected rows are, if any
  std::string first_reject;
  double read_fit_seconds = 0, apply_seconds = 0;
  // Under MPI: the splits hold this rank's share of the rows (the counts
  // are every rank's); false when this process read the whole source.
  bool sharded = false;
};

// Writes manifest.json of a `sluice prep` output directory.
void WritePreparedManifest(const std::string& dir, const Schema& raw_schema, const nlohmann::json& data,
                           const RowCounts& rows, const SplitShares& split);

// Reads a `sluice prep` output directory back (under MPI, each rank its
// own share of each split's row groups; the row counts checked are all
// ranks' together). The splits must hold exactly
// the rows its manifest counts, with every feature θ names and the target;
// anything else is an input-data error naming the directory.
// `shard`: false reads the whole directory on every rank (tuning's trials).
PreparedData LoadPreparedData(const std::string& dir, ThreadPool& pool, bool shard = true);

}  // namespace sluice
