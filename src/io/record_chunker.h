#pragma once
// Cuts a byte stream into chunks of whole records, so that chunks can be
// parsed on different threads. A chunk holds the records that start in one
// `target_bytes` block of the file (it ends at the first record end at or
// past the block's end): the same chunks however the file is read — whole,
// or in shares by ranks (io/source_shard.h) — so that per-chunk results
// merged in order are the same bits. A record ends at a newline outside quotes
// (CSV) or at any newline (JSON Lines). Each chunk knows the line number its
// first record starts on. The buffer of a chunk has kChunkPadding readable
// bytes past its end (simdjson reads ahead).
//
// Memory stays bounded by the longest record allowed: a record longer than
// `max_record_bytes` is not kept but skipped to the next newline (the only
// way to find a record end again when an unclosed quote caused it), and
// handed out as a SkippedRecord with the next chunk, to be rejected.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "io/byte_stream.h"

namespace sluice {

constexpr size_t kChunkPadding = 64;
// The default longest record: far longer than any real row, short enough
// that a file of one endless line cannot exhaust memory.
constexpr size_t kDefaultMaxRecordBytes = 64u << 20;

// A record too long to read, skipped before the chunk it comes with.
struct SkippedRecord {
  int64_t line = 0;        // where it starts
  uint64_t bytes = 0;      // its length, up to and with the newline that ended it
  std::string excerpt;     // its first bytes
};

struct Chunk {
  std::string buffer;  // size() includes the padding
  size_t size = 0;     // bytes of records
  int64_t first_line = 1;
  uint64_t stream_bytes = 0;  // bytes of the file this chunk advanced
  std::vector<SkippedRecord> skipped;  // records before this chunk's first, too long to read

  const char* data() const { return buffer.data(); }
};

class RecordChunker {
 public:
  // `first_line` and `file_offset`: the line and the byte of the file the
  // stream starts on (a share of a file starts at a record boundary in it).
  RecordChunker(ByteStream& stream, size_t target_bytes, bool quote_aware, char quote = '"',
                size_t max_record_bytes = kDefaultMaxRecordBytes, int64_t first_line = 1, uint64_t file_offset = 0);

  // The next chunk, or nullopt at the end of the stream. A chunk may hold no
  // record and only skipped ones.
  std::optional<Chunk> Next();

 private:
  // Drops the record at the start of pending_, too long, through the next newline.
  void SkipLongRecord();

  ByteStream& stream_;
  size_t target_bytes_;
  size_t max_record_bytes_;
  bool quote_aware_;
  char quote_;
  std::string pending_;      // read but not yet handed out
  size_t scanned_ = 0;       // bytes of pending_ whose quote state is known
  bool in_quotes_ = false;   // state after scanned_ bytes
  size_t last_boundary_ = 0; // one past the last record end within scanned_
  size_t cut_ = 0;           // one past the first record end at or past the block's end (0: none yet)
  uint64_t chunk_offset_;    // the file offset of pending_'s first byte
  bool eof_ = false;
  int64_t next_line_ = 1;
  uint64_t last_position_ = 0;
  std::vector<SkippedRecord> skipped_;  // for the next chunk
};

}  // namespace sluice
