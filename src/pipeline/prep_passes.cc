#include "pipeline/prep_passes.h"

#include <algorithm>
#include <mutex>

#include "common/error.h"
#include "common/file_system.h"
#include "common/format.h"
#include "common/memory.h"
#include "common/progress.h"

namespace sluice {

uint64_t DefaultPrepCacheBytes() { return PhysicalMemoryBytes() / 10 * 4; }

namespace {

// Drops the columns a source reads for data checks only, so batches are laid
// out as the plan (and the artifact's input schema) say.
void KeepPlanColumns(RecordBatch& batch, const Schema& plan_schema) {
  if (batch.schema.size() == plan_schema.size()) return;
  std::vector<Column> columns;
  columns.reserve(plan_schema.size());
  for (const auto& field : plan_schema.fields()) columns.push_back(std::move(batch.columns[*batch.schema.Find(field.name)]));
  batch.columns = std::move(columns);
  batch.schema = plan_schema;
}

}  // namespace

FitPassResult FitPass(const TableSource& source, const PrepPlan& plan, ThreadPool& pool, RejectFile& rejects,
                      const std::string& source_name, PrepCache* cache, DataChecks* checks) {
  std::mutex mutex;
  const std::vector<uint8_t> keep = plan.ColumnsForEncoding();
  std::vector<std::unique_ptr<PrepFitState>> states;
  FitPassResult result;
  {
    Progress progress("read + fit", source.total_bytes());
    result.totals = source.Scan(pool, [&](size_t index, RecordBatch&& batch) {
      rejects.Add(index, batch.source_name, std::move(batch.rejects));
      if (checks) checks->Observe(index, batch);
      KeepPlanColumns(batch, plan.source_schema());
      plan.Derive(batch);
      FilterCounts filtered = plan.Filter(batch);
      auto split = plan.AssignSplit(batch);
      auto state = std::make_unique<PrepFitState>(plan.NewFitState());
      plan.Fit(batch, split, *state);
      std::lock_guard<std::mutex> lock(mutex);
      if (states.size() <= index) states.resize(index + 1);
      states[index] = std::move(state);
      if (cache && cache->usable) {
        batch.ReleaseColumnsExcept(keep);
        cache->bytes += batch.memory_bytes();
        if (cache->bytes > cache->budget_bytes) {
          cache->usable = false;
          cache->batches.clear();
          cache->filtered.clear();
        } else {
          if (cache->batches.size() <= index) {
            cache->batches.resize(index + 1);
            cache->filtered.resize(index + 1);
          }
          cache->batches[index] = std::move(batch);
          cache->filtered[index] = filtered;
        }
      }
    }, &progress);
    progress.Finish();
  }
  rejects.Close();
  // Merged in input order, so θ does not depend on thread timing.
  PrepFitState merged = plan.NewFitState();
  for (const auto& state : states) {
    if (state) merged.Merge(*state);
  }
  if (merged.train_rows == 0) {
    ThrowInputData(source_name + ": no rows left for training (read " + FormatCount(result.totals.rows_read) +
                   ", rejected " + FormatCount(result.totals.rows_rejected) +
                   (rejects.first().empty() ? "" : "; first reject: " + rejects.first()) + ")");
  }
  result.train_rows = merged.train_rows;
  result.fitted = std::make_unique<FittedPrep>(plan.Finalize(merged));
  return result;
}

void ApplyPass(const TableSource& source, const PrepPlan& plan, const FittedPrep& fitted, ThreadPool& pool,
               const EncodedConsumer& consume, PrepCache* cache) {
  Progress progress("apply", source.total_bytes());
  size_t num_features = fitted.num_features();
  const bool classes = !fitted.labels().empty();
  auto encode = [&](size_t index, RecordBatch& batch, const FilterCounts& filtered_before) {
    FilterCounts filtered = filtered_before;
    std::vector<float> labels(batch.num_rows());
    if (classes) {
      // Class ids from the label map; a class the train split never had
      // cannot be learned or scored: its rows are filtered, and counted.
      fitted.LabelIds(batch, labels.data());
      std::vector<uint8_t> keep(labels.size());
      for (size_t row = 0; row < labels.size(); ++row) keep[row] = labels[row] == labels[row];
      const int64_t unseen = static_cast<int64_t>(std::count(keep.begin(), keep.end(), 0));
      if (unseen > 0) {
        filtered.unseen_label += unseen;
        batch.Filter(keep);
        std::erase_if(labels, [](float label) { return label != label; });
      }
    } else {
      plan.Labels(batch, labels.data());
    }
    auto split = plan.AssignSplit(batch);
    size_t rows = batch.num_rows();
    std::vector<float> features(rows * num_features);
    fitted.Encode(batch, features.data());
    consume(index, EncodedRows{batch, split, features, labels, filtered});
    progress.Advance(batch.source_bytes, rows);
  };
  if (cache && cache->usable) {
    TaskGroup group(pool);
    for (size_t index = 0; index < cache->batches.size(); ++index) {
      group.Limit(pool.num_threads() * 2);
      group.Submit([&, index] {
        RecordBatch batch = std::move(cache->batches[index]);
        encode(index, batch, cache->filtered[index]);
      });
    }
    group.Wait();
    cache->batches.clear();
    ReleaseFreeMemory();
  } else {
    source.Scan(pool, [&](size_t index, RecordBatch&& batch) {
      KeepPlanColumns(batch, plan.source_schema());
      plan.Derive(batch);
      FilterCounts filtered = plan.Filter(batch);
      encode(index, batch, filtered);
    });
  }
  progress.Finish();
}

RowCounts RowAccounting(const ScanTotals& totals, const FilterCounts& filtered, const int64_t split_rows[3]) {
  const int64_t kept = split_rows[0] + split_rows[1] + split_rows[2];
  RowCounts counts;
  counts.read = totals.rows_read;
  counts.rejected = totals.rows_rejected;
  counts.blank = totals.rows_blank;
  counts.filtered = filtered.total();
  counts.filtered_by_filter = filtered.by_filter;
  counts.filtered_unread = totals.rows_pruned;
  counts.filtered_missing_target = filtered.missing_target;
  counts.filtered_missing_value = filtered.missing_value;
  counts.filtered_unseen_label = filtered.unseen_label;
  counts.kept = kept;
  counts.train = split_rows[0];
  counts.valid = split_rows[1];
  counts.test = split_rows[2];
  const int64_t accounted = kept + filtered.total() + totals.rows_rejected + totals.rows_blank;
  if (accounted != totals.rows_read) {
    ThrowInternal("row accounting is off: read " + std::to_string(totals.rows_read) + ", accounted " +
                  std::to_string(accounted));
  }
  return counts;
}

std::unique_ptr<DataChecks> BindChecks(const PipelineSpec& spec, TableSource& source, const Schema& raw_schema,
                                       const std::vector<std::string>& plan_columns) {
  if (spec.checks.empty()) return nullptr;
  // Bound once on every column to learn what they read, then on the columns read.
  std::vector<std::string> columns = plan_columns;
  for (const auto& column : DataChecks(spec.checks, raw_schema).ColumnsRead()) {
    if (std::find(columns.begin(), columns.end(), column) == columns.end()) columns.push_back(column);
  }
  source.Project(columns);
  source.SetPruningPredicates({});
  return std::make_unique<DataChecks>(spec.checks, source.schema());
}

std::vector<CheckOutcome> FinishChecks(DataChecks* checks, const ScanTotals& totals, const std::string& source_name) {
  std::vector<CheckOutcome> out;
  if (!checks) return out;
  for (const auto& result : checks->Finish(totals.rows_read - totals.rows_blank - totals.rows_rejected, source_name)) {
    out.push_back(CheckOutcome::FromJson(result));
  }
  return out;
}

SplitShares SharesOf(const SplitSpec& split) { return {split.train, split.valid, split.test}; }

void CheckSourceRejectRate(const PipelineSpec& spec, const ScanTotals& totals, const RejectFile& rejects,
                           const std::string& staged_rejects) {
  const int64_t rows = totals.rows_read - totals.rows_blank;
  if (static_cast<double>(totals.rows_rejected) <= spec.source.max_reject_rate * static_cast<double>(rows)) return;
  std::string context = "nothing was trained";
  if (!spec.rejects.empty()) {
    FileSystem::Default().Rename(staged_rejects, spec.rejects);
    context += "; every rejected row is in " + spec.rejects;
  } else {
    context += "; set `rejects: PATH` in the pipeline to keep every rejected row";
  }
  CheckRejectRate(rejects, totals.rows_rejected, rows, spec.source.max_reject_rate, "source.max_reject_rate", context);
}

}  // namespace sluice
