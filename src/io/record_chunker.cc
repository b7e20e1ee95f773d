#include "io/record_chunker.h"

#include <algorithm>
#include <cstring>

namespace sluice {

RecordChunker::RecordChunker(ByteStream& stream, size_t target_bytes, bool quote_aware, char quote,
                             size_t max_record_bytes, int64_t first_line, uint64_t file_offset)
    : stream_(stream),
      target_bytes_(std::max<size_t>(target_bytes, 1)),
      max_record_bytes_(std::max<size_t>(max_record_bytes, 1)),
      quote_aware_(quote_aware),
      quote_(quote),
      chunk_offset_(file_offset),
      next_line_(first_line) {}

void RecordChunker::SkipLongRecord() {
  constexpr size_t kExcerptBytes = 200;
  SkippedRecord record;
  record.line = next_line_;
  record.excerpt = pending_.substr(0, std::min(kExcerptBytes, pending_.size()));
  // Past max_record_bytes_ only the newline is looked for, and the bytes are dropped as they come.
  size_t from = std::min(max_record_bytes_, pending_.size());
  for (;;) {
    const void* newline = pending_.size() > from ? std::memchr(pending_.data() + from, '\n', pending_.size() - from) : nullptr;
    if (newline) {
      const size_t end = static_cast<const char*>(newline) - pending_.data() + 1;
      record.bytes += end;
      next_line_ += std::count(pending_.data(), pending_.data() + end, '\n');
      pending_.erase(0, end);
      break;
    }
    record.bytes += pending_.size();
    next_line_ += std::count(pending_.data(), pending_.data() + pending_.size(), '\n');
    pending_.resize(std::max(target_bytes_, size_t{1} << 16));
    const size_t got = stream_.Read(pending_.data(), pending_.size());
    pending_.resize(got);
    from = 0;
    if (got == 0) {
      eof_ = true;
      break;
    }
  }
  chunk_offset_ += record.bytes;
  skipped_.push_back(std::move(record));
  pending_.shrink_to_fit();  // the long record's buffer goes back
  scanned_ = 0;
  in_quotes_ = false;
  last_boundary_ = 0;
  cut_ = 0;
}

std::optional<Chunk> RecordChunker::Next() {
  for (;;) {
    // Scan what has been read for record ends. The block this chunk starts
    // in ends `block_end` bytes into pending_; the first record end at or
    // past it ends the chunk.
    const char* data = pending_.data();
    size_t size = pending_.size();
    const size_t block_end = static_cast<size_t>((chunk_offset_ / target_bytes_ + 1) * target_bytes_ - chunk_offset_);
    // The first newline in [from, to) at or past the block's end.
    auto find_cut = [&](size_t from, size_t to) {
      from = std::max(from, block_end - 1);
      if (cut_ != 0 || from >= to) return;
      const void* newline = std::memchr(data + from, '\n', to - from);
      if (newline) cut_ = static_cast<const char*>(newline) - data + 1;
    };
    if (!quote_aware_) {
      find_cut(scanned_, size);
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
          find_cut(pos, stop);
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

    // The record after the last boundary is too long: hand out what comes
    // before it, then skip it.
    const bool too_long = !eof_ && pending_.size() - last_boundary_ > max_record_bytes_;
    if (too_long && last_boundary_ == 0) {
      SkipLongRecord();
      continue;
    }
    bool enough = cut_ != 0 || too_long;
    if (enough || eof_) {
      size_t cut = cut_ != 0 ? cut_ : enough ? last_boundary_ : pending_.size();
      if (cut == 0 && skipped_.empty()) return std::nullopt;
      Chunk chunk;
      chunk.skipped = std::move(skipped_);
      skipped_.clear();
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
      chunk_offset_ += cut;
      scanned_ = 0;
      in_quotes_ = false;
      last_boundary_ = 0;
      cut_ = 0;
      uint64_t position = stream_.position();
      chunk.stream_bytes = position - last_position_;
      last_position_ = position;
      return chunk;
    }

    size_t old_size = pending_.size();
    // Doubling keeps long records linear to read; reading no further than one
    // byte past the longest record allowed keeps memory bounded by it.
    const size_t record_so_far = std::min(old_size - last_boundary_, max_record_bytes_);
    size_t want = std::min(std::max(target_bytes_, old_size), max_record_bytes_ + 1 - record_so_far);
    pending_.resize(old_size + want);
    size_t got = stream_.Read(pending_.data() + old_size, want);
    pending_.resize(old_size + got);
    if (got == 0) eof_ = true;
  }
}

}  // namespace sluice
