// libFuzzer target for PostgreSQL's binary COPY stream, as a hostile or
// broken server could send it: any bytes cut into rows and decoded into a
// column of every wire type sluice maps (boolean, smallint, integer, bigint,
// real, double, numeric, text, char(n), date, timestamp); and the same bytes
// as a value a server sent in text result format, re-encoded as binary for
// every wire type and decoded. Bad input must end in rejected rows or a
// sluice::Error, never a crash, a hang or a leak.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.h"
#include "io/batch_builder.h"
#include "io/postgres/copy_binary.h"
#include "io/postgres/text_values.h"

namespace {

const std::vector<sluice::PgColumn>& Columns() {
  static const std::vector<sluice::PgColumn> columns = [] {
    // boolean, int2, int4, int8, float4, float8, numeric, text, bpchar, date, timestamp
    const uint32_t oids[] = {16, 21, 23, 20, 700, 701, 1700, 25, 1042, 1082, 1114};
    std::vector<sluice::PgColumn> out;
    for (uint32_t oid : oids) out.push_back(*sluice::MapPostgresType("c" + std::to_string(oid), oid));
    return out;
  }();
  return columns;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const auto& columns = Columns();
  sluice::Schema schema;
  for (const auto& column : columns) schema.Add({column.name, column.type});
  try {
    sluice::BatchBuilder builder(schema, sluice::TextConversion{});
    sluice::CopyRowSplitter rows(columns.size(), "fuzz");
    int64_t row = 2;
    rows.Add(std::string_view(reinterpret_cast<const char*>(data), size), [&](std::string_view tuple) {
      sluice::DecodeCopyTuple(tuple, columns, builder, row++, "fuzz");
    });
    rows.Finish();
    builder.Finish();
  } catch (const sluice::Error&) {
  }
  // The input as one text value of each type, in a one-column tuple.
  const std::string_view text(reinterpret_cast<const char*>(data), std::min<size_t>(size, 256));
  for (const auto& column : columns) {
    try {
      std::string value;
      sluice::AppendBinaryFromText(column.wire, text, value, "fuzz");
      std::string tuple = {0, 1};
      for (int shift = 24; shift >= 0; shift -= 8) tuple.push_back(static_cast<char>((value.size() >> shift) & 0xff));
      tuple += value;
      sluice::BatchBuilder builder(sluice::Schema({{column.name, column.type}}), sluice::TextConversion{});
      sluice::DecodeCopyTuple(tuple, {column}, builder, 2, "fuzz");
      builder.Finish();
    } catch (const sluice::Error&) {
    }
  }
  return 0;
}
