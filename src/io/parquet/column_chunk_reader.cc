#include "io/parquet/column_chunk_reader.h"

#include <algorithm>
#include <cstring>
#include <stdexcept>
#include <type_traits>

#include "common/append_generated.h"
#include "common/error.h"
#include "io/parquet/codec.h"
#include "io/parquet/page_checksum.h"
#include "io/parquet/plain_value.h"
#include "io/parquet/rle.h"
#include "io/parquet/thrift_compact.h"

namespace sluice::parquet {

namespace {

constexpr uint64_t kMaxPageBytes = 1ULL << 31;  // no allocation is sized past this by a header
constexpr size_t kMaxPageValues = 1 << 26;       // far above any writer's page, far below memory

size_t FixedWidth(PhysicalType type) {
  switch (type) {
    case PhysicalType::kInt32:
    case PhysicalType::kFloat: return 4;
    case PhysicalType::kInt64:
    case PhysicalType::kDouble: return 8;
    default: return 0;
  }
}

// The values of `kind` a PhysicalValues holds for a physical type.
size_t CountOf(PhysicalType type, const PhysicalValues& values) {
  switch (type) {
    case PhysicalType::kDouble:
    case PhysicalType::kFloat: return values.doubles.size();
    case PhysicalType::kBoolean:
    case PhysicalType::kInt32:
    case PhysicalType::kInt64: return values.ints.size();
    default: return values.bytes.size();
  }
}

// The defined rows among `n` levels of 0 and 1: eight at a time, as the byte
// sum of a word (at most 8, so no byte carries into the next).
size_t CountDefined(const uint8_t* levels, size_t n) {
  size_t count = 0, i = 0;
  for (; i + 8 <= n; i += 8) {
    uint64_t word;
    std::memcpy(&word, levels + i, 8);
    count += (word * 0x0101010101010101ULL) >> 56;
  }
  for (; i < n; ++i) count += levels[i];
  return count;
}

// Runs `body`, turning any decoding failure into an input-data error at `where`.
template <typename Body>
void Located(const std::string& where, Body&& body) {
  try {
    body();
  } catch (const ThriftError& error) {
    ThrowInputData(where + ": corrupt page header: " + error.what());
  } catch (const Error&) {
    throw;
  } catch (const std::exception& error) {
    ThrowInputData(where + ": " + error.what());
  }
}

}  // namespace

ColumnChunkReader::ColumnChunkReader(const RandomAccessFile& file, const SchemaElement& element,
                                     const ColumnMetaData& meta, int64_t group_rows, std::string where)
    : element_(element),
      meta_(meta),
      where_(std::move(where)),
      converter_(element),
      physical_(element.type.value_or(PhysicalType::kByteArray)),
      max_definition_(element.repetition == Repetition::kOptional ? 1 : 0) {
  Located(where_, [&] {
    const int64_t start = ColumnChunkStart(meta);
    uint64_t data_end = file.size() - 8;
    if (start < 4 || meta.total_compressed_size < 0 || static_cast<uint64_t>(start) > data_end ||
        static_cast<uint64_t>(meta.total_compressed_size) > data_end - static_cast<uint64_t>(start)) {
      throw std::runtime_error("column chunk lies outside the file");
    }
    if (meta.num_values != group_rows) {
      throw std::runtime_error("column chunk has " + std::to_string(meta.num_values) + " values for " +
                               std::to_string(group_rows) + " rows");
    }
    chunk_size_ = static_cast<size_t>(meta.total_compressed_size);
    chunk_view_ = file.View(static_cast<uint64_t>(start), chunk_size_);
    chunk_ = chunk_view_.get();
    if (!chunk_) {
      uint8_t* chunk = chunk_buffer_.Get(chunk_size_);
      file.ReadAt(static_cast<uint64_t>(start), chunk_size_, chunk);
      chunk_ = chunk;
    }
  });
}

void ColumnChunkReader::Read(size_t rows, Column& out) {
  Located(where_, [&] { ReadRows(rows, out); });
}

void ColumnChunkReader::ReadRows(size_t rows, Column& out) {
  const bool doubles = out.type() == DataType::kFloat64;
  const bool identity = converter_.identity();
  while (rows > 0) {
    if (page_row_ == page_rows_) {
      LoadPage();
      continue;  // an empty page loads the next
    }
    const size_t n = std::min(rows, page_rows_ - page_row_);
    // Levels land where they are used: in the column's validity bytes when
    // values are stored as they come, else in a scratch for the converter.
    uint8_t* levels;
    if (identity) {
      auto& valid = out.mutable_valid();
      valid.resize(valid.size() + n);
      levels = valid.data() + valid.size() - n;
    } else {
      slice_levels_.resize(n);
      levels = slice_levels_.data();
    }
    size_t defined = n;
    if (!page_has_levels_) {
      std::memset(levels, 1, n);
    } else {
      if (level_decoder_) {
        if (level_decoder_->Decode(levels, n) != n) throw std::runtime_error("too few definition levels");
      } else {
        std::memcpy(levels, page_levels_.data() + page_row_, n);
      }
      defined = CountDefined(levels, n);
    }
    if (identity && defined == n) {
      // No nulls and no conversion: the column's vector is lent to the decoder.
      sink_.Clear();
      auto lend = [&] { doubles ? sink_.doubles.swap(out.mutable_doubles()) : sink_.ints.swap(out.mutable_ints()); };
      lend();
      TakeValues(n, sink_);
      lend();
    } else {
      sink_.Clear();
      TakeValues(defined, sink_);
      if (identity) {
        // Columnar: values spread to their rows, zero in the null slots.
        auto spread = [&](auto& target, const auto& source) {
          target.reserve(target.size() + n);
          size_t next = 0;
          for (size_t i = 0; i < n; ++i) target.push_back(levels[i] ? source[next++] : 0);
        };
        if (doubles) {
          spread(out.mutable_doubles(), sink_.doubles);
        } else {
          spread(out.mutable_ints(), sink_.ints);
        }
      } else {
        size_t next = 0;
        for (size_t i = 0; i < n; ++i) {
          if (levels[i]) {
            converter_.Append(sink_, next++, out);
          } else {
            out.AppendNull();
          }
        }
      }
    }
    page_row_ += n;
    rows -= n;
  }
}

void ColumnChunkReader::TakeValues(size_t count, PhysicalValues& sink) {
  if (count > page_values_ - value_cursor_) throw std::runtime_error("page has fewer values than its levels need");
  const size_t first = value_cursor_;
  value_cursor_ += count;
  switch (source_) {
    case Source::kPlainFixed: {
      const uint8_t* data = plain_;
      switch (physical_) {
        case PhysicalType::kInt32:
          AppendGenerated(sink.ints, count, [data, first](size_t i) -> int64_t { return LoadPlain<int32_t>(data + (first + i) * 4); });
          return;
        case PhysicalType::kInt64:
          AppendGenerated(sink.ints, count, [data, first](size_t i) { return LoadPlain<int64_t>(data + (first + i) * 8); });
          return;
        case PhysicalType::kFloat:
          AppendGenerated(sink.doubles, count, [data, first](size_t i) -> double { return LoadPlain<float>(data + (first + i) * 4); });
          return;
        default:
          AppendGenerated(sink.doubles, count, [data, first](size_t i) { return LoadPlain<double>(data + (first + i) * 8); });
          return;
      }
    }
    case Source::kDictionary: {
      // Indices are decoded and looked up in blocks that stay in L1.
      auto gather = [&](auto& target, const auto& entries) {
        typename std::decay_t<decltype(target)>::value_type block[1024];
        for (size_t left = count; left > 0;) {
          size_t n = std::min<size_t>(left, 1024);
          if (index_decoder_->DecodeGather(block, n, entries.data(), entries.size()) != n) {
            throw std::runtime_error("too few dictionary indices");
          }
          target.insert(target.end(), block, block + n);
          left -= n;
        }
      };
      switch (physical_) {
        case PhysicalType::kDouble:
        case PhysicalType::kFloat: gather(sink.doubles, dictionary_.doubles); return;
        case PhysicalType::kBoolean:
        case PhysicalType::kInt32:
        case PhysicalType::kInt64: gather(sink.ints, dictionary_.ints); return;
        default: gather(sink.bytes, dictionary_.bytes); return;
      }
    }
    case Source::kDecoded:
      switch (physical_) {
        case PhysicalType::kDouble:
        case PhysicalType::kFloat:
          sink.doubles.insert(sink.doubles.end(), decoded_.doubles.begin() + first, decoded_.doubles.begin() + first + count);
          return;
        case PhysicalType::kBoolean:
        case PhysicalType::kInt32:
        case PhysicalType::kInt64:
          sink.ints.insert(sink.ints.end(), decoded_.ints.begin() + first, decoded_.ints.begin() + first + count);
          return;
        default:
          sink.bytes.insert(sink.bytes.end(), decoded_.bytes.begin() + first, decoded_.bytes.begin() + first + count);
          return;
      }
  }
}

void ColumnChunkReader::LoadDictionary(const PageHeader& header, const uint8_t* body, size_t body_size,
                                       size_t raw_size) {
  if (!header.dictionary_page) throw std::runtime_error("dictionary page without its header");
  uint8_t* page = dictionary_buffer_.Get(raw_size);
  Decompress(meta_.codec, body, body_size, page, raw_size);
  dictionary_.Clear();
  size_t count = static_cast<size_t>(std::max(0, header.dictionary_page->num_values));
  if (count > raw_size * 8 + 8) throw std::runtime_error("dictionary claims more entries than its page holds");
  DecodeValues(physical_, element_.type_length, Encoding::kPlain, page, raw_size, count, dictionary_);
  have_dictionary_ = true;
}

void ColumnChunkReader::LoadPage() {
  for (;;) {
    if (position_ >= chunk_size_) {
      throw std::runtime_error("column chunk ends after " + std::to_string(values_loaded_) + " values, its metadata says " +
                               std::to_string(meta_.num_values));
    }
    size_t header_size = 0;
    PageHeader header = ParsePageHeader(chunk_ + position_, chunk_size_ - position_, &header_size);
    position_ += header_size;
    if (header.compressed_page_size < 0 || static_cast<size_t>(header.compressed_page_size) > chunk_size_ - position_) {
      throw std::runtime_error("page runs past the column chunk");
    }
    if (header.uncompressed_page_size < 0 || static_cast<uint64_t>(header.uncompressed_page_size) > kMaxPageBytes) {
      throw std::runtime_error("page size " + std::to_string(header.uncompressed_page_size) + " is not plausible");
    }
    const uint8_t* body = chunk_ + position_;
    const size_t body_size = static_cast<size_t>(header.compressed_page_size);
    position_ += body_size;
    if (header.crc) {
      if (PageChecksum(body, body_size) != static_cast<uint32_t>(*header.crc)) throw std::runtime_error("page checksum mismatch (CRC)");
    }
    const size_t raw_size = static_cast<size_t>(header.uncompressed_page_size);
    bool v2_uncompressed = header.data_page_v2 && !header.data_page_v2->is_compressed;
    if (!v2_uncompressed && header.type != PageType::kDataPageV2 &&
        !PlausibleDecompressedSize(meta_.codec, body, body_size, raw_size)) {
      throw std::runtime_error("page claims " + std::to_string(raw_size) + " bytes, which " + CodecName(meta_.codec) +
                               " data of " + std::to_string(body_size) + " bytes cannot hold");
    }
    if (header.type == PageType::kDataPageV2 && raw_size > body_size * 32768 + (1 << 20)) {
      throw std::runtime_error("page size " + std::to_string(raw_size) + " is not plausible");
    }
    if (header.type == PageType::kDictionaryPage) {
      LoadDictionary(header, body, body_size, raw_size);
      continue;
    }
    if (header.type != PageType::kDataPage && header.type != PageType::kDataPageV2) continue;  // index pages
    StartPage(UnpackDataPage(header, body, body_size, raw_size));
    return;
  }
}

ColumnChunkReader::DataPage ColumnChunkReader::UnpackDataPage(const PageHeader& header, const uint8_t* body,
                                                              size_t body_size, size_t raw_size) {
  DataPage out;
  uint8_t* page = page_buffer_.Get(raw_size);
  if (header.type == PageType::kDataPage) {
    if (!header.data_page) throw std::runtime_error("data page without its header");
    out.num_values = static_cast<size_t>(std::max(0, header.data_page->num_values));
    out.encoding = header.data_page->encoding;
    Decompress(meta_.codec, body, body_size, page, raw_size);
    const uint8_t* p = page;
    size_t left = raw_size;
    if (max_definition_ > 0) {
      if (header.data_page->definition_level_encoding == Encoding::kBitPacked) {
        out.levels_rle = false;
        out.level_size = (out.num_values + 7) / 8;
      } else {
        if (left < 4) throw std::runtime_error("truncated definition levels");
        uint32_t length;
        std::memcpy(&length, p, 4);
        p += 4;
        left -= 4;
        out.level_size = length;
      }
      if (out.level_size > left) throw std::runtime_error("definition levels run past the page");
      out.level_data = p;
      p += out.level_size;
      left -= out.level_size;
    }
    out.value_data = p;
    out.value_size = left;
    return out;
  }
  if (!header.data_page_v2) throw std::runtime_error("data page v2 without its header");
  const DataPageHeaderV2& v2 = *header.data_page_v2;
  out.num_values = static_cast<size_t>(std::max(0, v2.num_values));
  out.encoding = v2.encoding;
  size_t levels_size = static_cast<size_t>(v2.repetition_levels_byte_length) +
                       static_cast<size_t>(v2.definition_levels_byte_length);
  if (v2.repetition_levels_byte_length < 0 || v2.definition_levels_byte_length < 0 || levels_size > body_size ||
      levels_size > raw_size) {
    throw std::runtime_error("data page v2 level lengths run past the page");
  }
  std::memcpy(page, body, levels_size);
  if (v2.is_compressed && meta_.codec != Codec::kUncompressed) {
    if (raw_size > levels_size) {
      Decompress(meta_.codec, body + levels_size, body_size - levels_size, page + levels_size, raw_size - levels_size);
    }
  } else {
    if (body_size != raw_size) throw std::runtime_error("uncompressed data page v2 sizes disagree");
    std::memcpy(page + levels_size, body + levels_size, raw_size - levels_size);
  }
  if (max_definition_ > 0) {
    out.level_data = page + v2.repetition_levels_byte_length;
    out.level_size = static_cast<size_t>(v2.definition_levels_byte_length);
  }
  out.value_data = page + levels_size;
  out.value_size = raw_size - levels_size;
  return out;
}

void ColumnChunkReader::StartPage(const DataPage& page) {
  const size_t num_values = page.num_values;
  const Encoding encoding = page.encoding;
  if (num_values > static_cast<size_t>(meta_.num_values - values_loaded_)) {
    throw std::runtime_error("pages hold more values than the column chunk");
  }
  if (num_values > kMaxPageValues) throw std::runtime_error("page of " + std::to_string(num_values) + " values");

  // Definition levels (optional columns only): 1 defined, 0 null. RLE
  // levels are decoded slice by slice as rows are read; the values of the
  // encodings decoded whole need the page's defined count up front.
  page_has_levels_ = max_definition_ > 0;
  level_decoder_.reset();
  const bool decode_whole = !(encoding == Encoding::kPlainDictionary || encoding == Encoding::kRleDictionary ||
                              (encoding == Encoding::kPlain && FixedWidth(physical_) > 0));
  size_t defined = num_values;
  if (page_has_levels_) {
    if (page.levels_rle && !decode_whole) {
      level_decoder_.emplace(page.level_data, page.level_size, 1);
    } else {
      page_levels_.resize(num_values);
      if (page.levels_rle) {
        if (RleDecoder(page.level_data, page.level_size, 1).Decode(page_levels_.data(), num_values) != num_values) {
          throw std::runtime_error("too few definition levels");
        }
      } else {
        DecodeBitPackedLegacy(page.level_data, page.level_size, 1, page_levels_.data(), num_values);
      }
      defined = CountDefined(page_levels_.data(), num_values);
    }
  }

  if (encoding == Encoding::kPlainDictionary || encoding == Encoding::kRleDictionary) {
    if (!have_dictionary_) throw std::runtime_error("dictionary-encoded page without a dictionary page");
    if (page.value_size < 1) throw std::runtime_error("truncated dictionary indices");
    index_decoder_.emplace(page.value_data + 1, page.value_size - 1, page.value_data[0]);
    source_ = Source::kDictionary;
    page_values_ = num_values;  // at most; the index decoder finds the end
  } else if (!decode_whole) {
    plain_ = page.value_data;
    page_values_ = page.value_size / FixedWidth(physical_);
    source_ = Source::kPlainFixed;
  } else {
    decoded_.Clear();
    DecodeValues(physical_, element_.type_length, encoding, page.value_data, page.value_size, defined, decoded_);
    // Every encoding path must have produced exactly one value per defined row, of the column's kind.
    if (CountOf(physical_, decoded_) != defined) {
      throw std::runtime_error("page decodes to " + std::to_string(CountOf(physical_, decoded_)) +
                               " values where its levels need " + std::to_string(defined));
    }
    page_values_ = defined;
    source_ = Source::kDecoded;
  }
  page_rows_ = num_values;
  page_row_ = 0;
  value_cursor_ = 0;
  values_loaded_ += static_cast<int64_t>(num_values);
}

}  // namespace sluice::parquet
