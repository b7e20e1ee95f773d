#include "io/record_chunker.h"

#include <algorithm>
#include <cstring>

namespace sluice {

RecordChunker::RecordChunker(ByteStream& stream, size_t target_bytes, bool quote_aware, char quote)
    : stream_(stream), target_bytes_(target_bytes), quote_aware_(quote_aware), quote_(quote) {}

std::optional<Chunk> RecordChunker::Next() {
  for (;;) {
    // Scan what has been read for record ends.
    const char* data = pending_.data();
    size_t size = pending_.size();
    if (!quote_aware_) {
      const void* last = size > scanned_ ? ::memrchr(data + scanned_, '\n', size - scanned_) : nullptr;
      if (last) last_boundary_ = static_cast<const char*>(last) - data + 1;
      scanned_ = size;
    } else {
      size_t pos = scanned_;
      bool in_quotes = in_quotes_;
      while (pos < size) {
        if (!in_quotes) {
          // Jump to the next quote; every newline before it ends a record.
          const void* next_quote = std::memchr(data + pos, quote_, size - pos);
          size_t stop = next_quote ? static_cast<const char*>(next_quote) - data : size;
          const void* last = stop > pos ? ::memrchr(data + pos, '\n', stop - pos) : nullptr;
          if (last) last_boundary_ = static_cast<const char*>(last) - data + 1;
          if (!next_quote) {
            pos = size;
            break;
          }
          pos = stop + 1;
          in_quotes = true;
        } else {
          const void* next_quote = std::memchr(data + pos, quote_, size - pos);
          if (!next_quote) {
            pos = size;
            break;
          }
          // A doubled quote inside quotes toggles twice: same net effect.
          pos = static_cast<const char*>(next_quote) - data + 1;
          in_quotes = false;
        }
      }
      scanned_ = size;
      in_quotes_ = in_quotes;
    }

    bool enough = last_boundary_ >= target_bytes_;
    if (enough || eof_) {
      size_t cut = enough ? last_boundary_ : pending_.size();
      if (cut == 0) return std::nullopt;
      Chunk chunk;
      chunk.size = cut;
      chunk.first_line = next_line_;
      next_line_ += std::count(pending_.data(), pending_.data() + cut, '\n');
      // Hand the buffer itself over; only the partial record after the cut is copied.
      std::string rest(pending_.data() + cut, pending_.size() - cut);
      pending_.resize(cut);
      pending_.append(kChunkPadding, '\0');
      chunk.buffer = std::move(pending_);
      pending_ = std::move(rest);
      // The remainder starts at a record start, outside quotes: scan it anew.
      scanned_ = 0;
      in_quotes_ = false;
      last_boundary_ = 0;
      uint64_t position = stream_.position();
      chunk.stream_bytes = position - last_position_;
      last_position_ = position;
      return chunk;
    }

    size_t old_size = pending_.size();
    size_t want = std::max(target_bytes_, old_size);
    pending_.resize(old_size + want);
    size_t got = stream_.Read(pending_.data() + old_size, want);
    pending_.resize(old_size + got);
    if (got == 0) eof_ = true;
  }
}

}  // namespace sluice
