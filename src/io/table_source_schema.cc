// TableSource's schema: the column names and types of the first file (a
// Parquet footer, or a sample of a text file's first records), the
// pipeline's overrides applied, and the key columns a sample shows.

#include "io/table_source.h"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstring>
#include <optional>
#include <filesystem>
#include <mutex>

#include "common/error.h"
#include "common/hash.h"
#include "io/byte_stream.h"
#include "io/csv_record.h"
#include "io/file_set.h"
#include "io/jsonl_parser.h"
#include "io/parquet/parquet_reader.h"
#include "io/parquet/plain_value.h"
#include "io/record_chunker.h"
#include "io/schema_inference.h"
#include "data/key_column.h"

namespace sluice {

void TableSource::InferSchema() {
  const std::string& path = files_[0];
  std::vector<Field> fields;
  if (format_ == FileFormat::kParquet) {
    fields = ParquetFile::Open(path)->schema().fields();
  } else {
    fields = InferTextFields(path);
  }
  // Overrides from the pipeline file win; a name the files lack is a
  // partition key or is refused in Open().
  for (const auto& entry : options_.column_types) {
    auto it = std::find_if(fields.begin(), fields.end(), [&](const Field& f) { return f.name == entry.first; });
    if (it != fields.end()) it->type = entry.second;
  }
  for (const auto& entry : options_.column_formats) {
    const std::string& name = entry.first;
    auto it = std::find_if(fields.begin(), fields.end(), [&](const Field& f) { return f.name == name; });
    if (it == fields.end()) continue;
    if (it->type != DataType::kTimestamp) {
      ThrowUsage("source.schema." + name + ".format: only a timestamp column takes a format ('" + name + "' is " +
                 std::string(DataTypeName(it->type)) + ")");
    }
    // A Parquet timestamp is typed by the file: its format is the file's.
    if (format_ != FileFormat::kParquet) it->format = entry.second;
  }
  schema_ = Schema(std::move(fields));
}

std::vector<Field> TableSource::InferTextFields(const std::string& path) {
  // The first whole records of at least sample_bytes: a header longer than
  // that is read whole, up to max_line_bytes.
  auto stream = ByteStream::Open(path);
  RecordChunker chunker(*stream, options_.sample_bytes, format_ == FileFormat::kCsv && options_.csv.quoting,
                        options_.csv.quote, options_.max_line_bytes);
  std::string sample;
  // At least one record past a header, however long the header is.
  auto enough = [&] {
    return sample.size() >= options_.sample_bytes &&
           (std::count(sample.begin(), sample.end(), '\n') >= 2 || sample.size() >= options_.sample_bytes + options_.max_line_bytes);
  };
  while (!enough()) {
    std::optional<Chunk> chunk = chunker.Next();
    if (!chunk) break;
    if (!chunk->skipped.empty() && chunk->skipped[0].line == 1 && format_ == FileFormat::kCsv && options_.csv.header) {
      ThrowHeaderTooLong(path, chunk->skipped[0], options_.max_line_bytes);
    }
    sample.append(chunk->data(), chunk->size);
  }
  sample_ = sample;
  std::string_view lines = sample;
  std::vector<std::string> names;
  std::vector<DataType> types;
  if (format_ == FileFormat::kCsv) {
    CsvTokenizer tokenizer(lines.data(), lines.size(), 1, options_.csv);
    if (!tokenizer.Next()) ThrowInputData(path + ": empty file (no header)");
    if (options_.csv.header) {
      names = HeaderNames(tokenizer, path);
    } else {
      for (size_t i = 0; i < tokenizer.fields().size(); ++i) names.push_back("column_" + std::to_string(i + 1));
      tokenizer = CsvTokenizer(lines.data(), lines.size(), 1, options_.csv);
    }
    std::vector<std::vector<std::string>> values(names.size());
    size_t records = 0;
    while (tokenizer.Next()) {
      ++records;
      if (!tokenizer.error().empty() || tokenizer.fields().size() != names.size()) continue;
      for (size_t i = 0; i < names.size(); ++i) {
        const auto& field = tokenizer.fields()[i];
        // A quoted empty string is a value, an unquoted one is null.
        if (field.text.empty() && !field.quoted) continue;
        values[i].emplace_back(field.text);
      }
    }
    if (records > 0) record_bytes_ = std::max(8.0, static_cast<double>(tokenizer.offset()) / (records + 1));
    for (auto& column_values : values) {
      std::vector<std::string_view> views(column_values.begin(), column_values.end());
      types.push_back(InferType(views, options_.conversion.null_values));
    }
  } else {
    std::string padded(lines);
    JsonKeyStats stats;
    CollectJsonKeys(padded.data(), padded.size(), &stats);
    if (stats.keys.empty()) ThrowInputData(path + ": no JSON object in the first " + std::to_string(lines.size()) + " bytes");
    for (const auto& key : stats.keys) {
      names.push_back(key);
      unsigned kinds = stats.kinds[key];
      DataType type = DataType::kString;
      if (kinds == kJsonInt) {
        type = DataType::kInt64;
      } else if (kinds == kJsonFloat || kinds == (kJsonInt | kJsonFloat)) {
        type = DataType::kFloat64;
      } else if (kinds == kJsonBool) {
        type = DataType::kBool;
      } else if (kinds == kJsonString) {
        auto& samples = stats.samples[key];
        std::vector<std::string_view> views(samples.begin(), samples.end());
        DataType guess = InferType(views, {});
        if (guess == DataType::kTimestamp) type = guess;
      }
      types.push_back(type);
    }
  }
  std::vector<Field> fields;
  for (size_t i = 0; i < names.size(); ++i) fields.push_back({names[i], types[i]});
  return fields;
}

RecordBatch TableSource::ReadSample() const {
  // As many rows as a text sample of sample_bytes holds, about.
  const size_t max_rows = std::max<size_t>(1000, static_cast<size_t>(static_cast<double>(options_.sample_bytes) / record_bytes_));
  std::vector<size_t> all(file_schema_.size());
  for (size_t i = 0; i < all.size(); ++i) all[i] = i;
  if (format_ == FileFormat::kParquet) {
    auto file = ParquetFile::Open(files_[0]);
    if (file->num_row_groups() == 0) return RecordBatch();
    return file->ReadRowGroupHead(0, all, max_rows);
  }
  BatchBuilder builder(file_schema_, options_.conversion);
  if (format_ == FileFormat::kCsv) {
    CsvTokenizer tokenizer(sample_.data(), sample_.size(), 1, options_.csv);
    if (options_.csv.header) tokenizer.Next();
    std::vector<int> target(file_schema_.size());
    for (size_t i = 0; i < target.size(); ++i) target[i] = static_cast<int>(i);
    while (builder.num_rows() < max_rows && tokenizer.Next()) {
      AppendCsvRecord(tokenizer, target.data(), target.size(), builder);
    }
  } else {
    ColumnIndex column_index;
    for (size_t i = 0; i < file_schema_.size(); ++i) column_index[file_schema_.field(i).name] = i;
    std::string padded = sample_;
    padded.append(kChunkPadding, '\0');
    ParseJsonLinesChunk(padded.data(), sample_.size(), 1, column_index, builder);
  }
  return builder.Finish();
}

void TableSource::FindKeyColumns() {
  RecordBatch sample = ReadSample();
  sample_.clear();
  sample_.shrink_to_fit();
  for (size_t i = 0; i < sample.columns.size(); ++i) {
    std::string reason = KeyColumnReason(sample.columns[i]);
    if (!reason.empty()) key_columns_[file_schema_.field(i).name] = reason;
  }
}

}  // namespace sluice
