#pragma once
// What a scan of a source reports, and how it hands over its batches: shared
// by the file reader (io/table_source.h) and the database one
// (io/postgres/postgres_source.h).

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>

#include "data/record_batch.h"

namespace sluice {

struct ScanTotals {
  int64_t rows_read = 0;  // parsed + rejected + pruned + blank
  int64_t rows_rejected = 0;
  // Lines with no value at all — empty, spaces only, or (CSV) bare
  // delimiters — skipped and counted here, never parsed as rows of nulls.
  int64_t rows_blank = 0;
  // Rows of Parquet row groups skipped because their statistics show no row
  // can pass the predicates (see SetPruningPredicates); counted as read.
  int64_t rows_pruned = 0;
  size_t num_batches = 0;
  std::string fingerprint;  // content hash of every input byte
};

// Called on pool threads; batch_index counts from 0 in input order.
using BatchConsumer = std::function<void(size_t batch_index, RecordBatch&& batch)>;

}  // namespace sluice
