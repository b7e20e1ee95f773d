#include "io/parquet/metadata.h"

#include "io/parquet/thrift_compact.h"

namespace sluice::parquet {

namespace {

using thrift::Type;

// ---- writing ----

void WriteStatistics(ThriftWriter& w, const Statistics& s) {
  w.BeginStruct();
  if (s.null_count) w.FieldI64(3, *s.null_count);
  if (s.max_value) w.FieldBinary(5, *s.max_value);
  if (s.min_value) w.FieldBinary(6, *s.min_value);
  w.EndStruct();
}

void WriteLogicalType(ThriftWriter& w, const LogicalType& t) {
  w.BeginStruct();
  w.FieldStruct(t.kind);
  w.BeginStruct();
  switch (t.kind) {
    case LogicalType::kDecimalKind:
      w.FieldI32(1, t.scale);
      w.FieldI32(2, t.precision);
      break;
    case LogicalType::kTime:
    case LogicalType::kTimestamp:
      w.FieldBool(1, t.adjusted_to_utc);
      w.FieldStruct(2);
      w.BeginStruct();  // TimeUnit union
      w.FieldStruct(static_cast<int16_t>(t.unit));
      w.BeginStruct();
      w.EndStruct();
      w.EndStruct();
      break;
    case LogicalType::kInteger:
      w.FieldByte(1, t.bit_width);
      w.FieldBool(2, t.is_signed);
      break;
    default:
      break;
  }
  w.EndStruct();
  w.EndStruct();
}

void WriteSchemaElement(ThriftWriter& w, const SchemaElement& e) {
  w.BeginStruct();
  if (e.type) w.FieldI32(1, static_cast<int32_t>(*e.type));
  if (e.type_length) w.FieldI32(2, e.type_length);
  if (e.repetition) w.FieldI32(3, static_cast<int32_t>(*e.repetition));
  w.FieldBinary(4, e.name);
  if (e.num_children) w.FieldI32(5, e.num_children);
  if (e.converted_type) w.FieldI32(6, *e.converted_type);
  if (e.logical.kind != LogicalType::kNone) {
    w.FieldStruct(10);
    WriteLogicalType(w, e.logical);
  }
  w.EndStruct();
}

void WriteColumnChunk(ThriftWriter& w, const ColumnChunk& c) {
  w.BeginStruct();
  w.FieldI64(2, c.file_offset);
  w.FieldStruct(3);
  w.BeginStruct();
  const ColumnMetaData& m = c.meta;
  w.FieldI32(1, static_cast<int32_t>(m.type));
  w.FieldList(2, thrift::kI32, m.encodings.size());
  for (Encoding e : m.encodings) w.ListI32(static_cast<int32_t>(e));
  w.FieldList(3, thrift::kBinary, m.path.size());
  for (const auto& part : m.path) w.ListBinary(part);
  w.FieldI32(4, static_cast<int32_t>(m.codec));
  w.FieldI64(5, m.num_values);
  w.FieldI64(6, m.total_uncompressed_size);
  w.FieldI64(7, m.total_compressed_size);
  w.FieldI64(9, m.data_page_offset);
  if (m.dictionary_page_offset) w.FieldI64(11, *m.dictionary_page_offset);
  if (m.statistics) {
    w.FieldStruct(12);
    WriteStatistics(w, *m.statistics);
  }
  w.EndStruct();
  w.EndStruct();
}

// ---- reading ----

Statistics ReadStatistics(ThriftReader& r) {
  Statistics s;
  std::optional<std::string> legacy_min, legacy_max;
  r.ReadStruct([&](int16_t id, Type type) {
    if (id == 1 && type == thrift::kBinary) legacy_max = r.ReadBinary();
    else if (id == 2 && type == thrift::kBinary) legacy_min = r.ReadBinary();
    else if (id == 3 && type == thrift::kI64) s.null_count = r.ReadInt();
    else if (id == 5 && type == thrift::kBinary) s.max_value = r.ReadBinary();
    else if (id == 6 && type == thrift::kBinary) s.min_value = r.ReadBinary();
    else return false;
    return true;
  });
  // The deprecated min/max are signed-order only; use them only if nothing better.
  if (!s.min_value && legacy_min) s.min_value = legacy_min;
  if (!s.max_value && legacy_max) s.max_value = legacy_max;
  return s;
}

// Reads an empty-struct union member and returns its field id.
int16_t ReadUnionKind(ThriftReader& r) {
  int16_t kind = 0;
  r.ReadStruct([&](int16_t id, Type) {
    kind = id;
    return false;  // the member's own struct is skipped
  });
  return kind;
}

LogicalType ReadLogicalType(ThriftReader& r) {
  LogicalType t;
  r.ReadStruct([&](int16_t id, Type type) {
    if (type != thrift::kStruct) return false;
    t.kind = static_cast<LogicalType::Kind>(id);
    const bool time = id == LogicalType::kTime || id == LogicalType::kTimestamp;
    r.ReadStruct([&](int16_t inner, Type inner_type) {
      if (id == LogicalType::kDecimalKind && inner == 1) t.scale = static_cast<int32_t>(r.ReadInt());
      else if (id == LogicalType::kDecimalKind && inner == 2) t.precision = static_cast<int32_t>(r.ReadInt());
      else if (time && inner == 1) t.adjusted_to_utc = r.ReadBool(inner_type);
      else if (time && inner == 2 && inner_type == thrift::kStruct) t.unit = ReadUnionKind(r);
      else if (id == LogicalType::kInteger && inner == 1) t.bit_width = inner_type == thrift::kByte ? r.ReadByte() : static_cast<int8_t>(r.ReadInt());
      else if (id == LogicalType::kInteger && inner == 2) t.is_signed = r.ReadBool(inner_type);
      else return false;
      return true;
    });
    return true;
  });
  return t;
}

SchemaElement ReadSchemaElement(ThriftReader& r) {
  SchemaElement e;
  r.ReadStruct([&](int16_t id, Type type) {
    switch (id) {
      case 1: e.type = static_cast<PhysicalType>(r.ReadInt()); return true;
      case 2: e.type_length = static_cast<int32_t>(r.ReadInt()); return true;
      case 3: e.repetition = static_cast<Repetition>(r.ReadInt()); return true;
      case 4: e.name = r.ReadBinary(); return true;
      case 5: e.num_children = static_cast<int32_t>(r.ReadInt()); return true;
      case 6: e.converted_type = static_cast<int32_t>(r.ReadInt()); return true;
      case 7: e.scale = static_cast<int32_t>(r.ReadInt()); return true;
      case 8: e.precision = static_cast<int32_t>(r.ReadInt()); return true;
      case 10:
        if (type != thrift::kStruct) return false;
        e.logical = ReadLogicalType(r);
        return true;
      default: return false;
    }
  });
  return e;
}

ColumnMetaData ReadColumnMetaData(ThriftReader& r) {
  ColumnMetaData m;
  r.ReadStruct([&](int16_t id, Type type) {
    switch (id) {
      case 1: m.type = static_cast<PhysicalType>(r.ReadInt()); return true;
      case 2: r.ReadList([&] { m.encodings.push_back(static_cast<Encoding>(r.ReadInt())); }); return true;
      case 3: r.ReadList([&] { m.path.push_back(r.ReadBinary()); }); return true;
      case 4: m.codec = static_cast<Codec>(r.ReadInt()); return true;
      case 5: m.num_values = r.ReadInt(); return true;
      case 6: m.total_uncompressed_size = r.ReadInt(); return true;
      case 7: m.total_compressed_size = r.ReadInt(); return true;
      case 9: m.data_page_offset = r.ReadInt(); return true;
      case 11: m.dictionary_page_offset = r.ReadInt(); return true;
      case 12:
        if (type != thrift::kStruct) return false;
        m.statistics = ReadStatistics(r);
        return true;
      default: return false;
    }
  });
  return m;
}

ColumnChunk ReadColumnChunk(ThriftReader& r) {
  ColumnChunk c;
  r.ReadStruct([&](int16_t id, Type type) {
    if (id == 1 && type == thrift::kBinary) c.file_path = r.ReadBinary();
    else if (id == 2) c.file_offset = r.ReadInt();
    else if (id == 3 && type == thrift::kStruct) c.meta = ReadColumnMetaData(r);
    else return false;
    return true;
  });
  return c;
}

RowGroup ReadRowGroup(ThriftReader& r) {
  RowGroup g;
  r.ReadStruct([&](int16_t id, Type type) {
    if (id == 1 && type == thrift::kList) r.ReadList([&] { g.columns.push_back(ReadColumnChunk(r)); });
    else if (id == 2) g.total_byte_size = r.ReadInt();
    else if (id == 3) g.num_rows = r.ReadInt();
    else return false;
    return true;
  });
  return g;
}

KeyValue ReadKeyValue(ThriftReader& r) {
  KeyValue kv;
  r.ReadStruct([&](int16_t id, Type type) {
    if (id == 1 && type == thrift::kBinary) kv.key = r.ReadBinary();
    else if (id == 2 && type == thrift::kBinary) kv.value = r.ReadBinary();
    else return false;
    return true;
  });
  return kv;
}

DataPageHeader ReadDataPageHeader(ThriftReader& r) {
  DataPageHeader d;
  r.ReadStruct([&](int16_t id, Type type) {
    if (id == 1) d.num_values = static_cast<int32_t>(r.ReadInt());
    else if (id == 2) d.encoding = static_cast<Encoding>(r.ReadInt());
    else if (id == 3) d.definition_level_encoding = static_cast<Encoding>(r.ReadInt());
    else if (id == 4) d.repetition_level_encoding = static_cast<Encoding>(r.ReadInt());
    else if (id == 5 && type == thrift::kStruct) d.statistics = ReadStatistics(r);
    else return false;
    return true;
  });
  return d;
}

DictionaryPageHeader ReadDictionaryPageHeader(ThriftReader& r) {
  DictionaryPageHeader d;
  r.ReadStruct([&](int16_t id, Type) {
    if (id == 1) d.num_values = static_cast<int32_t>(r.ReadInt());
    else if (id == 2) d.encoding = static_cast<Encoding>(r.ReadInt());
    else return false;
    return true;
  });
  return d;
}

DataPageHeaderV2 ReadDataPageHeaderV2(ThriftReader& r) {
  DataPageHeaderV2 d;
  r.ReadStruct([&](int16_t id, Type type) {
    switch (id) {
      case 1: d.num_values = static_cast<int32_t>(r.ReadInt()); return true;
      case 2: d.num_nulls = static_cast<int32_t>(r.ReadInt()); return true;
      case 3: d.num_rows = static_cast<int32_t>(r.ReadInt()); return true;
      case 4: d.encoding = static_cast<Encoding>(r.ReadInt()); return true;
      case 5: d.definition_levels_byte_length = static_cast<int32_t>(r.ReadInt()); return true;
      case 6: d.repetition_levels_byte_length = static_cast<int32_t>(r.ReadInt()); return true;
      case 7: d.is_compressed = r.ReadBool(type); return true;
      case 8:
        if (type != thrift::kStruct) return false;
        d.statistics = ReadStatistics(r);
        return true;
      default: return false;
    }
  });
  return d;
}

}  // namespace

std::string SerializeFileMetaData(const FileMetaData& metadata) {
  ThriftWriter w;
  w.BeginStruct();
  w.FieldI32(1, metadata.version);
  w.FieldList(2, thrift::kStruct, metadata.schema.size());
  for (const auto& element : metadata.schema) WriteSchemaElement(w, element);
  w.FieldI64(3, metadata.num_rows);
  w.FieldList(4, thrift::kStruct, metadata.row_groups.size());
  for (const auto& group : metadata.row_groups) {
    w.BeginStruct();
    w.FieldList(1, thrift::kStruct, group.columns.size());
    for (const auto& column : group.columns) WriteColumnChunk(w, column);
    w.FieldI64(2, group.total_byte_size);
    w.FieldI64(3, group.num_rows);
    w.EndStruct();
  }
  if (!metadata.key_value_metadata.empty()) {
    w.FieldList(5, thrift::kStruct, metadata.key_value_metadata.size());
    for (const auto& kv : metadata.key_value_metadata) {
      w.BeginStruct();
      w.FieldBinary(1, kv.key);
      w.FieldBinary(2, kv.value);
      w.EndStruct();
    }
  }
  w.FieldBinary(6, metadata.created_by);
  w.EndStruct();
  return w.Take();
}

std::string SerializePageHeader(const PageHeader& header) {
  ThriftWriter w;
  w.BeginStruct();
  w.FieldI32(1, static_cast<int32_t>(header.type));
  w.FieldI32(2, header.uncompressed_page_size);
  w.FieldI32(3, header.compressed_page_size);
  if (header.crc) w.FieldI32(4, *header.crc);
  if (header.data_page) {
    const DataPageHeader& d = *header.data_page;
    w.FieldStruct(5);
    w.BeginStruct();
    w.FieldI32(1, d.num_values);
    w.FieldI32(2, static_cast<int32_t>(d.encoding));
    w.FieldI32(3, static_cast<int32_t>(d.definition_level_encoding));
    w.FieldI32(4, static_cast<int32_t>(d.repetition_level_encoding));
    if (d.statistics) {
      w.FieldStruct(5);
      WriteStatistics(w, *d.statistics);
    }
    w.EndStruct();
  }
  if (header.dictionary_page) {
    w.FieldStruct(7);
    w.BeginStruct();
    w.FieldI32(1, header.dictionary_page->num_values);
    w.FieldI32(2, static_cast<int32_t>(header.dictionary_page->encoding));
    w.EndStruct();
  }
  w.EndStruct();
  return w.Take();
}

FileMetaData ParseFileMetaData(const uint8_t* data, size_t size) {
  ThriftReader r(data, size);
  FileMetaData metadata;
  r.ReadStruct([&](int16_t id, Type type) {
    switch (id) {
      case 1: metadata.version = static_cast<int32_t>(r.ReadInt()); return true;
      case 2: r.ReadList([&] { metadata.schema.push_back(ReadSchemaElement(r)); }); return true;
      case 3: metadata.num_rows = r.ReadInt(); return true;
      case 4: r.ReadList([&] { metadata.row_groups.push_back(ReadRowGroup(r)); }); return true;
      case 5: r.ReadList([&] { metadata.key_value_metadata.push_back(ReadKeyValue(r)); }); return true;
      case 6:
        if (type != thrift::kBinary) return false;
        metadata.created_by = r.ReadBinary();
        return true;
      default: return false;
    }
  });
  return metadata;
}

PageHeader ParsePageHeader(const uint8_t* data, size_t size, size_t* consumed) {
  ThriftReader r(data, size);
  PageHeader header;
  r.ReadStruct([&](int16_t id, Type type) {
    if (id == 1) header.type = static_cast<PageType>(r.ReadInt());
    else if (id == 2) header.uncompressed_page_size = static_cast<int32_t>(r.ReadInt());
    else if (id == 3) header.compressed_page_size = static_cast<int32_t>(r.ReadInt());
    else if (id == 4) header.crc = static_cast<int32_t>(r.ReadInt());
    else if (id == 5 && type == thrift::kStruct) header.data_page = ReadDataPageHeader(r);
    else if (id == 7 && type == thrift::kStruct) header.dictionary_page = ReadDictionaryPageHeader(r);
    else if (id == 8 && type == thrift::kStruct) header.data_page_v2 = ReadDataPageHeaderV2(r);
    else return false;
    return true;
  });
  *consumed = r.consumed();
  return header;
}

const char* CodecName(Codec codec) {
  switch (codec) {
    case Codec::kUncompressed: return "UNCOMPRESSED";
    case Codec::kSnappy: return "SNAPPY";
    case Codec::kGzip: return "GZIP";
    case Codec::kLzo: return "LZO";
    case Codec::kBrotli: return "BROTLI";
    case Codec::kLz4: return "LZ4";
    case Codec::kZstd: return "ZSTD";
    case Codec::kLz4Raw: return "LZ4_RAW";
  }
  return "UNKNOWN";
}

const char* EncodingName(Encoding encoding) {
  switch (encoding) {
    case Encoding::kPlain: return "PLAIN";
    case Encoding::kPlainDictionary: return "PLAIN_DICTIONARY";
    case Encoding::kRle: return "RLE";
    case Encoding::kBitPacked: return "BIT_PACKED";
    case Encoding::kDeltaBinaryPacked: return "DELTA_BINARY_PACKED";
    case Encoding::kDeltaLengthByteArray: return "DELTA_LENGTH_BYTE_ARRAY";
    case Encoding::kDeltaByteArray: return "DELTA_BYTE_ARRAY";
    case Encoding::kRleDictionary: return "RLE_DICTIONARY";
    case Encoding::kByteStreamSplit: return "BYTE_STREAM_SPLIT";
  }
  return "UNKNOWN";
}

const char* PhysicalTypeName(PhysicalType type) {
  switch (type) {
    case PhysicalType::kBoolean: return "BOOLEAN";
    case PhysicalType::kInt32: return "INT32";
    case PhysicalType::kInt64: return "INT64";
    case PhysicalType::kInt96: return "INT96";
    case PhysicalType::kFloat: return "FLOAT";
    case PhysicalType::kDouble: return "DOUBLE";
    case PhysicalType::kByteArray: return "BYTE_ARRAY";
    case PhysicalType::kFixedLenByteArray: return "FIXED_LEN_BYTE_ARRAY";
  }
  return "UNKNOWN";
}

}  // namespace sluice::parquet
