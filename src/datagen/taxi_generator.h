#pragma once
// Synthetic yellow-taxi trip records for demos, tests and benchmarks, under
// the TLC's own column names, with a fare that follows the 2015 tariff
// (initial charge, per mile, per minute in slow traffic, JFK flat fare,
// rush-hour and overnight surcharges) plus noise, and the dirt real trip data
// has: missing passenger counts, zero coordinates, negative fares, absurd
// distances and a few malformed lines. Nothing else in sluice may rely on its
// quirks. The same seed gives the same file whatever the thread count.

#include <cstdint>
#include <string>

namespace sluice {

struct TaxiDataOptions {
  int64_t rows = 1000000;
  uint64_t seed = 7;
  std::string output;
  int threads = 0;
};

struct TaxiDataTotals {
  int64_t rows = 0;
  int64_t malformed_lines = 0;
  uint64_t bytes = 0;
};

TaxiDataTotals GenerateTaxiData(const TaxiDataOptions& options);

// Appends rows [first_row, first_row + count) as CSV lines (no header);
// counts the malformed lines it wrote.
void AppendTaxiRows(int64_t first_row, int64_t count, uint64_t seed, std::string& out, int64_t* malformed);

extern const char kTaxiHeader[];

}  // namespace sluice
