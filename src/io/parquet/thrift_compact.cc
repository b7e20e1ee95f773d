#include "io/parquet/thrift_compact.h"

#include <cstring>

namespace sluice {

void ThriftWriter::VarInt(uint64_t value) {
  while (value >= 0x80) {
    out_.push_back(static_cast<char>((value & 0x7F) | 0x80));
    value >>= 7;
  }
  out_.push_back(static_cast<char>(value));
}

void ThriftWriter::Binary(std::string_view value) {
  VarInt(value.size());
  out_.append(value);
}

void ThriftWriter::FieldHeader(int16_t id, thrift::Type type) {
  int16_t delta = static_cast<int16_t>(id - last_field_.back());
  if (delta > 0 && delta <= 15) {
    out_.push_back(static_cast<char>((delta << 4) | type));
  } else {
    out_.push_back(static_cast<char>(type));
    VarInt(ZigZag(id));
  }
  last_field_.back() = id;
}

void ThriftWriter::FieldList(int16_t id, thrift::Type element_type, size_t size) {
  FieldHeader(id, thrift::kList);
  if (size < 15) {
    out_.push_back(static_cast<char>((size << 4) | element_type));
  } else {
    out_.push_back(static_cast<char>(0xF0 | element_type));
    VarInt(size);
  }
}

uint8_t ThriftReader::Byte() {
  if (data_ >= end_) throw ThriftError("thrift: unexpected end of metadata");
  return *data_++;
}

uint64_t ThriftReader::VarInt() {
  uint64_t value = 0;
  for (int shift = 0; shift < 70; shift += 7) {
    uint8_t byte = Byte();
    value |= static_cast<uint64_t>(byte & 0x7F) << shift;
    if (!(byte & 0x80)) return value;
  }
  throw ThriftError("thrift: varint too long");
}

bool ThriftReader::NextField(int16_t* id, thrift::Type* type) {
  uint8_t header = Byte();
  if (header == thrift::kStop) return false;
  *type = static_cast<thrift::Type>(header & 0x0F);
  int16_t delta = static_cast<int16_t>(header >> 4);
  if (delta != 0) {
    *id = static_cast<int16_t>(last_field_.back() + delta);
  } else {
    uint64_t raw = VarInt();
    *id = static_cast<int16_t>((raw >> 1) ^ (~(raw & 1) + 1));
  }
  last_field_.back() = *id;
  return true;
}

int64_t ThriftReader::ReadInt() {
  uint64_t raw = VarInt();
  return static_cast<int64_t>((raw >> 1) ^ (~(raw & 1) + 1));
}

std::string ThriftReader::ReadBinary() {
  uint64_t size = VarInt();
  if (size > static_cast<uint64_t>(end_ - data_)) throw ThriftError("thrift: string longer than the metadata");
  std::string value(reinterpret_cast<const char*>(data_), size);
  data_ += size;
  return value;
}

double ThriftReader::ReadDouble() {
  if (end_ - data_ < 8) throw ThriftError("thrift: unexpected end of metadata");
  double value;
  std::memcpy(&value, data_, 8);
  data_ += 8;
  return value;
}

size_t ThriftReader::ReadListHeader(thrift::Type* element_type) {
  uint8_t header = Byte();
  *element_type = static_cast<thrift::Type>(header & 0x0F);
  uint64_t size = header >> 4;
  if (size == 15) size = VarInt();
  // Every element takes at least one byte (bools too), so a list cannot be
  // longer than what is left.
  if (size > static_cast<uint64_t>(end_ - data_)) throw ThriftError("thrift: list longer than the metadata");
  return static_cast<size_t>(size);
}

bool ThriftReader::ReadListBool() { return Byte() == thrift::kBoolTrue; }

void ThriftReader::Skip(thrift::Type type) {
  switch (type) {
    case thrift::kBoolTrue:
    case thrift::kBoolFalse:
      return;
    case thrift::kByte:
      Byte();
      return;
    case thrift::kI16:
    case thrift::kI32:
    case thrift::kI64:
      VarInt();
      return;
    case thrift::kDouble:
      ReadDouble();
      return;
    case thrift::kBinary: {
      uint64_t size = VarInt();
      if (size > static_cast<uint64_t>(end_ - data_)) throw ThriftError("thrift: string longer than the metadata");
      data_ += size;
      return;
    }
    case thrift::kList:
    case thrift::kSet: {
      thrift::Type element;
      size_t size = ReadListHeader(&element);
      for (size_t i = 0; i < size; ++i) {
        if (element == thrift::kBoolTrue || element == thrift::kBoolFalse) {
          Byte();
        } else {
          Skip(element);
        }
      }
      return;
    }
    case thrift::kMap: {
      uint64_t size = VarInt();
      if (size == 0) return;
      if (size > static_cast<uint64_t>(end_ - data_)) throw ThriftError("thrift: map longer than the metadata");
      uint8_t types = Byte();
      for (uint64_t i = 0; i < size; ++i) {
        Skip(static_cast<thrift::Type>(types >> 4));
        Skip(static_cast<thrift::Type>(types & 0x0F));
      }
      return;
    }
    case thrift::kStruct: {
      BeginStruct();
      int16_t id;
      thrift::Type field_type;
      while (NextField(&id, &field_type)) Skip(field_type);
      EndStruct();
      return;
    }
    default:
      throw ThriftError("thrift: unknown field type " + std::to_string(type));
  }
}

}  // namespace sluice
