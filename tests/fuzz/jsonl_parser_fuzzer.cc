// libFuzzer target for JSON Lines: any bytes as one chunk of lines (padded as
// the chunker pads them for simdjson), parsed into typed columns, and the
// key statistics schema inference collects. Bad input must end in rejected
// rows or a sluice::Error, never a crash or a leak.

#include <cstddef>
#include <cstdint>
#include <string>

#include "common/error.h"
#include "every_type_schema.h"
#include "io/batch_builder.h"
#include "io/jsonl_parser.h"
#include "io/record_chunker.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string chunk(reinterpret_cast<const char*>(data), size);
  chunk.append(sluice::kChunkPadding, '\0');
  const sluice::Schema& schema = sluice::fuzz::EveryTypeSchema();
  const sluice::TextConversion& conversion = sluice::fuzz::DefaultConversion();
  sluice::ColumnIndex columns;
  for (size_t i = 0; i < schema.size(); ++i) columns[schema.field(i).name] = i;
  try {
    sluice::BatchBuilder builder(schema, conversion);
    sluice::ParseJsonLinesChunk(chunk.data(), size, 1, columns, builder);
    builder.Finish();
    sluice::JsonKeyStats stats;
    sluice::CollectJsonKeys(chunk.data(), size, &stats);
  } catch (const sluice::Error&) {
  }
  return 0;
}
