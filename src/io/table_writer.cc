#include "io/table_writer.h"

#include "common/atomic_file.h"
#include "common/error.h"
#include "common/leftover_files.h"
#include "common/output_guard.h"
#include "common/uri.h"
#include "common/format.h"
#include "data/value_parser.h"
#include "io/dataset_writer.h"
#include "io/postgres/postgres_sink.h"
#include "io/reject_file.h"

namespace sluice {

namespace {

bool EndsWith(const std::string& text, const std::string& suffix) {
  return text.size() >= suffix.size() && text.compare(text.size() - suffix.size(), suffix.size(), suffix) == 0;
}

void AppendJsonString(std::string& out, std::string_view text) {
  out.push_back('"');
  for (unsigned char c : text) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (c < 0x20) {
          char buffer[8];
          std::snprintf(buffer, sizeof buffer, "\\u%04x", c);
          out += buffer;
        } else {
          out.push_back(static_cast<char>(c));
        }
    }
  }
  out.push_back('"');
}

class TextWriter : public TableWriter {
 public:
  TextWriter(const std::string& path, const Schema& schema, bool json)
      : file_(AtomicFileWriter::Open(path)), schema_(schema), json_(json) {
    if (!json_) {
      std::string header;
      for (size_t c = 0; c < schema.size(); ++c) {
        if (c) header.push_back(',');
        AppendCsvField(header, schema.field(c).name);
      }
      header.push_back('\n');
      file_.Write(header);
    }
  }
  void Write(const RecordBatch& batch) override {
    std::string out;
    for (size_t row = 0; row < batch.num_rows(); ++row) {
      if (json_) out.push_back('{');
      for (size_t c = 0; c < batch.columns.size(); ++c) {
        if (c) out.push_back(',');
        if (json_) {
          AppendJsonString(out, schema_.field(c).name);
          out.push_back(':');
          AppendJsonValue(out, batch.columns[c], row);
        } else {
          AppendCsvValue(out, batch.columns[c], row);
        }
      }
      out += json_ ? "}\n" : "\n";
      if (out.size() > (1 << 20)) {
        file_.Write(out);
        out.clear();
      }
    }
    file_.Write(out);
  }
  void Close() override { file_.Commit(); }

 private:
  AtomicFileWriter file_;
  Schema schema_;
  bool json_;
};

class ParquetTableWriter : public TableWriter {
 public:
  ParquetTableWriter(const std::string& path, const Schema& schema, const ParquetWriteOptions& options)
      : writer_(ParquetWriter::Open(path, schema, options)) {}
  void Write(const RecordBatch& batch) override { writer_->Write(batch); }
  void Write(RecordBatch&& batch) override { writer_->Write(std::move(batch)); }
  void Close() override { writer_->Close(); }

 private:
  std::unique_ptr<ParquetWriter> writer_;
};

class DatasetTableWriter : public TableWriter {
 public:
  DatasetTableWriter(const std::string& path, const Schema& schema, const ParquetWriteOptions& options,
                     const std::vector<std::string>& partition_by)
      : writer_(DatasetWriter::Open(path, schema, options, 10000000, partition_by)) {}
  void Write(const RecordBatch& batch) override { writer_->Write(batch); }
  void Close() override { writer_->Close(); }

 private:
  std::unique_ptr<DatasetWriter> writer_;
};

}  // namespace

void AppendCsvValue(std::string& out, const Column& column, size_t row) {
  if (column.IsNull(row)) return;
  switch (column.type()) {
    case DataType::kBool: out += column.Int(row) ? "true" : "false"; break;
    case DataType::kInt64: AppendInt(out, column.Int(row)); break;
    case DataType::kFloat64: AppendDouble(out, column.Double(row)); break;
    case DataType::kTimestamp: AppendTimestamp(out, column.Int(row)); break;
    case DataType::kString: {
      std::string_view text = column.String(row);
      // An empty string is quoted, so it reads back as "" and not as null.
      if (text.empty()) {
        out += "\"\"";
      } else {
        AppendCsvField(out, text);
      }
      break;
    }
    case DataType::kCategorical: AppendCsvField(out, column.Category(row)); break;
  }
}

void AppendJsonValue(std::string& out, const Column& column, size_t row) {
  if (column.IsNull(row)) {
    out += "null";
    return;
  }
  switch (column.type()) {
    case DataType::kBool: out += column.Int(row) ? "true" : "false"; break;
    case DataType::kInt64: AppendInt(out, column.Int(row)); break;
    case DataType::kFloat64: AppendDouble(out, column.Double(row)); break;
    case DataType::kTimestamp: {
      std::string text;
      AppendTimestamp(text, column.Int(row));
      AppendJsonString(out, text);
      break;
    }
    case DataType::kString: AppendJsonString(out, column.String(row)); break;
    case DataType::kCategorical: AppendJsonString(out, column.Category(row)); break;
  }
}

std::unique_ptr<TableWriter> TableWriter::Open(const std::string& path, const Schema& schema,
                                               const ParquetWriteOptions& parquet_options,
                                               const std::vector<std::string>& partition_by) {
  if (IsPostgresUri(path)) {
    if (!partition_by.empty()) ThrowUsage(RedactUri(path) + ": a database table has no partition folders (drop --partition-by)");
    return OpenPostgresTableWriter(path, schema);
  }
  if (!partition_by.empty() || (!path.empty() && path.back() == '/')) {
    return std::make_unique<DatasetTableWriter>(path, schema, parquet_options, partition_by);
  }
  CheckOutputPath(path, OutputKind::kFile);
  CollectLeftovers(path);
  if (EndsWith(path, ".parquet") || EndsWith(path, ".parq") || EndsWith(path, ".pq")) {
    return std::make_unique<ParquetTableWriter>(path, schema, parquet_options);
  }
  if (EndsWith(path, ".jsonl") || EndsWith(path, ".ndjson") || EndsWith(path, ".json")) {
    return std::make_unique<TextWriter>(path, schema, true);
  }
  if (EndsWith(path, ".csv")) return std::make_unique<TextWriter>(path, schema, false);
  ThrowUsage(path + ": unknown output format (use .csv, .jsonl, .parquet, or a directory ending in / for a Parquet dataset)");
}

}  // namespace sluice
