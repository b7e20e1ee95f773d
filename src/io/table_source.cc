#include "io/table_source.h"

#include <glob.h>
#include <sys/stat.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <optional>
#include <cctype>
#include <filesystem>
#include <mutex>
#include <unordered_map>

#include "common/error.h"
#include "common/hash.h"
#include "io/byte_stream.h"
#include "data/column_cast.h"
#include "data/key_column.h"
#include "io/jsonl_parser.h"
#include "io/parquet/parquet_reader.h"
#include "io/parquet/plain_value.h"
#include "io/record_chunker.h"
#include "io/schema_inference.h"

namespace sluice {

namespace fs = std::filesystem;

namespace {

bool EndsWith(const std::string& text, const std::string& suffix) {
  return text.size() >= suffix.size() && text.compare(text.size() - suffix.size(), suffix.size(), suffix) == 0;
}

std::string StripCompression(std::string path) {
  if (EndsWith(path, ".gz")) path.resize(path.size() - 3);
  return path;
}

bool IsDataFile(const fs::path& path) {
  std::string name = path.filename().string();
  if (name.empty() || name[0] == '.' || name[0] == '_') return false;
  std::string base = StripCompression(name);
  for (const char* ext : {".csv", ".tsv", ".jsonl", ".ndjson", ".json", ".txt", ".parquet", ".parq", ".pq"}) {
    if (EndsWith(base, ext)) return true;
  }
  return false;
}

// The reason a record too long to read is rejected.
std::string TooLongReason(const SkippedRecord& record, size_t max_bytes) {
  return "record of " + std::to_string(record.bytes) + " bytes is longer than source.max_line_bytes (" +
         std::to_string(max_bytes) + "); skipped to the next line";
}

[[noreturn]] void ThrowHeaderTooLong(const std::string& path, const SkippedRecord& header, size_t max_bytes) {
  ThrowInputData(path + ":1: header of " + std::to_string(header.bytes) +
                 " bytes is longer than source.max_line_bytes (" + std::to_string(max_bytes) +
                 "); raise it if the file really has such a header");
}

std::vector<std::string> HeaderNames(const CsvTokenizer& tokenizer, const std::string& path) {
  std::vector<std::string> names;
  for (size_t i = 0; i < tokenizer.fields().size(); ++i) {
    std::string name(tokenizer.fields()[i].text);
    if (i == 0 && name.rfind("\xEF\xBB\xBF", 0) == 0) name.erase(0, 3);  // UTF-8 BOM
    if (name.empty()) name = "column_" + std::to_string(i + 1);
    names.push_back(name);
  }
  std::unordered_map<std::string_view, size_t> first_of;
  first_of.reserve(names.size());
  for (size_t j = 0; j < names.size(); ++j) {
    auto [it, inserted] = first_of.emplace(names[j], j);
    if (!inserted) {
      ThrowInputData(path + ":" + std::to_string(tokenizer.line()) + ": header: column name '" + names[j] +
                     "' appears twice (columns " + std::to_string(it->second + 1) + " and " + std::to_string(j + 1) + ")");
    }
  }
  return names;
}

enum class RecordOutcome { kRow, kRejected, kBlank };

// Converts the tokenizer's current record into `builder`: field i goes to
// column target[i] (-1: not read). A malformed record, one with the wrong
// number of fields or a value that does not convert is a reject; a record
// of bare delimiters is blank and adds nothing.
RecordOutcome AppendCsvRecord(const CsvTokenizer& tokenizer, const int* target, size_t num_columns, BatchBuilder& builder) {
  const auto& fields = tokenizer.fields();
  if (!tokenizer.error().empty()) {
    builder.RejectRow(tokenizer.line(), tokenizer.error(), tokenizer.raw());
    return RecordOutcome::kRejected;
  }
  if (tokenizer.blank()) return RecordOutcome::kBlank;
  if (fields.size() != num_columns) {
    builder.RejectRow(tokenizer.line(),
                      "expected " + std::to_string(num_columns) + " fields, found " + std::to_string(fields.size()),
                      tokenizer.raw());
    return RecordOutcome::kRejected;
  }
  for (size_t column = 0; column < num_columns; ++column) {
    if (target[column] < 0) continue;
    if (!builder.AppendText(static_cast<size_t>(target[column]), fields[column].text, fields[column].quoted)) {
      builder.RejectRow(tokenizer.line(), builder.error(), tokenizer.raw());
      return RecordOutcome::kRejected;
    }
  }
  builder.CommitRow(tokenizer.line());
  return RecordOutcome::kRow;
}

}  // namespace

std::vector<std::string> ResolveFiles(const std::string& uri) {
  std::string path = uri;
  if (path.rfind("file://", 0) == 0) path = path.substr(7);
  if (path.find("://") != std::string::npos) {
    ThrowUsage("source '" + uri + "': only file:// sources are supported so far");
  }
  if (path.empty()) ThrowUsage("source.uri is empty");
  std::vector<std::string> files;
  if (path.find_first_of("*?[") != std::string::npos) {
    glob_t matches;
    if (::glob(path.c_str(), 0, nullptr, &matches) == 0) {
      for (size_t i = 0; i < matches.gl_pathc; ++i) {
        if (fs::is_regular_file(matches.gl_pathv[i])) files.emplace_back(matches.gl_pathv[i]);
      }
    }
    globfree(&matches);
    if (files.empty()) ThrowUsage("source '" + uri + "': no file matches");
  } else if (fs::is_directory(path)) {
    // Data files, also inside Hive-style partition folders (key=value/).
    std::vector<fs::path> folders{path};
    while (!folders.empty()) {
      fs::path folder = folders.back();
      folders.pop_back();
      for (const auto& entry : fs::directory_iterator(folder)) {
        std::string name = entry.path().filename().string();
        if (entry.is_directory() && name.find('=') != std::string::npos && name[0] != '.' && name[0] != '_') {
          folders.push_back(entry.path());
        } else if (entry.is_regular_file() && IsDataFile(entry.path())) {
          files.push_back(entry.path().string());
        }
      }
    }
    if (files.empty()) ThrowUsage("source '" + uri + "': directory holds no .csv, .tsv, .jsonl or .parquet file");
  } else {
    if (!fs::exists(path)) ThrowUsage("source '" + uri + "': no such file");
    files.push_back(path);
  }
  std::sort(files.begin(), files.end());
  return files;
}

namespace {

// "a%2Fb" -> "a/b", as Hive escapes partition values.
std::string UnescapePartitionValue(const std::string& text) {
  std::string out;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '%' && i + 2 < text.size() && std::isxdigit(static_cast<unsigned char>(text[i + 1])) &&
        std::isxdigit(static_cast<unsigned char>(text[i + 2]))) {
      out.push_back(static_cast<char>(std::stoi(text.substr(i + 1, 2), nullptr, 16)));
      i += 2;
    } else {
      out.push_back(text[i]);
    }
  }
  return out;
}

// The key=value folders between `root` and `file`, in order.
std::vector<std::pair<std::string, std::string>> PartitionsOf(const std::string& root, const std::string& file) {
  std::vector<std::pair<std::string, std::string>> pairs;
  fs::path relative = fs::path(file).lexically_relative(root).parent_path();
  for (const auto& part : relative) {
    std::string text = part.string();
    size_t equals = text.find('=');
    if (equals == std::string::npos || equals == 0) continue;
    pairs.emplace_back(text.substr(0, equals), UnescapePartitionValue(text.substr(equals + 1)));
  }
  return pairs;
}

constexpr char kHiveNull[] = "__HIVE_DEFAULT_PARTITION__";

// A statistic of a plain numeric column as a double; nullopt for anything
// else (logical types with their own scale or order are not compared).
std::optional<double> StatValue(const parquet::SchemaElement& e, const std::optional<std::string>& raw) {
  bool signed_int_annotation = !e.converted_type || (*e.converted_type >= parquet::ConvertedType::kInt8 &&
                                                      *e.converted_type <= parquet::ConvertedType::kInt64);
  bool plain_logical = e.logical.kind == parquet::LogicalType::kNone ||
                       (e.logical.kind == parquet::LogicalType::kInteger && e.logical.is_signed);
  if (!raw || !signed_int_annotation || !plain_logical) return std::nullopt;
  return parquet::PlainNumber(e.type.value_or(parquet::PhysicalType::kByteArray), *raw);
}

// Whether some value in [min, max] can satisfy `value op bound`.
bool RangeCanSatisfy(double min, double max, const std::string& op, double bound) {
  if (std::isnan(min) || std::isnan(max)) return true;
  if (op == "=") return min <= bound && bound <= max;
  if (op == "!=") return !(min == bound && max == bound);
  if (op == "<") return min < bound;
  if (op == "<=") return min <= bound;
  if (op == ">") return max > bound;
  return max >= bound;  // >=
}

// Rows per batch read from Parquet: about 8 MiB of decoded columns (8-byte
// values and a validity byte), so batches stay cache- and allocator-friendly
// and memory stays bounded whatever the row groups' size.
size_t ParquetBatchRows(size_t columns) {
  constexpr size_t kBatchBytes = 8 << 20;
  return std::clamp<size_t>(kBatchBytes / (9 * std::max<size_t>(columns, 1)), 4096, 1 << 20);
}

}  // namespace

FileFormat FormatOf(const std::string& path, const std::string& format_option) {
  if (format_option == "csv" || format_option == "tsv") return FileFormat::kCsv;
  if (format_option == "jsonl" || format_option == "json") return FileFormat::kJsonLines;
  if (format_option == "parquet") return FileFormat::kParquet;
  if (format_option != "auto") {
    ThrowUsage("source.format: unknown format '" + format_option + "' (csv, tsv, jsonl, parquet, auto)");
  }
  std::string base = StripCompression(path);
  if (EndsWith(base, ".parquet") || EndsWith(base, ".parq") || EndsWith(base, ".pq")) return FileFormat::kParquet;
  if (EndsWith(base, ".jsonl") || EndsWith(base, ".ndjson") || EndsWith(base, ".json")) return FileFormat::kJsonLines;
  return FileFormat::kCsv;
}

std::unique_ptr<TableSource> TableSource::Open(const SourceOptions& options) {
  std::unique_ptr<TableSource> source(new TableSource());
  source->options_ = options;
  source->files_ = ResolveFiles(options.uri);
  source->format_ = FormatOf(source->files_[0], options.format);
  if (options.format == "tsv" || (options.format == "auto" && EndsWith(StripCompression(source->files_[0]), ".tsv"))) {
    source->options_.csv.delimiter = '\t';
    if (!options.csv.quoting_set) source->options_.csv.quoting = false;
  }
  for (const auto& file : source->files_) {
    struct stat info;
    if (::stat(file.c_str(), &info) != 0) ThrowErrno("cannot stat " + file);
    if (!S_ISREG(info.st_mode)) {
      ThrowUsage(file + ": not a regular file (a pipe, socket or device); sluice reads an input more than once "
                        "(types, then rows) and checks it did not change: write it to a file first");
    }
    source->total_bytes_ += static_cast<uint64_t>(info.st_size);
    source->stamps_.push_back({static_cast<uint64_t>(info.st_size),
                               static_cast<int64_t>(info.st_mtim.tv_sec) * 1000000000 + info.st_mtim.tv_nsec});
  }
  source->InferSchema();
  source->file_schema_ = source->schema_;
  source->data_schema_ = source->schema_;
  for (size_t i = 0; i < source->schema_.size(); ++i) source->projection_.push_back(static_cast<int>(i));
  source->FindKeyColumns();

  // Hive-style partition folders become columns after the data columns.
  std::string root = options.uri.rfind("file://", 0) == 0 ? options.uri.substr(7) : options.uri;
  if (fs::is_directory(root)) {
    std::vector<std::string> keys;
    for (const auto& [key, value] : PartitionsOf(root, source->files_[0])) keys.push_back(key);
    for (const auto& file : source->files_) {
      auto pairs = PartitionsOf(root, file);
      std::vector<std::string> file_keys, values;
      for (const auto& [key, value] : pairs) {
        file_keys.push_back(key);
        values.push_back(value);
      }
      if (file_keys != keys) ThrowInputData(file + ": its partition folders differ from " + source->files_[0] + "'s");
      source->partition_values_.push_back(std::move(values));
    }
    for (size_t k = 0; k < keys.size(); ++k) {
      if (source->file_schema_.Find(keys[k])) {
        ThrowInputData(root + ": partition key '" + keys[k] + "' is also a column of the files");
      }
      std::vector<std::string_view> values;
      for (const auto& file_values : source->partition_values_) values.push_back(file_values[k]);
      DataType type = InferType(values, {kHiveNull});
      auto override_type = options.column_types.find(keys[k]);
      if (override_type != options.column_types.end()) type = override_type->second;
      source->partition_fields_.push_back({keys[k], type});
      source->partition_read_.push_back(1);
      source->schema_.Add(source->partition_fields_.back());
    }
  }
  for (const auto& entry : options.column_types) {
    if (!source->schema_.Find(entry.first)) {
      ThrowUsage("source.schema." + entry.first + ": the input has no column '" + entry.first + "' (columns: " +
                 source->schema_.NameList() + ")");
    }
  }
  return source;
}

void TableSource::AddPartitionColumns(RecordBatch& batch) const {
  if (partition_fields_.empty()) return;
  size_t rows = batch.num_rows();
  for (size_t k = 0; k < partition_fields_.size(); ++k) {
    if (!partition_read_[k]) continue;
    const Field& field = partition_fields_[k];
    const std::string& text = partition_values_[batch.file_index][k];
    Column column(field.type == DataType::kCategorical ? DataType::kString : field.type);
    column.Reserve(rows);
    BatchBuilder one(Schema({{field.name, column.type()}}), options_.conversion);
    bool is_null = text == kHiveNull || !one.AppendText(0, text, false);
    RecordBatch value = one.Finish();
    for (size_t row = 0; row < rows; ++row) {
      if (is_null) {
        column.AppendNull();
      } else {
        column.AppendFrom(value.columns[0], 0);
      }
    }
    batch.schema.Add({field.name, column.type()});
    batch.columns.push_back(std::move(column));
  }
}

void TableSource::Project(const std::vector<std::string>& columns) {
  for (const auto& name : columns) {
    bool partition = std::any_of(partition_fields_.begin(), partition_fields_.end(),
                                 [&](const Field& f) { return f.name == name; });
    if (!file_schema_.Find(name) && !partition) {
      ThrowUsage("source: no column '" + name + "' (columns: " + file_schema_.NameList() + ")");
    }
  }
  Schema projected;
  projection_.assign(file_schema_.size(), -1);
  for (size_t i = 0; i < file_schema_.size(); ++i) {
    const Field& field = file_schema_.field(i);
    if (std::find(columns.begin(), columns.end(), field.name) == columns.end()) continue;
    projection_[i] = static_cast<int>(projected.size());
    projected.Add(field);
  }
  data_schema_ = projected;
  for (size_t k = 0; k < partition_fields_.size(); ++k) {
    partition_read_[k] = std::find(columns.begin(), columns.end(), partition_fields_[k].name) != columns.end();
    if (partition_read_[k]) projected.Add(partition_fields_[k]);
  }
  schema_ = std::move(projected);
}

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

ScanTotals TableSource::ScanParquet(ThreadPool& pool, const BatchConsumer& consume, Progress* progress) const {
  std::atomic<int64_t> rows_read{0};
  int64_t rows_pruned = 0;
  FingerprintBuilder fingerprint;
  size_t batch_index = 0;
  TaskGroup group(pool);
  const size_t max_in_flight = pool.num_threads() * 2;
  std::vector<std::shared_ptr<ParquetFile>> files;
  // Row groups in parallel when there are enough to keep every thread busy,
  // else the columns of each batch in parallel (a file of one big group).
  size_t total_groups = 0;
  bool column_parallel = false;
  if (pool.num_threads() > 1) {
    for (const auto& path : files_) {
      total_groups += ParquetFile::Open(path)->num_row_groups();
      if (total_groups >= pool.num_threads() * 2) break;
    }
    column_parallel = total_groups < pool.num_threads() * 2;
  }
  for (size_t file_index = 0; file_index < files_.size() && !group.failed(); ++file_index) {
    std::shared_ptr<ParquetFile> file = ParquetFile::Open(files_[file_index]);
    files.push_back(file);
    // Columns by name, so part files may order them differently.
    std::vector<size_t> columns;
    for (const auto& field : data_schema_.fields()) {
      auto index = file->schema().Find(field.name);
      if (!index) ThrowInputData(files_[file_index] + ": has no column '" + field.name + "' (the first file has)");
      columns.push_back(*index);
    }
    // The footer describes every byte of data: its hash stands for the file's.
    fingerprint.Add(Hash64(std::to_string(file->file_size()) + file->path().substr(file->path().rfind('/') + 1)));
    int64_t first_row = 1;
    for (size_t g = 0; g < file->num_row_groups(); ++g) {
      const auto& row_group = file->metadata().row_groups[g];
      // Skip a row group whose statistics rule out every row.
      bool prunable = false;
      for (const auto& predicate : predicates_) {
        auto column = file->schema().Find(predicate.column);
        if (!column) continue;
        const auto& stats = row_group.columns[*column].meta.statistics;
        if (!stats) continue;
        if (stats->null_count && *stats->null_count == row_group.num_rows) {
          prunable = true;  // all null: no comparison is true
          break;
        }
        auto min = StatValue(file->element(*column), stats->min_value);
        auto max = StatValue(file->element(*column), stats->max_value);
        if (min && max && !RangeCanSatisfy(*min, *max, predicate.op, predicate.value)) {
          prunable = true;
          break;
        }
      }
      if (prunable) {
        rows_read += row_group.num_rows;
        rows_pruned += row_group.num_rows;
        first_row += row_group.num_rows;
        continue;
      }
      uint64_t bytes = 0;
      for (const auto& chunk : row_group.columns) bytes += static_cast<uint64_t>(std::max<int64_t>(0, chunk.meta.total_compressed_size));
      for (const auto& chunk : row_group.columns) fingerprint.Add(static_cast<uint64_t>(chunk.meta.data_page_offset) ^ static_cast<uint64_t>(chunk.meta.total_compressed_size));
      // Bounded batches: a row group of any size streams through in slices.
      const size_t slice_rows = ParquetBatchRows(columns.size());
      const size_t slices = std::max<size_t>(1, (static_cast<size_t>(row_group.num_rows) + slice_rows - 1) / slice_rows);
      const size_t first_index = batch_index;
      batch_index += slices;
      auto read_group = [&, file, columns, g, first_row, first_index, slices, slice_rows, file_index,
                         bytes](ThreadPool* column_pool) {
        size_t slice = 0;
        auto deliver = [&](RecordBatch&& batch) {
          for (size_t c = 0; c < data_schema_.size(); ++c) {
            if (batch.columns[c].type() == data_schema_.field(c).type) continue;
            std::string problem;
            auto cast = CastColumn(batch.columns[c], data_schema_.field(c).type, &problem);
            if (!cast) ThrowInputData(file->path() + ": row group " + std::to_string(g) + ", column " + data_schema_.field(c).name + ": " + problem);
            batch.columns[c] = std::move(*cast);
          }
          batch.schema = data_schema_;
          batch.file_index = static_cast<uint32_t>(file_index);
          AddPartitionColumns(batch);
          // The group's compressed bytes, spread over its slices.
          batch.source_bytes = bytes / slices + (slice + 1 == slices ? bytes % slices : 0);
          rows_read += static_cast<int64_t>(batch.num_rows());
          if (progress) progress->Advance(batch.source_bytes, batch.num_rows());
          const size_t index = first_index + slice++;
          if (!column_pool) {
            consume(index, std::move(batch));
            return;
          }
          // The consumer's work runs on the pool while the next batch decodes.
          auto shared = std::make_shared<RecordBatch>(std::move(batch));
          group.Limit(max_in_flight);
          group.Submit([&consume, index, shared] { consume(index, std::move(*shared)); });
        };
        if (file->metadata().row_groups[g].num_rows == 0) {
          deliver(file->ReadRowGroup(g, columns, first_row));
        } else {
          file->ReadRowGroup(g, columns, first_row, slice_rows, deliver, column_pool);
        }
      };
      if (column_parallel) {
        // Few row groups: this thread walks the group, its columns decode on the pool.
        read_group(&pool);
      } else {
        group.Limit(max_in_flight);
        if (group.failed()) break;
        group.Submit([read_group] { read_group(nullptr); });
      }
      first_row += row_group.num_rows;
    }
  }
  group.Wait();
  return {.rows_read = rows_read, .rows_pruned = rows_pruned, .num_batches = batch_index, .fingerprint = fingerprint.Hex()};
}

ScanTotals TableSource::Scan(ThreadPool& pool, const BatchConsumer& consume, Progress* progress) const {
  if (format_ == FileFormat::kParquet) return ScanParquet(pool, consume, progress);
  std::atomic<int64_t> rows_read{0}, rows_rejected{0}, rows_blank{0};
  // The fingerprint hashes every input byte in order, on the producer thread,
  // so it does not depend on chunk size or thread count.
  FingerprintBuilder fingerprint;
  ColumnIndex column_index;
  for (size_t i = 0; i < data_schema_.size(); ++i) column_index[data_schema_.field(i).name] = i;
  size_t batch_index = 0;
  TaskGroup group(pool);
  const size_t max_in_flight = pool.num_threads() * 2;
  for (size_t file_index = 0; file_index < files_.size() && !group.failed(); ++file_index) {
    const std::string& path = files_[file_index];
    auto stream = ByteStream::Open(path);
    // The schema and the plan were made from the file as it was at Open().
    if (stream->file_size() != stamps_[file_index].size || stream->modified_ns() != stamps_[file_index].modified_ns) {
      ThrowInputData(path + ": changed since the source was opened (" + std::to_string(stamps_[file_index].size) +
                     " bytes then, " + std::to_string(stream->file_size()) +
                     " now): another process wrote to it; run again once the file is complete");
    }
    RecordChunker chunker(*stream, options_.chunk_bytes, format_ == FileFormat::kCsv && options_.csv.quoting,
                          options_.csv.quote, options_.max_line_bytes);
    bool first_chunk = true;
    StreamingHash file_hash;
    while (auto chunk = chunker.Next()) {
      for (const auto& skipped : chunk->skipped) {
        // Not every byte of a skipped record is kept to hash: its place, length and start are.
        const std::string summary = std::to_string(skipped.line) + ":" + std::to_string(skipped.bytes) + ":" + skipped.excerpt;
        file_hash.Update(summary.data(), summary.size());
      }
      file_hash.Update(chunk->data(), chunk->size);
      size_t skip = 0;
      int64_t first_line = chunk->first_line;
      if (first_chunk && format_ == FileFormat::kCsv && options_.csv.header) {
        if (!chunk->skipped.empty() && chunk->skipped[0].line == 1) {
          ThrowHeaderTooLong(path, chunk->skipped[0], options_.max_line_bytes);
        }
        CsvTokenizer tokenizer(chunk->data(), chunk->size, first_line, options_.csv);
        if (!tokenizer.Next()) continue;
        auto names = HeaderNames(tokenizer, path);
        std::vector<std::string> expected;
        for (const auto& field : file_schema_.fields()) expected.push_back(field.name);
        if (names != expected) {
          ThrowInputData(path + ":" + std::to_string(tokenizer.line()) + ": header differs from " + files_[0] +
                         "'s (" + file_schema_.NameList() + ")");
        }
        skip = tokenizer.offset();
        first_line += std::count(chunk->data(), chunk->data() + skip, '\n');
      }
      first_chunk = false;
      size_t index = batch_index++;
      group.Limit(max_in_flight);
      if (group.failed()) break;
      auto shared_chunk = std::make_shared<Chunk>(std::move(*chunk));
      group.Submit([&, shared_chunk, skip, first_line, index, file_index, path]() {
        const Chunk& c = *shared_chunk;
        BatchBuilder builder(data_schema_, options_.conversion);
        for (const auto& skipped : c.skipped) {
          builder.RejectRow(skipped.line, TooLongReason(skipped, options_.max_line_bytes), skipped.excerpt);
        }
        const char* data = c.data() + skip;
        size_t size = c.size - skip;
        // A record holds at least a byte per column: a wide file without a
        // sampled row must not reserve a chunk's worth of rows in every column.
        const double record_bytes = std::max(record_bytes_, static_cast<double>(file_schema_.size()));
        builder.Reserve(static_cast<size_t>(static_cast<double>(size) / record_bytes * 1.1) + 16);
        int64_t blank = 0;
        if (format_ == FileFormat::kCsv) {
          CsvTokenizer tokenizer(data, size, first_line, options_.csv);
          const size_t num_columns = file_schema_.size();
          const int* target = projection_.data();
          while (tokenizer.Next()) {
            if (AppendCsvRecord(tokenizer, target, num_columns, builder) == RecordOutcome::kBlank) ++blank;
          }
          blank += tokenizer.empty_lines();
        } else {
          blank = ParseJsonLinesChunk(data, size, first_line, column_index, builder);
        }
        RecordBatch batch = builder.Finish();
        batch.source_name = path;
        batch.file_index = static_cast<uint32_t>(file_index);
        AddPartitionColumns(batch);
        batch.source_bytes = c.stream_bytes;
        int64_t rejected = static_cast<int64_t>(batch.rejects.size());
        int64_t read = static_cast<int64_t>(batch.num_rows()) + rejected + blank;
        rows_read += read;
        rows_rejected += rejected;
        rows_blank += blank;
        if (progress) progress->Advance(c.stream_bytes, static_cast<uint64_t>(read));
        consume(index, std::move(batch));
      });
    }
    fingerprint.Add(file_hash.Digest());
  }
  group.Wait();
  return {.rows_read = rows_read,
          .rows_rejected = rows_rejected,
          .rows_blank = rows_blank,
          .num_batches = batch_index,
          .fingerprint = fingerprint.Hex()};
}

}  // namespace sluice
