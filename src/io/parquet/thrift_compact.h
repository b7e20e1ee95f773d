#pragma once
// Thrift's compact protocol, the encoding of Parquet's footer and page
// headers: a writer that emits structs field by field, and a reader that
// walks them, skipping fields it does not know. The reader is bounded: every
// length is checked against the bytes that remain, nesting is limited, and a
// corrupt input gives a ParquetFormatError, never a read past the buffer or an
// allocation sized by a corrupt field.

#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace sluice {

class ThriftError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

namespace thrift {
enum Type : uint8_t {
  kStop = 0,
  kBoolTrue = 1,
  kBoolFalse = 2,
  kByte = 3,
  kI16 = 4,
  kI32 = 5,
  kI64 = 6,
  kDouble = 7,
  kBinary = 8,
  kList = 9,
  kSet = 10,
  kMap = 11,
  kStruct = 12,
};
}  // namespace thrift

class ThriftWriter {
 public:
  void BeginStruct() { last_field_.push_back(0); }
  void EndStruct() {
    out_.push_back(0);
    last_field_.pop_back();
  }
  void FieldI32(int16_t id, int32_t value) {
    FieldHeader(id, thrift::kI32);
    VarInt(ZigZag(value));
  }
  void FieldI64(int16_t id, int64_t value) {
    FieldHeader(id, thrift::kI64);
    VarInt(ZigZag(value));
  }
  void FieldBool(int16_t id, bool value) { FieldHeader(id, value ? thrift::kBoolTrue : thrift::kBoolFalse); }
  void FieldByte(int16_t id, int8_t value) {
    FieldHeader(id, thrift::kByte);
    out_.push_back(static_cast<char>(value));
  }
  void FieldBinary(int16_t id, std::string_view value) {
    FieldHeader(id, thrift::kBinary);
    Binary(value);
  }
  // A nested struct field: call BeginStruct() contents EndStruct() after.
  void FieldStruct(int16_t id) { FieldHeader(id, thrift::kStruct); }
  // A list field of `size` elements of `element_type`; then write the elements.
  void FieldList(int16_t id, thrift::Type element_type, size_t size);
  void ListI32(int32_t value) { VarInt(ZigZag(value)); }
  void ListBinary(std::string_view value) { Binary(value); }

  const std::string& data() const { return out_; }
  std::string Take() { return std::move(out_); }

 private:
  static uint64_t ZigZag(int64_t value) {
    return (static_cast<uint64_t>(value) << 1) ^ static_cast<uint64_t>(value >> 63);
  }
  void VarInt(uint64_t value);
  void Binary(std::string_view value);
  void FieldHeader(int16_t id, thrift::Type type);

  std::string out_;
  std::vector<int16_t> last_field_{0};
};

class ThriftReader {
 public:
  ThriftReader(const uint8_t* data, size_t size) : data_(data), end_(data + size), start_(data) {}

  // Reads a field header inside a struct; false at the struct's stop.
  bool NextField(int16_t* id, thrift::Type* type);
  void BeginStruct() {
    if (++depth_ > kMaxDepth) throw ThriftError("thrift: nesting too deep");
    last_field_.push_back(0);
  }
  void EndStruct() {
    --depth_;
    last_field_.pop_back();
  }

  int64_t ReadInt();  // i16, i32 and i64 fields (zigzag varints)
  int8_t ReadByte() { return static_cast<int8_t>(Byte()); }  // byte fields (one raw byte)
  bool ReadBool(thrift::Type field_type) const { return field_type == thrift::kBoolTrue; }
  std::string ReadBinary();
  double ReadDouble();
  // A list header: its element type and size (checked against the bytes left).
  size_t ReadListHeader(thrift::Type* element_type);
  bool ReadListBool();
  void Skip(thrift::Type type);

  // Reads a whole struct: each field goes to `field(id, type)`, which reads
  // it and returns true, or returns false to have it skipped (unknown ids,
  // unexpected types).
  template <typename Field>
  void ReadStruct(Field&& field) {
    BeginStruct();
    int16_t id;
    thrift::Type type;
    while (NextField(&id, &type)) {
      if (!field(id, type)) Skip(type);
    }
    EndStruct();
  }
  // Reads a whole list: `element()` reads each of its elements.
  template <typename Element>
  void ReadList(Element&& element) {
    thrift::Type element_type;
    const size_t n = ReadListHeader(&element_type);
    for (size_t i = 0; i < n; ++i) element();
  }

  size_t consumed() const { return static_cast<size_t>(data_ - start_); }

 private:
  static constexpr int kMaxDepth = 64;
  uint8_t Byte();
  uint64_t VarInt();

  const uint8_t* data_;
  const uint8_t* end_;
  const uint8_t* start_;
  int depth_ = 0;
  std::vector<int16_t> last_field_{0};
};

}  // namespace sluice
