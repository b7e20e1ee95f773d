// libFuzzer target for CSV reading as a scan does it: the record chunker cuts
// any bytes into records (quote-aware, with a small record limit so the
// skip path runs), the tokenizer splits them, and the batch builder converts
// each field to a typed column (int64, float64, bool, timestamp, string).
// The first byte picks the delimiter and quoting. Bad input must end in a
// rejected row or a sluice::Error, never a crash, a hang or a leak.

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <string>
#include <unistd.h>

#include "common/error.h"
#include "every_type_schema.h"
#include "io/batch_builder.h"
#include "io/byte_stream.h"
#include "io/csv_tokenizer.h"
#include "io/record_chunker.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  sluice::CsvOptions options;
  options.delimiter = ",;\t|"[data[0] & 3];
  options.quoting = (data[0] & 4) == 0;
  options.quote = (data[0] & 8) ? '\'' : '"';
  // Through a real file, as a scan reads one: the chunker takes a ByteStream.
  static const std::string path = "/tmp/sluice-csv-fuzz-" + std::to_string(::getpid()) + ".csv";
  std::FILE* file = std::fopen(path.c_str(), "wb");
  if (!file) return 0;
  std::fwrite(data + 1, 1, size - 1, file);
  std::fclose(file);
  const sluice::Schema& schema = sluice::fuzz::EveryTypeSchema();
  const sluice::TextConversion& conversion = sluice::fuzz::DefaultConversion();
  try {
    auto stream = sluice::ByteStream::Open(path);
    sluice::RecordChunker chunker(*stream, 64, options.quoting, options.quote, 256);
    while (auto chunk = chunker.Next()) {
      sluice::BatchBuilder builder(schema, conversion);
      for (const auto& skipped : chunk->skipped) builder.RejectRow(skipped.line, "too long", skipped.excerpt);
      sluice::CsvTokenizer tokenizer(chunk->data(), chunk->size, chunk->first_line, options);
      while (tokenizer.Next()) {
        const auto& fields = tokenizer.fields();
        if (!tokenizer.error().empty() || fields.size() != schema.size()) {
          builder.RejectRow(tokenizer.line(), tokenizer.error(), tokenizer.raw());
          continue;
        }
        bool ok = true;
        for (size_t column = 0; column < fields.size() && ok; ++column) {
          ok = builder.AppendText(column, fields[column].text, fields[column].quoted);
        }
        if (ok) {
          builder.CommitRow(tokenizer.line());
        } else {
          builder.RejectRow(tokenizer.line(), builder.error(), tokenizer.raw());
        }
      }
      builder.Finish();
    }
  } catch (const sluice::Error&) {
  }
  std::remove(path.c_str());
  return 0;
}
