// TableSource's scan of Parquet files: row groups (or, with too few to
// keep the threads busy, the columns of each batch) decoded in parallel,
// those whose statistics rule out every row of a pruning predicate skipped.

#include "io/table_source.h"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstring>
#include <optional>
#include <filesystem>
#include <mutex>

#include "common/error.h"
#include "common/hash.h"
#include "io/byte_stream.h"
#include "io/csv_record.h"
#include "io/file_set.h"
#include "io/jsonl_parser.h"
#include "io/parquet/parquet_reader.h"
#include "io/parquet/plain_value.h"
#include "io/record_chunker.h"
#include "io/schema_inference.h"
#include "common/thread_pool.h"
#include "data/column_cast.h"

namespace sluice {

namespace {

// A statistic of a plain numeric column as a double; nullopt for anything
// else (logical types with their own scale or order are not compared).
std::optional<double> StatValue(const parquet::SchemaElement& e, const std::optional<std::string>& raw) {
  bool signed_int_annotation = !e.converted_type || (*e.converted_type >= parquet::ConvertedType::kInt8 &&
                                                      *e.converted_type <= parquet::ConvertedType::kInt64);
  bool plain_logical = e.logical.kind == parquet::LogicalType::kNone ||
                       (e.logical.kind == parquet::LogicalType::kInteger && e.logical.is_signed);
  if (!raw || !signed_int_annotation || !plain_logical) return std::nullopt;
  return parquet::PlainNumber(e.type.value_or(parquet::PhysicalType::kByteArray), *raw);
}

// Whether some value in [min, max] can satisfy `value op bound`.
bool RangeCanSatisfy(double min, double max, const std::string& op, double bound) {
  if (std::isnan(min) || std::isnan(max)) return true;
  if (op == "=") return min <= bound && bound <= max;
  if (op == "!=") return !(min == bound && max == bound);
  if (op == "<") return min < bound;
  if (op == "<=") return min <= bound;
  if (op == ">") return max > bound;
  return max >= bound;  // >=
}

// Rows per batch read from Parquet: about 8 MiB of decoded columns (8-byte
// values and a validity byte), so batches stay cache- and allocator-friendly
// and memory stays bounded whatever the row groups' size.
size_t ParquetBatchRows(size_t columns) {
  constexpr size_t kBatchBytes = 8 << 20;
  return std::clamp<size_t>(kBatchBytes / (9 * std::max<size_t>(columns, 1)), 4096, 1 << 20);
}

}  // namespace

ScanTotals TableSource::ScanParquet(ThreadPool& pool, const BatchConsumer& consume, Progress* progress) const {
  std::atomic<int64_t> rows_read{0};
  int64_t rows_pruned = 0;
  FingerprintBuilder fingerprint;
  size_t batch_index = 0;
  TaskGroup group(pool);
  const size_t max_in_flight = pool.num_threads() * 2;
  std::vector<std::shared_ptr<ParquetFile>> files;
  // Row groups in parallel when there are enough to keep every thread busy,
  // else the columns of each batch in parallel (a file of one big group).
  size_t total_groups = 0;
  bool column_parallel = false;
  if (pool.num_threads() > 1) {
    for (const auto& path : files_) {
      total_groups += ParquetFile::Open(path)->num_row_groups();
      if (total_groups >= pool.num_threads() * 2) break;
    }
    column_parallel = total_groups < pool.num_threads() * 2;
  }
  // A shard reads its run of row groups, shared out by their bytes; every
  // shard walks every footer (row numbers, the fingerprint).
  std::vector<int> owner;
  if (shard_.active()) {
    std::vector<uint64_t> weights;
    for (const auto& path : files_) {
      const std::shared_ptr<ParquetFile> file = ParquetFile::Open(path);
      for (const auto& row_group : file->metadata().row_groups) {
        uint64_t bytes = 0;
        for (const auto& chunk : row_group.columns) bytes += static_cast<uint64_t>(std::max<int64_t>(0, chunk.meta.total_compressed_size));
        weights.push_back(bytes);
      }
    }
    owner = AssignUnits(weights, shard_.count);
  }
  size_t global_group = 0;
  for (size_t file_index = 0; file_index < files_.size() && !group.failed(); ++file_index) {
    std::shared_ptr<ParquetFile> file = ParquetFile::Open(files_[file_index]);
    files.push_back(file);
    // Columns by name, so part files may order them differently.
    std::vector<size_t> columns;
    for (const auto& field : data_schema_.fields()) {
      auto index = file->schema().Find(field.name);
      if (!index) ThrowInputData(files_[file_index] + ": has no column '" + field.name + "' (the first file has)");
      columns.push_back(*index);
    }
    // The footer describes every byte of data: its hash stands for the file's.
    fingerprint.Add(Hash64(std::to_string(file->file_size()) + file->path().substr(file->path().rfind('/') + 1)));
    int64_t first_row = 1;
    for (size_t g = 0; g < file->num_row_groups(); ++g) {
      const auto& row_group = file->metadata().row_groups[g];
      for (const auto& chunk : row_group.columns) fingerprint.Add(static_cast<uint64_t>(chunk.meta.data_page_offset) ^ static_cast<uint64_t>(chunk.meta.total_compressed_size));
      if (!owner.empty() && owner[global_group++] != shard_.index) {
        first_row += row_group.num_rows;
        continue;
      }
      // Skip a row group whose statistics rule out every row.
      bool prunable = false;
      for (const auto& predicate : predicates_) {
        auto column = file->schema().Find(predicate.column);
        if (!column) continue;
        const auto& stats = row_group.columns[*column].meta.statistics;
        if (!stats) continue;
        if (stats->null_count && *stats->null_count == row_group.num_rows) {
          prunable = true;  // all null: no comparison is true
          break;
        }
        auto min = StatValue(file->element(*column), stats->min_value);
        auto max = StatValue(file->element(*column), stats->max_value);
        if (min && max && !RangeCanSatisfy(*min, *max, predicate.op, predicate.value)) {
          prunable = true;
          break;
        }
      }
      if (prunable) {
        rows_read += row_group.num_rows;
        rows_pruned += row_group.num_rows;
        first_row += row_group.num_rows;
        continue;
      }
      uint64_t bytes = 0;
      for (const auto& chunk : row_group.columns) bytes += static_cast<uint64_t>(std::max<int64_t>(0, chunk.meta.total_compressed_size));
      // Bounded batches: a row group of any size streams through in slices.
      const size_t slice_rows = ParquetBatchRows(columns.size());
      const size_t slices = std::max<size_t>(1, (static_cast<size_t>(row_group.num_rows) + slice_rows - 1) / slice_rows);
      const size_t first_index = batch_index;
      batch_index += slices;
      auto read_group = [&, file, columns, g, first_row, first_index, slices, slice_rows, file_index,
                         bytes](ThreadPool* column_pool) {
        size_t slice = 0;
        auto deliver = [&](RecordBatch&& batch) {
          for (size_t c = 0; c < data_schema_.size(); ++c) {
            if (batch.columns[c].type() == data_schema_.field(c).type) continue;
            std::string problem;
            auto cast = CastColumn(batch.columns[c], data_schema_.field(c).type, &problem);
            if (!cast) ThrowInputData(file->path() + ": row group " + std::to_string(g) + ", column " + data_schema_.field(c).name + ": " + problem);
            batch.columns[c] = std::move(*cast);
          }
          batch.schema = data_schema_;
          batch.file_index = static_cast<uint32_t>(file_index);
          AddPartitionColumns(batch);
          // The group's compressed bytes, spread over its slices.
          batch.source_bytes = bytes / slices + (slice + 1 == slices ? bytes % slices : 0);
          rows_read += static_cast<int64_t>(batch.num_rows());
          if (progress) progress->Advance(batch.source_bytes, batch.num_rows());
          const size_t index = first_index + slice++;
          if (!column_pool) {
            consume(index, std::move(batch));
            return;
          }
          // The consumer's work runs on the pool while the next batch decodes.
          auto shared = std::make_shared<RecordBatch>(std::move(batch));
          group.Limit(max_in_flight);
          group.Submit([&consume, index, shared] { consume(index, std::move(*shared)); });
        };
        if (file->metadata().row_groups[g].num_rows == 0) {
          deliver(file->ReadRowGroup(g, columns, first_row));
        } else {
          file->ReadRowGroup(g, columns, first_row, slice_rows, deliver, column_pool);
        }
      };
      if (column_parallel) {
        // Few row groups: this thread walks the group, its columns decode on the pool.
        read_group(&pool);
      } else {
        group.Limit(max_in_flight);
        if (group.failed()) break;
        group.Submit([read_group] { read_group(nullptr); });
      }
      first_row += row_group.num_rows;
    }
  }
  group.Wait();
  return {.rows_read = rows_read, .rows_pruned = rows_pruned, .num_batches = batch_index, .fingerprint = fingerprint.Hex()};
}

}  // namespace sluice
