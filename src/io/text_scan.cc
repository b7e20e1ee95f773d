// TableSource's scan of CSV and JSON Lines files: each file cut into
// chunks at record boundaries on the reading thread (hashed in order for the
// fingerprint), the chunks parsed into batches on the pool, over-long
// records rejected with their line.

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

namespace sluice {

ScanTotals TableSource::Scan(ThreadPool& pool, const BatchConsumer& consume, Progress* progress) const {
  if (format_ == FileFormat::kParquet) return ScanParquet(pool, consume, progress);
  std::atomic<int64_t> rows_read{0}, rows_rejected{0}, rows_blank{0};
  // The fingerprint hashes every input byte in order, on the producer thread,
  // so it does not depend on chunk size or thread count.
  FingerprintBuilder fingerprint;
  ColumnIndex column_index;
  for (size_t i = 0; i < data_schema_.size(); ++i) column_index[data_schema_.field(i).name] = i;
  size_t batch_index = 0;
  TaskGroup group(pool);
  const size_t max_in_flight = pool.num_threads() * 2;
  for (size_t file_index = 0; file_index < files_.size() && !group.failed(); ++file_index) {
    const std::string& path = files_[file_index];
    auto stream = ByteStream::Open(path);
    // The schema and the plan were made from the file as it was at Open().
    if (stream->file_size() != stamps_[file_index].size || stream->modified_ns() != stamps_[file_index].modified_ns) {
      ThrowInputData(path + ": changed since the source was opened (" + std::to_string(stamps_[file_index].size) +
                     " bytes then, " + std::to_string(stream->file_size()) +
                     " now): another process wrote to it; run again once the file is complete");
    }
    RecordChunker chunker(*stream, options_.chunk_bytes, format_ == FileFormat::kCsv && options_.csv.quoting,
                          options_.csv.quote, options_.max_line_bytes);
    bool first_chunk = true;
    StreamingHash file_hash;
    while (auto chunk = chunker.Next()) {
      for (const auto& skipped : chunk->skipped) {
        // Not every byte of a skipped record is kept to hash: its place, length and start are.
        const std::string summary = std::to_string(skipped.line) + ":" + std::to_string(skipped.bytes) + ":" + skipped.excerpt;
        file_hash.Update(summary.data(), summary.size());
      }
      file_hash.Update(chunk->data(), chunk->size);
      size_t skip = 0;
      int64_t first_line = chunk->first_line;
      if (first_chunk && format_ == FileFormat::kCsv && options_.csv.header) {
        if (!chunk->skipped.empty() && chunk->skipped[0].line == 1) {
          ThrowHeaderTooLong(path, chunk->skipped[0], options_.max_line_bytes);
        }
        CsvTokenizer tokenizer(chunk->data(), chunk->size, first_line, options_.csv);
        if (!tokenizer.Next()) continue;
        auto names = HeaderNames(tokenizer, path);
        std::vector<std::string> expected;
        for (const auto& field : file_schema_.fields()) expected.push_back(field.name);
        if (names != expected) {
          ThrowInputData(path + ":" + std::to_string(tokenizer.line()) + ": header differs from " + files_[0] +
                         "'s (" + file_schema_.NameList() + ")");
        }
        skip = tokenizer.offset();
        first_line += std::count(chunk->data(), chunk->data() + skip, '\n');
      }
      first_chunk = false;
      size_t index = batch_index++;
      group.Limit(max_in_flight);
      if (group.failed()) break;
      auto shared_chunk = std::make_shared<Chunk>(std::move(*chunk));
      group.Submit([&, shared_chunk, skip, first_line, index, file_index, path]() {
        const Chunk& c = *shared_chunk;
        BatchBuilder builder(data_schema_, options_.conversion);
        for (const auto& skipped : c.skipped) {
          builder.RejectRow(skipped.line, TooLongReason(skipped, options_.max_line_bytes), skipped.excerpt);
        }
        const char* data = c.data() + skip;
        size_t size = c.size - skip;
        // A record holds at least a byte per column: a wide file without a
        // sampled row must not reserve a chunk's worth of rows in every column.
        const double record_bytes = std::max(record_bytes_, static_cast<double>(file_schema_.size()));
        builder.Reserve(static_cast<size_t>(static_cast<double>(size) / record_bytes * 1.1) + 16);
        int64_t blank = 0;
        if (format_ == FileFormat::kCsv) {
          CsvTokenizer tokenizer(data, size, first_line, options_.csv);
          const size_t num_columns = file_schema_.size();
          const int* target = projection_.data();
          while (tokenizer.Next()) {
            if (AppendCsvRecord(tokenizer, target, num_columns, builder) == RecordOutcome::kBlank) ++blank;
          }
          blank += tokenizer.empty_lines();
        } else {
          blank = ParseJsonLinesChunk(data, size, first_line, column_index, builder);
        }
        RecordBatch batch = builder.Finish();
        batch.source_name = path;
        batch.file_index = static_cast<uint32_t>(file_index);
        AddPartitionColumns(batch);
        batch.source_bytes = c.stream_bytes;
        int64_t rejected = static_cast<int64_t>(batch.rejects.size());
        int64_t read = static_cast<int64_t>(batch.num_rows()) + rejected + blank;
        rows_read += read;
        rows_rejected += rejected;
        rows_blank += blank;
        if (progress) progress->Advance(c.stream_bytes, static_cast<uint64_t>(read));
        consume(index, std::move(batch));
      });
    }
    fingerprint.Add(file_hash.Digest());
  }
  group.Wait();
  return {.rows_read = rows_read,
          .rows_rejected = rows_rejected,
          .rows_blank = rows_blank,
          .num_batches = batch_index,
          .fingerprint = fingerprint.Hex()};
}

}  // namespace sluice
