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
#include "nlohmann/json.hpp"
#include "common/thread_pool.h"

namespace sluice {

std::vector<TextShare> TableSource::TextShares() const {
  if (shard_.active()) {
    if (!text_plan_) {
      text_plan_ = PlanTextShard(files_, format_ == FileFormat::kCsv && options_.csv.quoting, options_.csv.quote, shard_);
    }
    return text_plan_->shares;
  }
  std::vector<TextShare> shares;
  for (size_t file_index = 0; file_index < files_.size(); ++file_index) shares.push_back({file_index, true});
  return shares;
}

ScanTotals TableSource::Scan(ThreadPool& pool, const BatchConsumer& consume, Progress* progress) const {
  if (postgres_) return postgres_->Scan(pool, consume, progress, shard_);
  if (format_ == FileFormat::kParquet) return ScanParquet(pool, consume, progress);
  std::atomic<int64_t> rows_read{0}, rows_rejected{0}, rows_blank{0};
  // The fingerprint hashes every input byte in blocks (io/byte_stream.h), so
  // it depends neither on chunk size, thread count nor ranks.
  std::vector<std::vector<std::pair<uint64_t, uint64_t>>> block_hashes(files_.size());
  ColumnIndex column_index;
  for (size_t i = 0; i < data_schema_.size(); ++i) column_index[data_schema_.field(i).name] = i;
  size_t batch_index = 0;
  TaskGroup group(pool);
  const size_t max_in_flight = pool.num_threads() * 2;
  for (const TextShare& share : TextShares()) {
    if (group.failed()) break;
    const size_t file_index = share.file_index;
    const std::string& path = files_[file_index];
    BlockHasher hasher;
    std::unique_ptr<ByteStream> stream =
        share.whole ? HashedStream(ByteStream::Open(path), &hasher) : ByteStream::OpenRange(path, share.begin, share.end);
    // The schema and the plan were made from the file as it was at Open().
    if (stream->file_size() != stamps_[file_index].size || stream->modified_ns() != stamps_[file_index].modified_ns) {
      ThrowInputData(path + ": changed since the source was opened (" + std::to_string(stamps_[file_index].size) +
                     " bytes then, " + std::to_string(stream->file_size()) +
                     " now): another process wrote to it; run again once the file is complete");
    }
    RecordChunker chunker(*stream, options_.chunk_bytes, format_ == FileFormat::kCsv && options_.csv.quoting,
                          options_.csv.quote, options_.max_line_bytes, share.first_line, share.begin);
    bool first_chunk = share.has_header();
    while (auto chunk = chunker.Next()) {
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
    if (share.whole) block_hashes[file_index] = hasher.Finish();
  }
  group.Wait();
  if (shard_.active()) {
    // Plain files were hashed when the shares were planned; gzip files by
    // whoever read them, now: every shard gets every file's blocks.
    nlohmann::json mine = nlohmann::json::object();
    for (size_t f = 0; f < files_.size(); ++f) {
      if (!block_hashes[f].empty()) mine[std::to_string(f)] = block_hashes[f];
    }
    for (size_t f = 0; f < files_.size(); ++f) {
      if (!text_plan_->compressed[f]) block_hashes[f] = text_plan_->block_hashes[f];
    }
    for (const auto& text : shard_.all_gather(mine.dump())) {
      const nlohmann::json theirs = nlohmann::json::parse(text);
      for (const auto& [file, hashes] : theirs.items()) {
        block_hashes[std::stoul(file)] = hashes.get<std::vector<std::pair<uint64_t, uint64_t>>>();
      }
    }
  }
  FingerprintBuilder fingerprint;
  for (const auto& hashes : block_hashes) fingerprint.Add(FileDigest(hashes));
  return {.rows_read = rows_read,
          .rows_rejected = rows_rejected,
          .rows_blank = rows_blank,
          .num_batches = batch_index,
          .fingerprint = fingerprint.Hex()};
}

}  // namespace sluice
