// TableSource's facade: opening a source (its files, their stamps, the
// schema, Hive partition columns) and choosing the columns read. The schema
// is inferred in table_source_schema.cc, text files are scanned in
// text_scan.cc and Parquet files in parquet_scan.cc.

#include "io/table_source.h"

#include <sys/stat.h>

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
#include "io/postgres/postgres_connection.h"
#include "io/jsonl_parser.h"
#include "io/parquet/parquet_reader.h"
#include "io/parquet/plain_value.h"
#include "io/record_chunker.h"
#include "io/s3/s3_file.h"
#include "io/schema_inference.h"

namespace sluice {

namespace fs = std::filesystem;

std::unique_ptr<TableSource> TableSource::Open(const SourceOptions& options) {
  std::unique_ptr<TableSource> source(new TableSource());
  source->options_ = options;
  if (IsPostgresUri(options.uri)) {
    PostgresSourceOptions database;
    database.uri = options.uri;
    database.query = options.query;
    database.table = options.table;
    database.partition_by = options.partition_by;
    database.partitions = options.partitions;
    database.column_types = options.column_types;
    database.conversion = options.conversion;
    database.chunk_bytes = options.chunk_bytes;
    source->postgres_ = PostgresSource::Open(database);
    source->files_ = {source->postgres_->name()};
    source->schema_ = source->file_schema_ = source->data_schema_ = source->postgres_->schema();
    return source;
  }
  if (!options.query.empty() || !options.table.empty() || !options.partition_by.empty() || options.partitions != 0) {
    ThrowUsage(options.uri + ": source.query, source.table, source.partition_by and source.partitions are for a "
               "database (a postgres:// uri)");
  }
  source->files_ = ResolveFiles(options.uri);
  source->format_ = FormatOf(source->files_[0], options.format);
  if (options.format == "tsv" || (options.format == "auto" && EndsWith(StripCompression(source->files_[0]), ".tsv"))) {
    source->options_.csv.delimiter = '\t';
    if (!options.csv.quoting_set) source->options_.csv.quoting = false;
  }
  for (const auto& file : source->files_) {
    if (IsS3Uri(file)) {
      const S3Object object = S3ObjectInfo(file);
      source->total_bytes_ += object.size;
      source->stamps_.push_back({object.size, object.modified_ns});
      continue;
    }
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
  if (IsS3Uri(root) ? IsS3Folder(root) : fs::is_directory(root)) {
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
  if (postgres_) {
    postgres_->Project(columns);
    schema_ = data_schema_ = postgres_->schema();
    return;
  }
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

}  // namespace sluice
