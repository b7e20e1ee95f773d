// libFuzzer target for the Parquet reader: any bytes, opened as a file from
// memory, read in full — even row groups whole, odd ones in small batches
// that cut pages anywhere (the streaming path of every scan). Bad input must end in sluice::Error (reported to the
// user as exit code 3), never a crash, a hang, a leak or a huge allocation.

#include <cstddef>
#include <cstdint>
#include <string>

#include "common/error.h"
#include "io/parquet/parquet_reader.h"
#include "io/random_access_file.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  try {
    auto file = sluice::ParquetFile::Open(
        sluice::MemoryFile("fuzz.parquet", std::string(reinterpret_cast<const char*>(data), size)));
    std::vector<size_t> columns;
    for (size_t c = 0; c < file->schema().size(); ++c) columns.push_back(c);
    int64_t first_row = 1;
    for (size_t g = 0; g < file->num_row_groups(); ++g) {
      if (g % 2 == 0) {
        auto batch = file->ReadRowGroup(g, columns, first_row);
        first_row += static_cast<int64_t>(batch.num_rows());
      } else {
        file->ReadRowGroup(g, columns, first_row, 37,
                           [&](sluice::RecordBatch&& batch) { first_row += static_cast<int64_t>(batch.num_rows()); });
      }
    }
  } catch (const sluice::Error&) {
  }
  return 0;
}
