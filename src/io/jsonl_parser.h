#pragma once
// JSON Lines: one JSON object a line. Keys name columns; a key the schema does
// not have is ignored, a missing key is null, a nested value is kept as its
// JSON text in a string column and rejects the row elsewhere.

#include <cstdint>
#include <string>
#include <unordered_map>

#include "io/batch_builder.h"

namespace sluice {

using ColumnIndex = std::unordered_map<std::string, size_t>;

// Parses the lines of `data` (which has kChunkPadding readable bytes past
// `size`) into `builder`; bad lines become rejects. Returns the number of
// blank lines (empty or spaces only), which are skipped.
int64_t ParseJsonLinesChunk(const char* data, size_t size, int64_t first_line, const ColumnIndex& columns,
                         BatchBuilder& builder);

// For schema inference: the keys of each object in order of first appearance,
// and for each the kind of its values ("int", "float", "bool", "string", "nested").
struct JsonKeyStats {
  std::vector<std::string> keys;
  std::unordered_map<std::string, std::vector<std::string>> samples;  // string values
  std::unordered_map<std::string, unsigned> kinds;                    // bit set of kinds
};
constexpr unsigned kJsonInt = 1, kJsonFloat = 2, kJsonBool = 4, kJsonString = 8, kJsonNested = 16;
void CollectJsonKeys(const char* data, size_t size, JsonKeyStats* stats);

}  // namespace sluice
