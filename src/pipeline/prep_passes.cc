#include "pipeline/prep_passes.h"

#include <algorithm>
#include <bit>
#include <cstring>
#include <mutex>

#include "cluster/communicator.h"
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

// A source read in shards: every shard's partial state merged in shard
// order (so every rank fits the same θ), and the totals and first rejects
// of the whole source.
void MergeShards(const SourceShard& shard, PrepFitState& state, ScanTotals& totals, RejectFile& rejects) {
  nlohmann::json mine = {{"state", state.Serialize()},
                         {"totals", {totals.rows_read, totals.rows_rejected, totals.rows_blank, totals.rows_pruned}},
                         {"firsts", rejects.firsts()}};
  PrepFitState merged = PrepFitState(state.moments.size());
  ScanTotals sum;
  sum.fingerprint = totals.fingerprint;  // the whole source's already
  std::vector<std::string> firsts;
  for (const auto& text : shard.all_gather(mine.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace))) {
    const nlohmann::json theirs = nlohmann::json::parse(text);
    merged.Merge(PrepFitState::Deserialize(theirs.at("state").get<std::string>()));
    const std::vector<int64_t> counts = theirs.at("totals").get<std::vector<int64_t>>();
    sum.rows_read += counts[0];
    sum.rows_rejected += counts[1];
    sum.rows_blank += counts[2];
    sum.rows_pruned += counts[3];
    for (const auto& first : theirs.at("firsts")) firsts.push_back(first.get<std::string>());
  }
  state = std::move(merged);
  sum.num_batches = totals.num_batches;
  totals = sum;
  rejects.SetWholeSource(std::move(firsts), totals.rows_rejected);
}

// Means and deviations as one process computes them: every chunk's moments,
// of every shard, folded in input order (chunks are the same however the
// source is read, io/record_chunker.h), so θ is the same bits with any
// number of ranks. Moments travel as raw 8-byte words: the ranks of a job
// share one machine architecture.
std::vector<RunningMoments> FoldShardMoments(const SourceShard& shard,
                                             const std::vector<std::unique_ptr<PrepFitState>>& states,
                                             size_t num_features) {
  std::string mine;
  for (const auto& state : states) {
    if (!state) continue;
    for (const auto& moment : state->moments) {
      const uint64_t words[3] = {moment.count, std::bit_cast<uint64_t>(moment.mean), std::bit_cast<uint64_t>(moment.m2)};
      mine.append(reinterpret_cast<const char*>(words), sizeof words);
    }
  }
  std::vector<RunningMoments> folded(num_features);
  for (const auto& theirs : shard.all_gather(mine)) {
    const size_t record = 3 * sizeof(uint64_t);
    if (num_features == 0 || theirs.size() % (record * num_features) != 0) {
      ThrowInternal("a rank's fit moments have the wrong size");
    }
    for (size_t at = 0; at < theirs.size(); at += record) {
      uint64_t words[3];
      std::memcpy(words, theirs.data() + at, sizeof words);
      RunningMoments moment;
      moment.count = words[0];
      moment.mean = std::bit_cast<double>(words[1]);
      moment.m2 = std::bit_cast<double>(words[2]);
      folded[(at / record) % num_features].Merge(moment);
    }
  }
  return folded;
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
  if (source.shard().active()) {
    if (checks) checks->MergeShards(source.shard().all_gather);
    MergeShards(source.shard(), merged, result.totals, rejects);
    merged.moments = FoldShardMoments(source.shard(), states, merged.moments.size());
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
    // Across MPI ranks the ranks' rejects were joined on rank 0.
    if (Job().rank() == 0) FileSystem::Default().Rename(staged_rejects, spec.rejects);
    context += "; every rejected row is in " + spec.rejects;
  } else {
    context += "; set `rejects: PATH` in the pipeline to keep every rejected row";
  }
  CheckRejectRate(rejects, totals.rows_rejected, rows, spec.source.max_reject_rate, "source.max_reject_rate", context);
}

}  // namespace sluice
