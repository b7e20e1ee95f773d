#pragma once
// Cuts a byte stream into chunks of whole records, so that chunks can be
// parsed on different threads. A record ends at a newline outside quotes
// (CSV) or at any newline (JSON Lines). Each chunk knows the line number its
// first record starts on. The buffer of a chunk has kChunkPadding readable
// bytes past its end (simdjson reads ahead).

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "io/byte_stream.h"

namespace sluice {

constexpr size_t kChunkPadding = 64;

struct Chunk {
  std::string buffer;  // size() includes the padding
  size_t size = 0;     // bytes of records
  int64_t first_line = 1;
  uint64_t stream_bytes = 0;  // bytes of the file this chunk advanced

  const char* data() const { return buffer.data(); }
};

class RecordChunker {
 public:
  RecordChunker(ByteStream& stream, size_t target_bytes, bool quote_aware, char quote = '"');

  // The next chunk, or nullopt at the end of the stream.
  std::optional<Chunk> Next();

 private:
  ByteStream& stream_;
  size_t target_bytes_;
  bool quote_aware_;
  char quote_;
  std::string pending_;      // read but not yet handed out
  size_t scanned_ = 0;       // bytes of pending_ whose quote state is known
  bool in_quotes_ = false;   // state after scanned_ bytes
  size_t last_boundary_ = 0; // one past the last record end within scanned_
  bool eof_ = false;
  int64_t next_line_ = 1;
  uint64_t last_position_ = 0;
};

}  // namespace sluice
