#pragma once
// The two passes of prep over a source, shared by `sluice run` and
// `sluice prep`: FitPass fits θ on the train split (partial states merged in
// input order), ApplyPass derives, filters, splits and encodes every batch
// with θ and hands the result to a consumer on the pool's threads.

#include <functional>
#include <memory>
#include <vector>

#include "common/thread_pool.h"
#include "io/reject_file.h"
#include "io/table_source.h"
#include "prep/prep_plan.h"

namespace sluice {

struct FitPassResult {
  std::unique_ptr<FittedPrep> fitted;
  ScanTotals totals;
  int64_t train_rows = 0;
};

// Reads the source once; rejected rows go to `rejects`. Throws an input-data
// error when no train row is left.
FitPassResult FitPass(const TableSource& source, const PrepPlan& plan, ThreadPool& pool, RejectFile& rejects,
                      const std::string& source_name);

// One batch after prep: its rows (derived and filtered), the split of each,
// the encoded features (rows x num_features, row-major) and labels.
struct EncodedRows {
  const RecordBatch& batch;
  const std::vector<uint8_t>& split;
  const std::vector<float>& features;
  const std::vector<float>& labels;
  const FilterCounts& filtered;
};
using EncodedConsumer = std::function<void(size_t batch_index, const EncodedRows& rows)>;

ScanTotals ApplyPass(const TableSource& source, const PrepPlan& plan, const FittedPrep& fitted, ThreadPool& pool,
                     const EncodedConsumer& consume);

}  // namespace sluice
