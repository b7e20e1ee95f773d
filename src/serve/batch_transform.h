#pragma once
// `sluice transform`: batch transform (SageMaker's term) of raw rows with a
// model artifact, from a file, directory, glob or Parquet dataset to a CSV,
// JSON Lines or Parquet file or a Parquet dataset directory. Streamed: batches
// are read, aligned, encoded and scored on the thread pool and written in
// input order, so peak memory does not grow with the input. Each input row
// gives one output row — the chosen input columns carried alongside the
// prediction; a row that could not be read, or that has no value in any
// column the model reads, gives a row of nulls there, and goes to the
// rejects file with its line and reason. Blank lines give no row.

#include <atomic>
#include <cstdint>
#include <string>
#include <vector>

#include "io/reject_file.h"

namespace sluice {

struct TransformOptions {
  std::string model_dir;
  std::string input;
  std::string output;               // .csv, .jsonl, .parquet, or a directory (ending in /) for a dataset
  std::vector<std::string> carry;   // input columns copied to the output, before the prediction
  std::string prediction_column = "prediction";
  std::string rejects;              // empty: <output>.rejects.csv (a dataset DIR/: DIR.rejects.csv)
  int threads = 0;                  // 0: every core
  // Past this share of rejected rows (blank lines left out) the output is
  // still written, then the transform fails (exit 3) with the count and the
  // first reasons.
  double max_reject_rate = kDefaultMaxRejectRate;
  // Set by SIGTERM / SIGINT: the transform stops at its next batch, writes
  // nothing under `output` and throws an interrupted Error (exit 130).
  const std::atomic<bool>* stop_requested = nullptr;
};

struct TransformTotals {
  int64_t rows_read = 0;
  int64_t rows_predicted = 0;
  int64_t rows_rejected = 0;
  int64_t rows_blank = 0;  // empty lines or bare delimiters: skipped, no output row
  std::string rejects_file;
  std::string first_reject;
};

// Scores options.input into options.output: a file, a dataset directory, a
// postgres://...?table= table, or an s3:// object or prefix (written
// locally, uploaded when complete: io/s3/s3_output.h).
TransformTotals TransformFile(const TransformOptions& options);

}  // namespace sluice
