#include "io/parquet/parquet_writer.h"

#include <algorithm>
#include <cstring>
#include <future>
#include <type_traits>
#include <unordered_map>
#include <unordered_set>

#include "common/error.h"
#include "io/parquet/codec.h"
#include "io/parquet/page_checksum.h"
#include "io/parquet/rle.h"
#include "sluice_version.h"

namespace sluice {

using namespace parquet;

namespace {

PhysicalType PhysicalOf(DataType type) {
  switch (type) {
    case DataType::kBool: return PhysicalType::kBoolean;
    case DataType::kFloat64: return PhysicalType::kDouble;
    case DataType::kString:
    case DataType::kCategorical: return PhysicalType::kByteArray;
    default: return PhysicalType::kInt64;
  }
}

// The bit width and signedness of a narrow integer storage.
std::pair<int8_t, bool> IntegerOf(ParquetStorage storage) {
  switch (storage) {
    case ParquetStorage::kInt8: return {8, true};
    case ParquetStorage::kInt16: return {16, true};
    case ParquetStorage::kUInt8: return {8, false};
    case ParquetStorage::kUInt16: return {16, false};
    case ParquetStorage::kUInt32: return {32, false};
    default: return {32, true};
  }
}

SchemaElement ElementOf(const Field& field, ParquetStorage storage, bool required) {
  SchemaElement element;
  element.type = PhysicalOf(field.type);
  element.repetition = required ? Repetition::kRequired : Repetition::kOptional;
  element.name = field.name;
  if (storage == ParquetStorage::kFloat) {
    element.type = PhysicalType::kFloat;
    return element;
  }
  if (storage == ParquetStorage::kDate) {
    element.type = PhysicalType::kInt32;
    element.converted_type = ConvertedType::kDate;
    element.logical.kind = LogicalType::kDateKind;
    return element;
  }
  if (storage != ParquetStorage::kDefault) {
    auto [bits, is_signed] = IntegerOf(storage);
    element.type = PhysicalType::kInt32;
    element.logical.kind = LogicalType::kInteger;
    element.logical.bit_width = bits;
    element.logical.is_signed = is_signed;
    element.converted_type = is_signed ? (bits == 8 ? ConvertedType::kInt8 : bits == 16 ? ConvertedType::kInt16 : ConvertedType::kInt32)
                                       : (bits == 8 ? ConvertedType::kUint8 : bits == 16 ? ConvertedType::kUint16 : ConvertedType::kUint32);
    return element;
  }
  switch (field.type) {
    case DataType::kString:
    case DataType::kCategorical:
      element.converted_type = ConvertedType::kUtf8;
      element.logical.kind = LogicalType::kString;
      break;
    case DataType::kTimestamp:
      element.converted_type = ConvertedType::kTimestampMicros;
      element.logical.kind = LogicalType::kTimestamp;
      element.logical.adjusted_to_utc = true;
      element.logical.unit = 2;
      break;
    case DataType::kInt64:
      element.converted_type = ConvertedType::kInt64;
      element.logical.kind = LogicalType::kInteger;
      element.logical.bit_width = 64;
      element.logical.is_signed = true;
      break;
    default:
      break;
  }
  return element;
}

// The values of one column chunk, nulls removed, as the physical type wants.
struct ChunkValues {
  std::vector<uint8_t> defined;     // per row
  std::vector<int64_t> ints;        // INT64, BOOLEAN
  std::vector<double> doubles;      // DOUBLE
  std::vector<std::string_view> strings;  // BYTE_ARRAY (views into the column)
  size_t size() const { return std::max({ints.size(), doubles.size(), strings.size()}); }
};

// Appends values[begin, end) as little-endian T: whole when T is the held
// type, value by value when narrowing (INT32 keeps the low 32 bits of values
// already range-checked; FLOAT rounds).
template <typename T, typename Held>
void AppendPlainAs(const std::vector<Held>& values, size_t begin, size_t end, std::string& out) {
  if constexpr (std::is_same_v<T, Held>) {
    out.append(reinterpret_cast<const char*>(values.data() + begin), (end - begin) * sizeof(T));
  } else {
    for (size_t i = begin; i < end; ++i) {
      T value = static_cast<T>(values[i]);
      out.append(reinterpret_cast<const char*>(&value), sizeof value);
    }
  }
}

void AppendPlain(PhysicalType type, const ChunkValues& values, size_t begin, size_t end, std::string& out) {
  switch (type) {
    case PhysicalType::kBoolean: {
      uint8_t byte = 0;
      int bit = 0;
      for (size_t i = begin; i < end; ++i) {
        byte |= static_cast<uint8_t>((values.ints[i] & 1) << bit);
        if (++bit == 8) {
          out.push_back(static_cast<char>(byte));
          byte = 0;
          bit = 0;
        }
      }
      if (bit > 0) out.push_back(static_cast<char>(byte));
      return;
    }
    case PhysicalType::kInt64: return AppendPlainAs<int64_t>(values.ints, begin, end, out);
    case PhysicalType::kInt32: return AppendPlainAs<uint32_t>(values.ints, begin, end, out);
    case PhysicalType::kDouble: return AppendPlainAs<double>(values.doubles, begin, end, out);
    case PhysicalType::kFloat: return AppendPlainAs<float>(values.doubles, begin, end, out);
    default:
      for (size_t i = begin; i < end; ++i) {
        uint32_t length = static_cast<uint32_t>(values.strings[i].size());
        out.append(reinterpret_cast<const char*>(&length), 4);
        out.append(values.strings[i]);
      }
  }
}

// Compares two PLAIN statistics values in the column's sort order (INT32
// values of an unsigned annotation compare as unsigned).
bool StatLess(PhysicalType type, const std::string& a, const std::string& b, bool is_unsigned) {
  if (type == PhysicalType::kByteArray) return a < b;
  if (type == PhysicalType::kInt32) {
    uint32_t x, y;
    std::memcpy(&x, a.data(), 4);
    std::memcpy(&y, b.data(), 4);
    return is_unsigned ? x < y : static_cast<int32_t>(x) < static_cast<int32_t>(y);
  }
  if (type == PhysicalType::kFloat) {
    float x, y;
    std::memcpy(&x, a.data(), 4);
    std::memcpy(&y, b.data(), 4);
    return x < y;
  }
  if (type == PhysicalType::kDouble) {
    double x, y;
    std::memcpy(&x, a.data(), 8);
    std::memcpy(&y, b.data(), 8);
    return x < y;
  }
  if (type == PhysicalType::kBoolean) return a[0] < b[0];
  int64_t x, y;
  std::memcpy(&x, a.data(), 8);
  std::memcpy(&y, b.data(), 8);
  return x < y;
}

// Widens `into` by the min and max of `from`.
void MergeStatistics(PhysicalType type, const Statistics& from, Statistics& into, bool is_unsigned) {
  if (from.min_value && (!into.min_value || StatLess(type, *from.min_value, *into.min_value, is_unsigned))) {
    into.min_value = from.min_value;
  }
  if (from.max_value && (!into.max_value || StatLess(type, *into.max_value, *from.max_value, is_unsigned))) {
    into.max_value = from.max_value;
  }
}

// Min and max of values [begin, end) in the column's sort order, PLAIN encoded.
void AddStatistics(PhysicalType type, const ChunkValues& values, size_t begin, size_t end, Statistics& stats,
                   bool is_unsigned) {
  if (begin == end) return;
  std::string min, max;
  if (type == PhysicalType::kByteArray) {
    auto [lo, hi] = std::minmax_element(values.strings.begin() + begin, values.strings.begin() + end);
    // Long values make long footers; statistics are optional.
    if (lo->size() > 256 || hi->size() > 256) return;
    min = std::string(*lo);
    max = std::string(*hi);
  } else if (type == PhysicalType::kDouble || type == PhysicalType::kFloat) {
    double lo = values.doubles[begin], hi = lo;
    for (size_t i = begin; i < end; ++i) {
      lo = std::min(lo, values.doubles[i]);
      hi = std::max(hi, values.doubles[i]);
    }
    if (type == PhysicalType::kFloat) {
      float lo32 = static_cast<float>(lo), hi32 = static_cast<float>(hi);
      min.assign(reinterpret_cast<const char*>(&lo32), 4);
      max.assign(reinterpret_cast<const char*>(&hi32), 4);
    } else {
      min.assign(reinterpret_cast<const char*>(&lo), 8);
      max.assign(reinterpret_cast<const char*>(&hi), 8);
    }
  } else if (type == PhysicalType::kBoolean) {
    auto [lo, hi] = std::minmax_element(values.ints.begin() + begin, values.ints.begin() + end);
    min.assign(1, static_cast<char>(*lo));
    max.assign(1, static_cast<char>(*hi));
  } else {
    // INT32 values are held as int64 in range (unsigned ones non-negative),
    // so their int64 order is the column's order.
    auto [lo, hi] = std::minmax_element(values.ints.begin() + begin, values.ints.begin() + end);
    const size_t width = type == PhysicalType::kInt32 ? 4 : 8;
    uint32_t lo32 = static_cast<uint32_t>(*lo), hi32 = static_cast<uint32_t>(*hi);
    min.assign(width == 4 ? reinterpret_cast<const char*>(&lo32) : reinterpret_cast<const char*>(&*lo), width);
    max.assign(width == 4 ? reinterpret_cast<const char*>(&hi32) : reinterpret_cast<const char*>(&*hi), width);
  }
  if (!stats.min_value || StatLess(type, min, *stats.min_value, is_unsigned)) stats.min_value = min;
  if (!stats.max_value || StatLess(type, *stats.max_value, max, is_unsigned)) stats.max_value = max;
}

// Dictionary codes for 64-bit keys: open addressing with linear probing, far
// cheaper per value than std::unordered_map on this hot path.
class IntCodes {
 public:
  IntCodes() { Resize(1024); }
  // The code of `key`, adding it (as the next code) when new.
  uint32_t Find(int64_t key, bool* added) {
    if ((size_ + 1) * 2 > keys_.size()) Resize(keys_.size() * 2);
    size_t mask = keys_.size() - 1;
    size_t slot = Mix(key) & mask;
    while (used_[slot]) {
      if (keys_[slot] == key) {
        *added = false;
        return codes_[slot];
      }
      slot = (slot + 1) & mask;
    }
    used_[slot] = 1;
    keys_[slot] = key;
    codes_[slot] = static_cast<uint32_t>(size_++);
    *added = true;
    return codes_[slot];
  }

 private:
  static size_t Mix(int64_t key) {
    uint64_t x = static_cast<uint64_t>(key) * 0x9E3779B97F4A7C15ULL;
    return static_cast<size_t>(x ^ (x >> 32));
  }
  void Resize(size_t capacity) {
    std::vector<int64_t> keys = std::move(keys_);
    std::vector<uint32_t> codes = std::move(codes_);
    std::vector<uint8_t> used = std::move(used_);
    keys_.assign(capacity, 0);
    codes_.assign(capacity, 0);
    used_.assign(capacity, 0);
    size_t mask = capacity - 1;
    for (size_t i = 0; i < used.size(); ++i) {
      if (!used[i]) continue;
      size_t slot = Mix(keys[i]) & mask;
      while (used_[slot]) slot = (slot + 1) & mask;
      used_[slot] = 1;
      keys_[slot] = keys[i];
      codes_[slot] = codes[i];
    }
  }

  std::vector<int64_t> keys_;
  std::vector<uint32_t> codes_;
  std::vector<uint8_t> used_;
  size_t size_ = 0;
};

struct EncodedChunk {
  std::string bytes;
  ColumnMetaData meta;
  int64_t dictionary_offset = -1;  // relative to the chunk start
  int64_t data_offset = 0;
};

std::string CompressPage(const std::string& raw, const ParquetWriteOptions& options) {
  std::string compressed;
  Compress(options.codec, raw, compressed, options.zstd_level);
  return compressed;
}

void AppendPage(PageHeader header, const std::string& raw, const ParquetWriteOptions& options, EncodedChunk& chunk) {
  std::string body = CompressPage(raw, options);
  header.uncompressed_page_size = static_cast<int32_t>(raw.size());
  header.compressed_page_size = static_cast<int32_t>(body.size());
  header.crc = static_cast<int32_t>(PageChecksum(reinterpret_cast<const uint8_t*>(body.data()), body.size()));
  std::string head = SerializePageHeader(header);
  chunk.meta.total_uncompressed_size += static_cast<int64_t>(head.size() + raw.size());
  chunk.meta.total_compressed_size += static_cast<int64_t>(head.size() + body.size());
  chunk.bytes += head;
  chunk.bytes += body;
}

// Turns the defined int64 values of one batch's column (the tail of `ints`)
// into the narrow storage's values: days for DATE, range-checked integers.
void NarrowValues(const Field& field, ParquetStorage storage, const RecordBatch& batch, const Column& column,
                  std::vector<int64_t>& ints) {
  constexpr int64_t kDay = 86400LL * 1000000LL;
  size_t defined = 0;
  for (uint8_t v : column.valid()) defined += v != 0;
  size_t first = ints.size() - defined;
  int64_t lo = 0, hi = 0;
  if (storage != ParquetStorage::kDate) {
    auto [bits, is_signed] = IntegerOf(storage);
    lo = is_signed ? -(int64_t{1} << (bits - 1)) : 0;
    hi = is_signed ? (int64_t{1} << (bits - 1)) - 1 : (int64_t{1} << bits) - 1;
  }
  size_t row = 0;
  for (size_t i = first; i < ints.size(); ++i, ++row) {
    while (!column.valid()[row]) ++row;
    int64_t value = ints[i];
    auto where = [&] {
      return "parquet: column '" + field.name + "'" +
             (row < batch.lines.size() ? ", input line " + std::to_string(batch.lines[row]) : std::string());
    };
    if (storage == ParquetStorage::kDate) {
      if (value % kDay != 0) ThrowInputData(where() + ": timestamp is not midnight UTC, so it cannot be stored as a date");
      ints[i] = value / kDay;
      if (ints[i] < INT32_MIN || ints[i] > INT32_MAX) ThrowInputData(where() + ": date out of range");
    } else if (value < lo || value > hi) {
      ThrowInputData(where() + ": " + std::to_string(value) + " does not fit the column's " +
                     std::to_string(IntegerOf(storage).first) + "-bit storage");
    }
  }
}

// The values of column `index` of the buffered batches, nulls left out,
// with a definition level per row; narrowed to `storage` where it is not
// the default.
ChunkValues GatherValues(const Field& field, const std::vector<RecordBatch>& batches, size_t index, PhysicalType type,
                         ParquetStorage storage, bool required) {
  size_t rows = 0;
  for (const auto& batch : batches) rows += batch.num_rows();
  ChunkValues values;
  values.defined.reserve(rows);
  if (field.type == DataType::kFloat64) {
    values.doubles.reserve(rows);
  } else if (field.type == DataType::kString || field.type == DataType::kCategorical) {
    values.strings.reserve(rows);
  } else {
    values.ints.reserve(rows);
  }
  for (const auto& batch : batches) {
    const Column& column = batch.columns[index];
    size_t n = column.size();
    const uint8_t* valid = column.valid().data();
    values.defined.insert(values.defined.end(), valid, valid + n);
    if (required) {
      for (size_t row = 0; row < n; ++row) {
        if (!valid[row]) {
          ThrowInputData("parquet: column '" + field.name + "' is required but has a null" +
                         (row < batch.lines.size() ? " at input line " + std::to_string(batch.lines[row]) : std::string()));
        }
      }
    }
    if (column.type() == DataType::kFloat64) {
      const double* data = column.doubles().data();
      // FLOAT storage: round first, so the dictionary and statistics see the stored values.
      const bool to_float = type == PhysicalType::kFloat;
      for (size_t row = 0; row < n; ++row) {
        if (valid[row]) values.doubles.push_back(to_float ? static_cast<double>(static_cast<float>(data[row])) : data[row]);
      }
    } else if (column.type() == DataType::kString) {
      for (size_t row = 0; row < n; ++row) {
        if (valid[row]) values.strings.push_back(column.String(row));
      }
    } else if (column.type() == DataType::kCategorical) {
      for (size_t row = 0; row < n; ++row) {
        if (valid[row]) values.strings.push_back(column.Category(row));
      }
    } else {
      const int64_t* data = column.ints().data();
      for (size_t row = 0; row < n; ++row) {
        if (valid[row]) values.ints.push_back(data[row]);
      }
      if (storage != ParquetStorage::kDefault) NarrowValues(field, storage, batch, column, values.ints);
    }
  }
  return values;
}

// A number value's bits, as the dictionary's hash key.
int64_t NumberKey(PhysicalType type, const ChunkValues& values, size_t i) {
  if (type != PhysicalType::kDouble && type != PhysicalType::kFloat) return values.ints[i];
  int64_t key;
  std::memcpy(&key, &values.doubles[i], 8);
  return key;
}

// Whether the values repeat enough to be worth a dictionary: a sample tells,
// before the whole chunk is hashed.
bool WorthADictionary(PhysicalType type, const ChunkValues& values) {
  if (type == PhysicalType::kBoolean || values.size() == 0) return false;
  if (values.size() <= 20000) return true;
  constexpr size_t kSample = 10000;
  size_t distinct = 0;
  if (type == PhysicalType::kByteArray) {
    std::unordered_set<std::string_view> seen(values.strings.begin(), values.strings.begin() + kSample);
    distinct = seen.size();
  } else {
    std::unordered_set<int64_t> seen;
    for (size_t i = 0; i < kSample; ++i) seen.insert(NumberKey(type, values, i));
    distinct = seen.size();
  }
  return distinct * 2 <= kSample;
}

// A chunk's dictionary: an index per value and the dictionary page.
struct ChunkDictionary {
  bool used = false;
  std::vector<uint32_t> indices;
  size_t size = 0;
  std::string page;
};

// The dictionary of the values, while it stays under dictionary_max_bytes;
// unused when it grew too big or saves nothing.
ChunkDictionary BuildDictionary(PhysicalType type, const ChunkValues& values, const ParquetWriteOptions& options) {
  ChunkDictionary out;
  if (!WorthADictionary(type, values)) return out;
  out.indices.reserve(values.size());
  size_t dictionary_bytes = 0;
  ChunkValues dictionary;
  if (type == PhysicalType::kByteArray) {
    std::unordered_map<std::string_view, uint32_t> codes;
    for (std::string_view value : values.strings) {
      auto [it, added] = codes.emplace(value, static_cast<uint32_t>(codes.size()));
      if (added) {
        dictionary.strings.push_back(value);
        dictionary_bytes += value.size() + 4;
      }
      out.indices.push_back(it->second);
      if (dictionary_bytes > options.dictionary_max_bytes) break;
    }
  } else {
    IntCodes codes;
    const bool is_double = type == PhysicalType::kDouble || type == PhysicalType::kFloat;
    for (size_t i = 0; i < values.size(); ++i) {
      const int64_t key = NumberKey(type, values, i);
      bool added;
      uint32_t code = codes.Find(key, &added);
      if (added) {
        if (is_double) {
          dictionary.doubles.push_back(values.doubles[i]);
        } else {
          dictionary.ints.push_back(key);
        }
        dictionary_bytes += 8;
        if (dictionary_bytes > options.dictionary_max_bytes) break;
      }
      out.indices.push_back(code);
    }
  }
  out.size = dictionary.size();
  if (dictionary_bytes > options.dictionary_max_bytes || out.size * 10 > values.size() * 9 + 10) {
    out.indices.clear();
    out.size = 0;
    return out;
  }
  out.used = true;
  AppendPlain(type, dictionary, 0, out.size, out.page);
  return out;
}

// The data pages, of about page_bytes each, with their statistics and the
// chunk's.
void AppendDataPages(PhysicalType type, const ChunkValues& values, const ChunkDictionary& dictionary, bool required,
                     bool is_unsigned, const ParquetWriteOptions& options, EncodedChunk& chunk) {
  const size_t rows = values.defined.size();
  size_t value_width = type == PhysicalType::kByteArray ? 16 : type == PhysicalType::kBoolean ? 1
                       : type == PhysicalType::kInt32 || type == PhysicalType::kFloat ? 4 : 8;
  if (type == PhysicalType::kByteArray && !values.strings.empty()) {
    size_t total = 0;
    for (auto value : values.strings) total += value.size() + 4;
    value_width = std::max<size_t>(1, total / values.strings.size());
  }
  if (dictionary.used) value_width = std::max(1, BitWidth(dictionary.size) / 8 + 1);
  size_t rows_per_page = std::max<size_t>(1024, options.page_bytes / value_width);
  Statistics chunk_stats;
  chunk_stats.null_count = static_cast<int64_t>(rows - values.size());
  bool chunk_stats_complete = true;
  int def_width = 1;
  size_t value_pos = 0;
  std::vector<uint32_t> levels;
  for (size_t first = 0; first < rows || (rows == 0 && first == 0); first += rows_per_page) {
    size_t last = std::min(rows, first + rows_per_page);
    levels.assign(values.defined.begin() + first, values.defined.begin() + last);
    for (auto& level : levels) level = level != 0;
    std::string raw;
    if (!required) {
      std::string level_bytes;
      RleEncoder(def_width).Encode(levels.data(), levels.size(), level_bytes);
      uint32_t level_length = static_cast<uint32_t>(level_bytes.size());
      raw.append(reinterpret_cast<const char*>(&level_length), 4);
      raw += level_bytes;
    }
    size_t count = static_cast<size_t>(std::count(levels.begin(), levels.end(), 1u));
    size_t value_end = value_pos + count;
    PageHeader header;
    header.type = PageType::kDataPage;
    DataPageHeader data;
    data.num_values = static_cast<int32_t>(last - first);
    data.definition_level_encoding = Encoding::kRle;
    data.repetition_level_encoding = Encoding::kRle;
    Statistics page_stats;
    page_stats.null_count = static_cast<int64_t>((last - first) - count);
    AddStatistics(type, values, value_pos, value_end, page_stats, is_unsigned);
    MergeStatistics(type, page_stats, chunk_stats, is_unsigned);
    // A page whose values got no min/max (very long strings) leaves the chunk without them too.
    if (count > 0 && !page_stats.min_value) chunk_stats_complete = false;
    data.statistics = page_stats;
    if (dictionary.used) {
      data.encoding = Encoding::kRleDictionary;
      int index_width = BitWidth(dictionary.size > 0 ? dictionary.size - 1 : 0);
      raw.push_back(static_cast<char>(index_width));
      RleEncoder(index_width).Encode(dictionary.indices.data() + value_pos, count, raw);
    } else {
      data.encoding = Encoding::kPlain;
      AppendPlain(type, values, value_pos, value_end, raw);
    }
    header.data_page = data;
    AppendPage(header, raw, options, chunk);
    value_pos = value_end;
    if (rows == 0) break;
  }
  if (!chunk_stats_complete) {
    chunk_stats.min_value.reset();
    chunk_stats.max_value.reset();
  }
  chunk.meta.statistics = chunk_stats;
}

// Encodes column `index` of the buffered batches as one column chunk.
EncodedChunk EncodeColumn(const Field& field, const std::vector<RecordBatch>& batches, size_t index,
                          const ParquetWriteOptions& options) {
  auto storage_it = options.column_storage.find(field.name);
  const ParquetStorage storage = storage_it == options.column_storage.end() ? ParquetStorage::kDefault : storage_it->second;
  const PhysicalType type = storage == ParquetStorage::kDefault ? PhysicalOf(field.type)
                            : storage == ParquetStorage::kFloat  ? PhysicalType::kFloat
                                                                 : PhysicalType::kInt32;
  const bool is_unsigned = type == PhysicalType::kInt32 && storage != ParquetStorage::kDate && !IntegerOf(storage).second;
  const bool required = options.required_columns.count(field.name) > 0;
  const ChunkValues values = GatherValues(field, batches, index, type, storage, required);

  EncodedChunk chunk;
  chunk.meta.type = type;
  chunk.meta.path = {field.name};
  chunk.meta.codec = options.codec;
  chunk.meta.num_values = static_cast<int64_t>(values.defined.size());
  const ChunkDictionary dictionary = BuildDictionary(type, values, options);
  if (dictionary.used) {
    PageHeader header;
    header.type = PageType::kDictionaryPage;
    header.dictionary_page = DictionaryPageHeader{static_cast<int32_t>(dictionary.size), Encoding::kPlain};
    chunk.dictionary_offset = 0;
    AppendPage(header, dictionary.page, options, chunk);
    chunk.meta.encodings = {Encoding::kPlain, Encoding::kRle, Encoding::kRleDictionary};
  } else {
    chunk.meta.encodings = {Encoding::kPlain, Encoding::kRle};
  }
  chunk.data_offset = static_cast<int64_t>(chunk.bytes.size());
  AppendDataPages(type, values, dictionary, required, is_unsigned, options, chunk);
  return chunk;
}

}  // namespace

ParquetStorage ParquetWriteOptions::ParseStorage(const std::string& name) {
  static const std::pair<const char*, ParquetStorage> kNames[] = {
      {"date", ParquetStorage::kDate},     {"int8", ParquetStorage::kInt8},     {"int16", ParquetStorage::kInt16},
      {"int32", ParquetStorage::kInt32},   {"uint8", ParquetStorage::kUInt8},   {"uint16", ParquetStorage::kUInt16},
      {"uint32", ParquetStorage::kUInt32}, {"int64", ParquetStorage::kDefault}, {"timestamp", ParquetStorage::kDefault},
      {"float", ParquetStorage::kFloat},   {"double", ParquetStorage::kDefault},
  };
  for (const auto& [text, storage] : kNames) {
    if (name == text) return storage;
  }
  ThrowUsage("parquet type '" + name + "': expected date, int8, int16, int32, uint8, uint16, uint32 or float");
}

Codec ParquetWriteOptions::ParseCodec(const std::string& name) {
  if (name == "zstd") return Codec::kZstd;
  if (name == "snappy") return Codec::kSnappy;
  if (name == "gzip") return Codec::kGzip;
  if (name == "none" || name == "uncompressed") return Codec::kUncompressed;
  ThrowUsage("compression '" + name + "': expected zstd, snappy, gzip or none");
}

ParquetWriter::ParquetWriter(const std::string& path, const Schema& schema, const ParquetWriteOptions& options)
    : schema_(schema), options_(options), file_(AtomicFileWriter::Open(path)) {}

ParquetWriter::~ParquetWriter() {
  if (pending_.valid()) {
    try {
      pending_.get();
    } catch (...) {
      // The file is abandoned; its temporary name is removed with file_.
    }
  }
}

std::unique_ptr<ParquetWriter> ParquetWriter::Open(const std::string& path, const Schema& schema,
                                                   const ParquetWriteOptions& options) {
  if (options.row_group_rows <= 0) ThrowUsage("parquet: row group size must be positive");
  std::unique_ptr<ParquetWriter> writer(new ParquetWriter(path, schema, options));
  writer->Append("PAR1");
  SchemaElement root;
  root.name = "schema";
  root.num_children = static_cast<int32_t>(schema.size());
  writer->metadata_.schema.push_back(root);
  for (const auto& name : options.required_columns) {
    if (!schema.Find(name)) ThrowUsage("parquet: required column '" + name + "' is not in the data");
  }
  for (const auto& field : schema.fields()) {
    auto storage = options.column_storage.find(field.name);
    if (storage != options.column_storage.end()) {
      const ParquetStorage kind = storage->second;
      const DataType needed = kind == ParquetStorage::kDate    ? DataType::kTimestamp
                              : kind == ParquetStorage::kFloat ? DataType::kFloat64
                                                               : DataType::kInt64;
      if (kind != ParquetStorage::kDefault && field.type != needed) {
        ThrowUsage("parquet: column '" + field.name + "' is " + std::string(DataTypeName(field.type)) + "; only " +
                   std::string(DataTypeName(needed)) + " columns can be stored that way");
      }
    }
    writer->metadata_.schema.push_back(
        ElementOf(field, storage == options.column_storage.end() ? ParquetStorage::kDefault : storage->second,
                  options.required_columns.count(field.name) > 0));
  }
  writer->metadata_.created_by = std::string("sluice version ") + SLUICE_VERSION;
  writer->metadata_.key_value_metadata = options.metadata;
  return writer;
}

void ParquetWriter::Append(std::string_view bytes) {
  file_.Write(bytes);
  offset_ += bytes.size();
}

void ParquetWriter::Write(RecordBatch&& batch) {
  if (batch.columns.size() != schema_.size()) ThrowInternal("parquet: batch does not match the writer's schema");
  size_t rows = batch.num_rows();
  size_t room = static_cast<size_t>(options_.row_group_rows - buffered_rows_);
  if (rows <= room) {
    buffered_rows_ += static_cast<int64_t>(rows);
    buffered_.push_back(std::move(batch));
    if (buffered_rows_ == options_.row_group_rows) FlushRowGroup();
    return;
  }
  // The batch straddles a row group boundary: split it.
  Write(batch.TakeFront(room));
  Write(std::move(batch));
}

void ParquetWriter::FlushRowGroup() {
  if (buffered_rows_ == 0) return;
  // One row group encodes in the background while the next one fills; the
  // previous must be in the file first, so row groups stay in order.
  if (pending_.valid()) pending_.get();
  auto batches = std::make_shared<std::vector<RecordBatch>>(std::move(buffered_));
  int64_t rows = buffered_rows_;
  buffered_.clear();
  buffered_rows_ = 0;
  pending_ = std::async(std::launch::async, [this, batches, rows] { EncodeRowGroup(*batches, rows); });
}

void ParquetWriter::EncodeRowGroup(const std::vector<RecordBatch>& batches, int64_t rows) {
  size_t num_columns = schema_.size();
  std::vector<EncodedChunk> chunks(num_columns);
  auto encode = [&](size_t c) { chunks[c] = EncodeColumn(schema_.field(c), batches, c, options_); };
  if (options_.pool && num_columns > 1) {
    TaskGroup group(*options_.pool);
    for (size_t c = 0; c < num_columns; ++c) group.Submit([&, c] { encode(c); });
    group.Wait();
  } else {
    for (size_t c = 0; c < num_columns; ++c) encode(c);
  }
  RowGroup group;
  group.num_rows = rows;
  for (auto& chunk : chunks) {
    ColumnChunk column;
    int64_t start = static_cast<int64_t>(offset_);
    column.meta = chunk.meta;
    column.meta.data_page_offset = start + chunk.data_offset;
    if (chunk.dictionary_offset >= 0) column.meta.dictionary_page_offset = start + chunk.dictionary_offset;
    column.file_offset = start;
    group.total_byte_size += chunk.meta.total_uncompressed_size;
    Append(chunk.bytes);
    group.columns.push_back(std::move(column));
  }
  metadata_.row_groups.push_back(std::move(group));
  metadata_.num_rows += rows;
  rows_written_ += rows;
}

void ParquetWriter::Close() {
  if (closed_) return;
  FlushRowGroup();
  if (pending_.valid()) pending_.get();
  std::string footer = SerializeFileMetaData(metadata_);
  Append(footer);
  uint32_t length = static_cast<uint32_t>(footer.size());
  Append(std::string_view(reinterpret_cast<const char*>(&length), 4));
  Append("PAR1");
  file_.Commit();
  closed_ = true;
}

}  // namespace sluice
