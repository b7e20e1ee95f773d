#pragma once
// Scores a file of raw rows with a model artifact: every input row gets one
// output line, in input order — its prediction, or an empty value when the
// row could not be read (the row then also goes to the rejects file). The
// rows pass through the artifact's own derive and encode code, the very code
// that prepared the training data.

#include <cstdint>
#include <string>

namespace sluice {

struct PredictOptions {
  std::string model_dir;
  std::string input;
  std::string output;   // .csv or .jsonl (by extension)
  std::string rejects;  // empty: <output>.rejects.csv when there are any
  int threads = 0;      // 0: every core
};

struct PredictTotals {
  int64_t rows_read = 0;
  int64_t rows_predicted = 0;
  int64_t rows_rejected = 0;
  std::string rejects_file;
  std::string first_reject;
};

PredictTotals PredictFile(const PredictOptions& options);

}  // namespace sluice
