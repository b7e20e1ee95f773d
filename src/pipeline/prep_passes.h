#pragma once
// The two passes of prep over a source, shared by `sluice run` and
// `sluice prep`: FitPass fits θ on the train split (partial states merged in
// input order), ApplyPass derives, filters, splits and encodes every batch
// with θ and hands the result to a consumer on the pool's threads.

#include <functional>
#include <memory>
#include <vector>

#include "common/thread_pool.h"
#include "nlohmann/json.hpp"
#include "io/reject_file.h"
#include "io/table_source.h"
#include "monitor/run_summary.h"
#include "pipeline/pipeline_spec.h"
#include "prep/prep_plan.h"

namespace sluice {

// Batches kept from the fit pass — derived, filtered, and holding only the
// columns encoding reads — so the apply pass need not read and parse the
// source again. Kept while they fit in budget_bytes; past it the cache is
// dropped and the apply pass reads the source instead.
struct PrepCache {
  explicit PrepCache(uint64_t budget) : budget_bytes(budget) {}
  uint64_t budget_bytes;
  uint64_t bytes = 0;
  bool usable = true;
  std::vector<RecordBatch> batches;
  std::vector<FilterCounts> filtered;
};

// The default cache budget: 40% of the machine's memory.
uint64_t DefaultPrepCacheBytes();

struct FitPassResult {
  std::unique_ptr<FittedPrep> fitted;
  ScanTotals totals;  // rows_pruned rows count as filtered by prep.filter
  int64_t train_rows = 0;
};

// Reads the source once; rejected rows go to `rejects`. Throws an input-data
// error when no train row is left. A source read in shards (TableSource::
// SetShard) gives every shard the whole source's θ, totals and first rejects.
// `checks`, when given, sees every batch as read, before derive and filter.
FitPassResult FitPass(const TableSource& source, const PrepPlan& plan, ThreadPool& pool, RejectFile& rejects,
                      const std::string& source_name, PrepCache* cache = nullptr, DataChecks* checks = nullptr);

// The data checks of `spec` bound to `source` (null when there are none):
// their columns are added to what `source` reads, Parquet row groups are
// no longer skipped by statistics (every row must be checked), and
// `plan_columns` are the columns prep reads; `raw_schema` every column of
// the source, before any projection.
std::unique_ptr<DataChecks> BindChecks(const PipelineSpec& spec, TableSource& source, const Schema& raw_schema,
                                       const std::vector<std::string>& plan_columns);
// Runs Finish() on the rows the fit pass read: the checks' results.
std::vector<CheckOutcome> FinishChecks(DataChecks* checks, const ScanTotals& totals, const std::string& source_name);

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

// Encodes from `cache` when it is usable (freeing each batch as it goes),
// else reads the source again.
void ApplyPass(const TableSource& source, const PrepPlan& plan, const FittedPrep& fitted, ThreadPool& pool,
               const EncodedConsumer& consume, PrepCache* cache = nullptr);

// Where every input row went — read, rejected, filtered (by reason), kept
// (by split) — as the summary and the artifact record it. Throws an internal
// error when the numbers do not add up.
RowCounts RowAccounting(const ScanTotals& totals, const FilterCounts& filtered, const int64_t split_rows[3]);

// The split's shares as the run summary and a prepared directory record them.
SplitShares SharesOf(const SplitSpec& split);

// Fails the run (exit 3) before training when more of the source's rows
// were rejected than source.max_reject_rate allows. The rejects go where
// the pipeline's `rejects` key says, if it says; else they are dropped with
// the run, and the message holds the first few.
void CheckSourceRejectRate(const PipelineSpec& spec, const ScanTotals& totals, const RejectFile& rejects,
                           const std::string& staged_rejects);

}  // namespace sluice
