#pragma once
// What the text-reading fuzz targets convert fields into: one column of each
// type a reader fills, and the null spellings a scan uses (the batch builder
// keeps a reference to them, as to a scan's options).

#include "io/batch_builder.h"

namespace sluice::fuzz {

inline const Schema& EveryTypeSchema() {
  static const Schema schema({{"a", DataType::kInt64},
                              {"b", DataType::kFloat64},
                              {"c", DataType::kBool},
                              {"d", DataType::kTimestamp},
                              {"e", DataType::kString}});
  return schema;
}

inline const TextConversion& DefaultConversion() {
  static const TextConversion conversion;
  return conversion;
}

}  // namespace sluice::fuzz
