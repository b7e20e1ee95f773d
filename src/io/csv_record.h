#pragma once
// A CSV record as the source reads it: the header's column names (a BOM
// dropped, an empty name made column_N, a repeated one refused), and one
// record converted into a batch builder — a row, a reject with its reason,
// or a blank record of bare delimiters. Schema inference's sample and the
// scan's chunks go through the same code.

#include <string>
#include <vector>

#include "io/batch_builder.h"
#include "io/csv_tokenizer.h"
#include "io/record_chunker.h"

namespace sluice {

// The reason a record too long to read is rejected.
std::string TooLongReason(const SkippedRecord& record, size_t max_bytes);
[[noreturn]] void ThrowHeaderTooLong(const std::string& path, const SkippedRecord& header, size_t max_bytes);

std::vector<std::string> HeaderNames(const CsvTokenizer& tokenizer, const std::string& path);

enum class RecordOutcome { kRow, kRejected, kBlank };

// Converts the tokenizer's current record into `builder`: field i goes to
// column target[i] (-1: not read). A malformed record, one with the wrong
// number of fields or a value that does not convert is a reject; a record
// of bare delimiters is blank and adds nothing.
RecordOutcome AppendCsvRecord(const CsvTokenizer& tokenizer, const int* target, size_t num_columns,
                              BatchBuilder& builder);

}  // namespace sluice
