#include "io/parquet/parquet_reader.h"

#include <zlib.h>

#include <cerrno>
#include <cmath>
#include <cstring>
#include <stdexcept>

#include "common/error.h"
#include "io/parquet/codec.h"
#include "io/parquet/rle.h"
#include "io/parquet/thrift_compact.h"
#include "io/parquet/value_decoder.h"

namespace sluice {

using namespace parquet;

namespace {

constexpr uint64_t kMaxPageBytes = 1ULL << 31;  // no allocation is sized past this by a header
constexpr size_t kMaxPageValues = 1 << 26;       // far above any writer's page, far below memory

DataType SluiceTypeOf(const SchemaElement& e) {
  const LogicalType& logical = e.logical;
  int converted = e.converted_type.value_or(-1);
  PhysicalType physical = e.type.value_or(PhysicalType::kByteArray);
  if (logical.kind == LogicalType::kDecimalKind || converted == ConvertedType::kDecimal ||
      logical.kind == LogicalType::kFloat16) {
    return DataType::kFloat64;
  }
  switch (physical) {
    case PhysicalType::kBoolean: return DataType::kBool;
    case PhysicalType::kInt32:
      if (logical.kind == LogicalType::kDateKind || converted == ConvertedType::kDate) return DataType::kTimestamp;
      return DataType::kInt64;
    case PhysicalType::kInt64:
      if (logical.kind == LogicalType::kTimestamp || converted == ConvertedType::kTimestampMillis ||
          converted == ConvertedType::kTimestampMicros) {
        return DataType::kTimestamp;
      }
      return DataType::kInt64;
    case PhysicalType::kInt96: return DataType::kTimestamp;
    case PhysicalType::kFloat:
    case PhysicalType::kDouble: return DataType::kFloat64;
    default: return DataType::kString;
  }
}

double HalfToDouble(uint16_t half) {
  int exponent = (half >> 10) & 0x1F;
  int mantissa = half & 0x3FF;
  double sign = (half & 0x8000) ? -1.0 : 1.0;
  if (exponent == 0) return sign * std::ldexp(mantissa, -24);
  if (exponent == 31) return mantissa ? NAN : sign * INFINITY;
  return sign * std::ldexp(mantissa + 1024, exponent - 25);
}

// A big-endian two's complement integer of any length, as a double.
double BigEndianToDouble(std::string_view bytes) {
  if (bytes.empty()) return 0;
  bool negative = static_cast<uint8_t>(bytes[0]) & 0x80;
  double value = 0;
  for (unsigned char byte : bytes) value = value * 256 + (negative ? static_cast<uint8_t>(~byte) : byte);
  return negative ? -(value + 1) : value;
}

// Appends one physical value (index `i` of its kind in `values`) to `out`.
class ValueConverter {
 public:
  explicit ValueConverter(const SchemaElement& e) : element_(e), type_(SluiceTypeOf(e)) {
    physical_ = e.type.value_or(PhysicalType::kByteArray);
    int converted = e.converted_type.value_or(-1);
    decimal_ = e.logical.kind == LogicalType::kDecimalKind || converted == ConvertedType::kDecimal;
    scale_ = std::pow(10.0, e.logical.kind == LogicalType::kDecimalKind ? e.logical.scale : e.scale);
    float16_ = e.logical.kind == LogicalType::kFloat16;
    unsigned_ = (e.logical.kind == LogicalType::kInteger && !e.logical.is_signed) ||
                converted == ConvertedType::kUint32 || converted == ConvertedType::kUint8 || converted == ConvertedType::kUint16;
    date_ = e.logical.kind == LogicalType::kDateKind || converted == ConvertedType::kDate;
    if (e.logical.kind == LogicalType::kTimestamp) {
      unit_ = e.logical.unit;
    } else if (converted == ConvertedType::kTimestampMillis) {
      unit_ = 1;
    } else if (converted == ConvertedType::kTimestampMicros) {
      unit_ = 2;
    }
  }
  DataType type() const { return type_; }
  // Whether values go into the column unchanged (so they can be copied whole).
  bool identity() const {
    if (decimal_ || float16_ || unsigned_ || date_) return false;
    if (physical_ == PhysicalType::kInt64) return type_ == DataType::kInt64 || unit_ == 2;
    return physical_ == PhysicalType::kDouble || physical_ == PhysicalType::kBoolean;
  }

  void Append(const PhysicalValues& values, size_t i, Column& out) const {
    switch (physical_) {
      case PhysicalType::kBoolean:
        out.AppendInt(values.ints[i]);
        return;
      case PhysicalType::kInt32: {
        int64_t v = values.ints[i];
        if (unsigned_) v = static_cast<uint32_t>(static_cast<int32_t>(v));
        if (decimal_) {
          out.AppendDouble(static_cast<double>(v) / scale_);
        } else if (date_) {
          out.AppendInt(v * 86400LL * 1000000LL);
        } else {
          out.AppendInt(v);
        }
        return;
      }
      case PhysicalType::kInt64: {
        int64_t v = values.ints[i];
        if (decimal_) {
          out.AppendDouble(static_cast<double>(v) / scale_);
        } else if (type_ == DataType::kTimestamp) {
          out.AppendInt(unit_ == 1 ? v * 1000 : unit_ == 3 ? v / 1000 : v);
        } else {
          out.AppendInt(v);
        }
        return;
      }
      case PhysicalType::kInt96: {
        // Spark's timestamps: nanoseconds of the day, then the Julian day.
        const char* raw = values.bytes[i].data();
        int64_t nanos;
        uint32_t julian_day;
        std::memcpy(&nanos, raw, 8);
        std::memcpy(&julian_day, raw + 8, 4);
        out.AppendInt((static_cast<int64_t>(julian_day) - 2440588LL) * 86400LL * 1000000LL + nanos / 1000);
        return;
      }
      case PhysicalType::kFloat:
      case PhysicalType::kDouble:
        out.AppendDouble(values.doubles[i]);
        return;
      default: {
        std::string_view bytes = values.bytes[i];
        if (decimal_) {
          out.AppendDouble(BigEndianToDouble(bytes) / scale_);
        } else if (float16_ && bytes.size() == 2) {
          uint16_t half = static_cast<uint16_t>(static_cast<uint8_t>(bytes[0]) | (static_cast<uint8_t>(bytes[1]) << 8));
          out.AppendDouble(HalfToDouble(half));
        } else {
          out.AppendString(bytes);
        }
      }
    }
  }

 private:
  const SchemaElement& element_;
  DataType type_;
  PhysicalType physical_;
  bool decimal_ = false, float16_ = false, unsigned_ = false, date_ = false;
  double scale_ = 1;
  int unit_ = 2;
};

}  // namespace

ParquetFile::~ParquetFile() = default;

std::unique_ptr<ParquetFile> ParquetFile::Open(const std::string& path) { return Open(OpenLocalFile(path)); }

std::unique_ptr<ParquetFile> ParquetFile::Open(std::unique_ptr<RandomAccessFile> source) {
  std::unique_ptr<ParquetFile> file(new ParquetFile());
  const std::string path = source->name();
  file->path_ = path;
  file->file_size_ = source->size();
  file->file_ = std::move(source);
  if (file->file_size_ < 12) ThrowInputData(path + ": too small to be a Parquet file (" + std::to_string(file->file_size_) + " bytes)");
  uint8_t head[4], tail[8];
  file->file_->ReadAt(0, 4, head);
  file->file_->ReadAt(file->file_size_ - 8, 8, tail);
  if (std::memcmp(head, "PAR1", 4) != 0 || std::memcmp(tail + 4, "PAR1", 4) != 0) {
    if (std::memcmp(tail + 4, "PARE", 4) == 0) ThrowInputData(path + ": encrypted Parquet files are not supported");
    ThrowInputData(path + ": not a Parquet file (wrong magic number)");
  }
  uint32_t footer_length;
  std::memcpy(&footer_length, tail, 4);
  if (footer_length == 0 || footer_length > file->file_size_ - 12) {
    ThrowInputData(path + ": footer length " + std::to_string(footer_length) + " is past the file's start");
  }
  std::vector<uint8_t> footer(footer_length);
  file->file_->ReadAt(file->file_size_ - 8 - footer_length, footer_length, footer.data());
  try {
    file->metadata_ = ParseFileMetaData(footer.data(), footer.size());
  } catch (const ThriftError& error) {
    ThrowInputData(path + ": corrupt footer: " + error.what());
  }
  const auto& schema = file->metadata_.schema;
  if (schema.empty()) ThrowInputData(path + ": footer has no schema");
  if (static_cast<size_t>(schema[0].num_children) != schema.size() - 1) {
    for (size_t i = 1; i < schema.size(); ++i) {
      if (schema[i].num_children > 0) {
        ThrowInputData(path + ": column '" + schema[i].name +
                       "' is nested (a list, map or struct); nested schemas are not supported yet");
      }
    }
    ThrowInputData(path + ": schema tree is inconsistent");
  }
  for (size_t i = 1; i < schema.size(); ++i) {
    const SchemaElement& e = schema[i];
    if (e.num_children > 0 || e.repetition == Repetition::kRepeated || !e.type) {
      ThrowInputData(path + ": column '" + e.name + "' is nested or repeated; nested schemas are not supported yet");
    }
    file->leaves_.push_back(e);
    file->schema_.Add({e.name, SluiceTypeOf(e)});
  }
  for (size_t g = 0; g < file->metadata_.row_groups.size(); ++g) {
    const RowGroup& group = file->metadata_.row_groups[g];
    if (group.columns.size() != file->leaves_.size()) {
      ThrowInputData(path + ": row group " + std::to_string(g) + " has " + std::to_string(group.columns.size()) +
                     " columns, the schema " + std::to_string(file->leaves_.size()));
    }
    if (group.num_rows < 0) ThrowInputData(path + ": row group " + std::to_string(g) + " has a negative row count");
  }
  return file;
}

RecordBatch ParquetFile::ReadRowGroup(size_t group, const std::vector<size_t>& columns, int64_t first_row) const {
  RecordBatch batch;
  const RowGroup& row_group = metadata_.row_groups.at(group);
  for (size_t column : columns) {
    batch.schema.Add(schema_.field(column));
    Column out(schema_.field(column).type);
    out.Reserve(static_cast<size_t>(std::min<int64_t>(row_group.num_rows, 1 << 24)));
    DecodeChunk(group, column, out);
    if (static_cast<int64_t>(out.size()) != row_group.num_rows) {
      ThrowInputData(path_ + ": row group " + std::to_string(group) + ", column " + schema_.field(column).name +
                     ": " + std::to_string(out.size()) + " values for " + std::to_string(row_group.num_rows) + " rows");
    }
    batch.columns.push_back(std::move(out));
  }
  batch.lines.resize(static_cast<size_t>(row_group.num_rows));
  for (int64_t i = 0; i < row_group.num_rows; ++i) batch.lines[static_cast<size_t>(i)] = first_row + i;
  batch.source_name = path_;
  return batch;
}

void ParquetFile::DecodeChunk(size_t group, size_t column, Column& out) const {
  const SchemaElement& element = leaves_[column];
  const ColumnMetaData& meta = metadata_.row_groups[group].columns[column].meta;
  const int64_t group_rows = metadata_.row_groups[group].num_rows;
  std::string where = path_ + ": row group " + std::to_string(group) + ", column " + element.name;
  try {
    int64_t start = meta.data_page_offset;
    if (meta.dictionary_page_offset && *meta.dictionary_page_offset > 0 && *meta.dictionary_page_offset < start) {
      start = *meta.dictionary_page_offset;
    }
    uint64_t data_end = file_size_ - 8;
    if (start < 4 || meta.total_compressed_size < 0 || static_cast<uint64_t>(start) > data_end ||
        static_cast<uint64_t>(meta.total_compressed_size) > data_end - static_cast<uint64_t>(start)) {
      throw std::runtime_error("column chunk lies outside the file");
    }
    // A flat column has one value per row.
    if (meta.num_values != group_rows) {
      throw std::runtime_error("column chunk has " + std::to_string(meta.num_values) + " values for " +
                               std::to_string(group_rows) + " rows");
    }
    std::vector<uint8_t> chunk(static_cast<size_t>(meta.total_compressed_size));
    file_->ReadAt(static_cast<uint64_t>(start), chunk.size(), chunk.data());

    ValueConverter converter(element);
    PhysicalType physical = element.type.value_or(PhysicalType::kByteArray);
    int max_definition = element.repetition == Repetition::kOptional ? 1 : 0;
    PhysicalValues dictionary;
    std::vector<uint8_t> dictionary_page;
    bool have_dictionary = false;
    int64_t values_seen = 0;
    size_t pos = 0;
    std::vector<uint8_t> page;
    std::vector<uint32_t> levels, indices;
    PhysicalValues values;
    while (pos < chunk.size() && values_seen < meta.num_values) {
      size_t header_size = 0;
      PageHeader header = ParsePageHeader(chunk.data() + pos, chunk.size() - pos, &header_size);
      pos += header_size;
      if (header.compressed_page_size < 0 || static_cast<size_t>(header.compressed_page_size) > chunk.size() - pos) {
        throw std::runtime_error("page runs past the column chunk");
      }
      if (header.uncompressed_page_size < 0 || static_cast<uint64_t>(header.uncompressed_page_size) > kMaxPageBytes) {
        throw std::runtime_error("page size " + std::to_string(header.uncompressed_page_size) + " is not plausible");
      }
      const uint8_t* body = chunk.data() + pos;
      size_t body_size = static_cast<size_t>(header.compressed_page_size);
      pos += body_size;
      if (header.crc) {
        uint32_t crc = static_cast<uint32_t>(crc32(0, body, static_cast<uInt>(body_size)));
        if (crc != static_cast<uint32_t>(*header.crc)) throw std::runtime_error("page checksum mismatch (CRC)");
      }
      size_t raw_size = static_cast<size_t>(header.uncompressed_page_size);
      bool v2_uncompressed = header.data_page_v2 && !header.data_page_v2->is_compressed;
      if (!v2_uncompressed && header.type != PageType::kDataPageV2 &&
          !PlausibleDecompressedSize(meta.codec, body, body_size, raw_size)) {
        throw std::runtime_error("page claims " + std::to_string(raw_size) + " bytes, which " + CodecName(meta.codec) +
                                 " data of " + std::to_string(body_size) + " bytes cannot hold");
      }
      if (header.type == PageType::kDataPageV2 && raw_size > body_size * 32768 + (1 << 20)) {
        throw std::runtime_error("page size " + std::to_string(raw_size) + " is not plausible");
      }

      if (header.type == PageType::kDictionaryPage) {
        if (!header.dictionary_page) throw std::runtime_error("dictionary page without its header");
        dictionary_page.assign(raw_size, 0);
        Decompress(meta.codec, body, body_size, dictionary_page.data(), raw_size);
        dictionary.Clear();
        size_t count = static_cast<size_t>(std::max(0, header.dictionary_page->num_values));
        if (count > raw_size * 8 + 8) throw std::runtime_error("dictionary claims more entries than its page holds");
        DecodeValues(physical, element.type_length, Encoding::kPlain, dictionary_page.data(), raw_size, count, dictionary);
        have_dictionary = true;
        continue;
      }
      if (header.type != PageType::kDataPage && header.type != PageType::kDataPageV2) continue;  // index pages

      size_t num_values;
      Encoding encoding;
      const uint8_t* level_data = nullptr;
      size_t level_size = 0;
      const uint8_t* value_data;
      size_t value_size;
      bool levels_rle = true;
      if (header.type == PageType::kDataPage) {
        if (!header.data_page) throw std::runtime_error("data page without its header");
        num_values = static_cast<size_t>(std::max(0, header.data_page->num_values));
        encoding = header.data_page->encoding;
        page.resize(raw_size);
        Decompress(meta.codec, body, body_size, page.data(), raw_size);
        const uint8_t* p = page.data();
        size_t left = raw_size;
        if (max_definition > 0) {
          if (header.data_page->definition_level_encoding == Encoding::kBitPacked) {
            levels_rle = false;
            level_size = (num_values + 7) / 8;
          } else {
            if (left < 4) throw std::runtime_error("truncated definition levels");
            uint32_t length;
            std::memcpy(&length, p, 4);
            p += 4;
            left -= 4;
            level_size = length;
          }
          if (level_size > left) throw std::runtime_error("definition levels run past the page");
          level_data = p;
          p += level_size;
          left -= level_size;
        }
        value_data = p;
        value_size = left;
      } else {
        if (!header.data_page_v2) throw std::runtime_error("data page v2 without its header");
        const DataPageHeaderV2& v2 = *header.data_page_v2;
        num_values = static_cast<size_t>(std::max(0, v2.num_values));
        encoding = v2.encoding;
        size_t levels_size = static_cast<size_t>(v2.repetition_levels_byte_length) +
                             static_cast<size_t>(v2.definition_levels_byte_length);
        if (v2.repetition_levels_byte_length < 0 || v2.definition_levels_byte_length < 0 || levels_size > body_size ||
            levels_size > raw_size) {
          throw std::runtime_error("data page v2 level lengths run past the page");
        }
        page.resize(raw_size);
        std::memcpy(page.data(), body, levels_size);
        if (v2.is_compressed && meta.codec != Codec::kUncompressed) {
          if (raw_size > levels_size) {
            Decompress(meta.codec, body + levels_size, body_size - levels_size, page.data() + levels_size, raw_size - levels_size);
          }
        } else {
          if (body_size != raw_size) throw std::runtime_error("uncompressed data page v2 sizes disagree");
          std::memcpy(page.data() + levels_size, body + levels_size, raw_size - levels_size);
        }
        level_data = page.data() + v2.repetition_levels_byte_length;
        level_size = static_cast<size_t>(v2.definition_levels_byte_length);
        value_data = page.data() + levels_size;
        value_size = raw_size - levels_size;
      }
      if (num_values > static_cast<size_t>(meta.num_values - values_seen)) {
        throw std::runtime_error("pages hold more values than the column chunk");
      }
      if (num_values > kMaxPageValues) throw std::runtime_error("page of " + std::to_string(num_values) + " values");

      levels.assign(num_values, static_cast<uint32_t>(max_definition));
      size_t defined = num_values;
      if (max_definition > 0 && level_data) {
        if (levels_rle) {
          if (RleDecoder(level_data, level_size, 1).Decode(levels.data(), num_values) != num_values) {
            throw std::runtime_error("too few definition levels");
          }
        } else {
          DecodeBitPackedLegacy(level_data, level_size, 1, levels.data(), num_values);
        }
        defined = 0;
        for (uint32_t level : levels) defined += level == 1;
      }

      values.Clear();
      if (encoding == Encoding::kPlainDictionary || encoding == Encoding::kRleDictionary) {
        if (!have_dictionary) throw std::runtime_error("dictionary-encoded page without a dictionary page");
        if (value_size < 1) throw std::runtime_error("truncated dictionary indices");
        int width = value_data[0];
        indices.assign(defined, 0);
        if (defined > 0 && RleDecoder(value_data + 1, value_size - 1, width).Decode(indices.data(), defined) != defined) {
          throw std::runtime_error("too few dictionary indices");
        }
        GatherDictionary(physical, dictionary, indices, values);
      } else {
        DecodeValues(physical, element.type_length, encoding, value_data, value_size, defined, values);
      }
      // Every encoding path must have produced exactly one value per defined row, of the column's kind.
      size_t decoded = physical == PhysicalType::kDouble || physical == PhysicalType::kFloat ? values.doubles.size()
                       : physical == PhysicalType::kBoolean || physical == PhysicalType::kInt32 ||
                               physical == PhysicalType::kInt64
                           ? values.ints.size()
                           : values.bytes.size();
      if (decoded != defined) {
        throw std::runtime_error("page decodes to " + std::to_string(decoded) + " values where its levels need " +
                                 std::to_string(defined));
      }
      if (converter.identity()) {
        // Columnar: validity from the levels, values spread to their rows.
        const bool doubles = physical == PhysicalType::kDouble;
        auto& valid = out.mutable_valid();
        size_t base = valid.size();
        valid.resize(base + num_values);
        // Spreads the defined values to their rows, zero in the null slots.
        auto spread = [&](auto& target, const auto& source) {
          target.resize(base + num_values);
          size_t next = 0;
          for (size_t i = 0; i < num_values; ++i) {
            bool defined = levels[i] == static_cast<uint32_t>(max_definition);
            valid[base + i] = defined;
            target[base + i] = defined ? source[next++] : 0;
          }
        };
        if (doubles) {
          spread(out.mutable_doubles(), values.doubles);
        } else {
          spread(out.mutable_ints(), values.ints);
        }
      } else {
        size_t next = 0;
        for (size_t i = 0; i < num_values; ++i) {
          if (levels[i] == static_cast<uint32_t>(max_definition)) {
            converter.Append(values, next++, out);
          } else {
            out.AppendNull();
          }
        }
      }
      values_seen += static_cast<int64_t>(num_values);
    }
    if (values_seen != meta.num_values) {
      throw std::runtime_error("column chunk holds " + std::to_string(values_seen) + " values, its metadata says " +
                               std::to_string(meta.num_values));
    }
  } catch (const ThriftError& error) {
    ThrowInputData(where + ": corrupt page header: " + error.what());
  } catch (const Error&) {
    throw;
  } catch (const std::exception& error) {
    ThrowInputData(where + ": " + error.what());
  }
}

}  // namespace sluice
