#pragma once
// A profile of every column of a table, for `sluice profile`: nulls, a
// distinct-count estimate (HyperLogLog, about 1.6% error), min and max,
// quantiles (a mergeable KLL sketch), the most frequent values (exact while
// a column has at most kMaxTrackedValues distinct ones), and whether it
// looks like a row index or identifier — and from that, data checks a
// pipeline could start from (Deequ's constraint suggestion). Batches are
// profiled on any thread and merged in input order: the same table gives
// the same profile however it is read.

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "data/record_batch.h"
#include "nlohmann/json.hpp"

namespace sluice {

// Distinct values tracked exactly per column; past it the top values are
// not reported (the distinct count is still estimated).
inline constexpr size_t kMaxTrackedValues = 1000;

class TableProfiler {
 public:
  // `key_columns`: columns whose sample looks like a row key, with the
  // reason (TableSource::key_columns()).
  TableProfiler(const Schema& schema, std::map<std::string, std::string> key_columns);
  ~TableProfiler();

  void Observe(size_t batch_index, const RecordBatch& batch);
  // Per column, in schema order: {name, type, rows, nulls, distinct, min,
  // max, quantiles: {p1, p25, p50, p75, p99}, top: [{value, count}],
  // key: reason or ""}.
  nlohmann::json Finish();

  struct ColumnState;

 private:
  Schema schema_;
  std::map<std::string, std::string> key_columns_;
  std::mutex mutex_;
  std::map<size_t, std::vector<std::unique_ptr<ColumnState>>> partials_;
};

// Human-readable lines of a profile (one block per column).
std::string FormatProfile(const nlohmann::json& profile, const std::string& header);
// A `checks:` YAML section suggested by a profile of `rows` rows: complete
// columns stay complete, non-negative numbers stay non-negative, a column of
// few values keeps them, a key stays unique, and at least half the rows come.
std::string SuggestChecks(const nlohmann::json& profile, int64_t rows);

}  // namespace sluice
