#pragma once
// The parts of Parquet's Thrift metadata (parquet.thrift) that sluice reads
// and writes: the footer (FileMetaData with its schema and row groups) and
// page headers. Fields sluice does not use are skipped when read. Numbers are
// the format's own enum values.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace sluice::parquet {

enum class PhysicalType : int32_t {
  kBoolean = 0, kInt32 = 1, kInt64 = 2, kInt96 = 3, kFloat = 4, kDouble = 5, kByteArray = 6, kFixedLenByteArray = 7,
};
enum class Repetition : int32_t { kRequired = 0, kOptional = 1, kRepeated = 2 };
enum class Encoding : int32_t {
  kPlain = 0, kPlainDictionary = 2, kRle = 3, kBitPacked = 4, kDeltaBinaryPacked = 5,
  kDeltaLengthByteArray = 6, kDeltaByteArray = 7, kRleDictionary = 8, kByteStreamSplit = 9,
};
enum class Codec : int32_t {
  kUncompressed = 0, kSnappy = 1, kGzip = 2, kLzo = 3, kBrotli = 4, kLz4 = 5, kZstd = 6, kLz4Raw = 7,
};
enum class PageType : int32_t { kDataPage = 0, kIndexPage = 1, kDictionaryPage = 2, kDataPageV2 = 3 };
// ConvertedType values sluice looks at.
enum ConvertedType : int32_t {
  kUtf8 = 0, kEnum = 4, kDecimal = 5, kDate = 6, kTimeMillis = 7, kTimeMicros = 8,
  kTimestampMillis = 9, kTimestampMicros = 10, kUint8 = 11, kUint16 = 12, kUint32 = 13, kUint64 = 14,
  kInt8 = 15, kInt16 = 16, kInt32 = 17, kInt64 = 18, kJson = 19,
};

// LogicalType is a Thrift union; `kind` is the set member's field id.
struct LogicalType {
  enum Kind : int16_t {
    kNone = 0, kString = 1, kMap = 2, kList = 3, kEnumKind = 4, kDecimalKind = 5, kDateKind = 6, kTime = 7,
    kTimestamp = 8, kInteger = 10, kUnknown = 11, kJsonKind = 12, kBson = 13, kUuid = 14, kFloat16 = 15,
  };
  Kind kind = kNone;
  int32_t scale = 0, precision = 0;     // decimal
  bool adjusted_to_utc = true;          // time, timestamp
  int unit = 0;                         // time, timestamp: 1 millis, 2 micros, 3 nanos
  int8_t bit_width = 0;                 // integer
  bool is_signed = true;                // integer
};

struct SchemaElement {
  std::optional<PhysicalType> type;
  int32_t type_length = 0;
  std::optional<Repetition> repetition;
  std::string name;
  int32_t num_children = 0;
  std::optional<int32_t> converted_type;
  int32_t scale = 0, precision = 0;
  LogicalType logical;
};

struct Statistics {
  std::optional<std::string> min_value, max_value;  // PLAIN encoded
  std::optional<int64_t> null_count;
};

struct ColumnMetaData {
  PhysicalType type = PhysicalType::kInt32;
  std::vector<Encoding> encodings;
  std::vector<std::string> path;
  Codec codec = Codec::kUncompressed;
  int64_t num_values = 0;
  int64_t total_uncompressed_size = 0;
  int64_t total_compressed_size = 0;
  int64_t data_page_offset = 0;
  std::optional<int64_t> dictionary_page_offset;
  std::optional<Statistics> statistics;
};

struct ColumnChunk {
  std::string file_path;
  int64_t file_offset = 0;
  ColumnMetaData meta;
};

struct RowGroup {
  std::vector<ColumnChunk> columns;
  int64_t total_byte_size = 0;
  int64_t num_rows = 0;
};

struct KeyValue {
  std::string key, value;
};

struct FileMetaData {
  int32_t version = 1;
  std::vector<SchemaElement> schema;
  int64_t num_rows = 0;
  std::vector<RowGroup> row_groups;
  std::vector<KeyValue> key_value_metadata;
  std::string created_by;
};

struct DataPageHeader {
  int32_t num_values = 0;
  Encoding encoding = Encoding::kPlain;
  Encoding definition_level_encoding = Encoding::kRle;
  Encoding repetition_level_encoding = Encoding::kRle;
  std::optional<Statistics> statistics;
};

struct DictionaryPageHeader {
  int32_t num_values = 0;
  Encoding encoding = Encoding::kPlain;
};

struct DataPageHeaderV2 {
  int32_t num_values = 0, num_nulls = 0, num_rows = 0;
  Encoding encoding = Encoding::kPlain;
  int32_t definition_levels_byte_length = 0, repetition_levels_byte_length = 0;
  bool is_compressed = true;
  std::optional<Statistics> statistics;
};

struct PageHeader {
  PageType type = PageType::kDataPage;
  int32_t uncompressed_page_size = 0;
  int32_t compressed_page_size = 0;
  std::optional<int32_t> crc;
  std::optional<DataPageHeader> data_page;
  std::optional<DictionaryPageHeader> dictionary_page;
  std::optional<DataPageHeaderV2> data_page_v2;
};

std::string SerializeFileMetaData(const FileMetaData& metadata);
std::string SerializePageHeader(const PageHeader& header);
// Throw ThriftError on corrupt input. `consumed` gets the header's length.
FileMetaData ParseFileMetaData(const uint8_t* data, size_t size);
PageHeader ParsePageHeader(const uint8_t* data, size_t size, size_t* consumed);

const char* CodecName(Codec codec);
const char* EncodingName(Encoding encoding);
const char* PhysicalTypeName(PhysicalType type);

}  // namespace sluice::parquet
