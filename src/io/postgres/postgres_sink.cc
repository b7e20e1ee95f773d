#include "io/postgres/postgres_sink.h"

#include <cmath>
#include <set>

#include "common/atomic_file.h"
#include "common/error.h"
#include "common/format.h"
#include "data/value_parser.h"
#include "io/postgres/postgres_connection.h"
#include "io/random_access_file.h"

namespace sluice {

namespace {

void AppendCopyText(std::string& out, std::string_view text) {
  for (char c : text) {
    switch (c) {
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default: out.push_back(c);
    }
  }
}

// A batch's rows as COPY text lines, handed to `flush` every MiB or so.
template <typename Flush>
void AppendCopyTextRows(const RecordBatch& batch, std::string& buffer, const Flush& flush) {
  for (size_t row = 0; row < batch.num_rows(); ++row) {
    for (size_t c = 0; c < batch.columns.size(); ++c) {
      if (c) buffer.push_back('\t');
      AppendCopyTextValue(buffer, batch.columns[c], row);
    }
    buffer.push_back('\n');
    if (buffer.size() >= (1u << 20)) flush();
  }
  flush();
}

class CopyTextFileWriter : public TableWriter {
 public:
  explicit CopyTextFileWriter(const std::string& path) : file_(AtomicFileWriter::Open(path)) {}
  void Write(const RecordBatch& batch) override {
    AppendCopyTextRows(batch, buffer_, [this] {
      file_.Write(buffer_);
      buffer_.clear();
    });
  }
  void Close() override { file_.Commit(); }

 private:
  AtomicFileWriter file_;
  std::string buffer_;
};

class PostgresTableWriter : public PostgresTableSink {
 public:
  PostgresTableWriter(const std::string& uri, const Schema& schema) : conn_(uri), schema_(schema) {
    const PostgresTarget target = SplitPostgresUri(uri);
    const bool append = target.if_exists == "append";
    if (!append && !target.if_exists.empty()) {
      ThrowUsage(conn_.name() + ": if_exists=" + target.if_exists +
                 ": the one choice is if_exists=append (add the rows to an existing table)");
    }
    const bool has_query = uri.find('?') != std::string::npos;
    if (target.table.empty()) {
      ThrowUsage(conn_.name() + ": name the table to write: " + conn_.name() + (has_query ? "&" : "?") +
                 "table=NAME");
    }
    table_ = QuoteQualifiedName(target.table);
    what_ = conn_.name() + " table " + target.table;
    std::set<std::string> names;
    for (const auto& field : schema.fields()) {
      if (!names.insert(field.name).second) ThrowUsage(what_ + ": two output columns are named '" + field.name + "'");
    }

    conn_.Exec("BEGIN", PGRES_COMMAND_OK, "BEGIN");
    // Whether the table exists, and whether sluice wrote it.
    const std::string literal = std::string("'") + EscapeLiteral(table_) + "'";
    PgResult found = conn_.Exec("SELECT c.oid IS NOT NULL, c.relkind, obj_description(c.oid, 'pg_class') FROM "
                                "(SELECT to_regclass(" + literal + ") AS oid) r LEFT JOIN pg_class c ON c.oid = r.oid",
                                PGRES_TUPLES_OK, "looking up the table");
    const bool exists = PQntuples(found.get()) == 1 && std::string(PQgetvalue(found.get(), 0, 0)) == "t";
    const bool ours = exists && !PQgetisnull(found.get(), 0, 2) && std::string(PQgetvalue(found.get(), 0, 2)) == kSluiceTableComment;
    const std::string kind = exists ? PQgetvalue(found.get(), 0, 1) : "";
    if (exists && append) {
      if (kind != "r" && kind != "p") ThrowUsage(what_ + ": is not a table (relkind " + kind + "); rows cannot be added to it");
      CheckColumnsExist();
    } else if (exists && !ours) {
      ThrowUsage(what_ + ": exists and sluice did not write it, so sluice will not replace it; add &if_exists=append "
                 "to add the rows to it, or name another table");
    } else {
      if (exists) conn_.Exec(std::string("DROP TABLE ") + table_, PGRES_COMMAND_OK, "replacing the table sluice wrote before");
      std::string create = std::string("CREATE TABLE ") + table_ + " (";
      for (size_t c = 0; c < schema.size(); ++c) {
        if (c) create += ", ";
        create += QuoteIdentifier(schema.field(c).name);
        create += ' ';
        create += PostgresColumnType(schema.field(c).type);
      }
      conn_.Exec(create + ")", PGRES_COMMAND_OK, "creating the table");
      conn_.Exec(std::string("COMMENT ON TABLE ") + table_ + " IS '" + kSluiceTableComment + "'", PGRES_COMMAND_OK,
                 "marking the table as sluice's");
    }
    std::string copy = std::string("COPY ") + table_ + " (";
    for (size_t c = 0; c < schema.size(); ++c) {
      if (c) copy += ", ";
      copy += QuoteIdentifier(schema.field(c).name);
    }
    conn_.Exec(copy + ") FROM STDIN", PGRES_COPY_IN, "starting COPY");
    copying_ = true;
  }

  ~PostgresTableWriter() override {
    // Not closed: the run failed. End the COPY with an error, so the server
    // drops what it received, and roll back; closing the connection would
    // abort the transaction too.
    if (copying_) {
      PQputCopyEnd(conn_.get(), "sluice: the run failed before its output was complete");
      PgResult ended(PQgetResult(conn_.get()));
      while (PgResult more{PQgetResult(conn_.get())}) {
      }
    }
    if (!committed_) PgResult rolled_back(PQexec(conn_.get(), "ROLLBACK"));
  }

  void Write(const RecordBatch& batch) override {
    buffer_.clear();
    AppendCopyTextRows(batch, buffer_, [this] { Send(); });
  }

  void AppendCopyTextFile(const std::string& path) override {
    std::unique_ptr<RandomAccessFile> file = OpenLocalFile(path);
    for (uint64_t offset = 0; offset < file->size();) {
      const size_t size = static_cast<size_t>(std::min<uint64_t>(1u << 20, file->size() - offset));
      buffer_.resize(size);
      file->ReadAt(offset, size, reinterpret_cast<uint8_t*>(buffer_.data()));
      Send();
      offset += size;
    }
  }

  void Close() override {
    Send();
    copying_ = false;
    if (PQputCopyEnd(conn_.get(), nullptr) != 1) ThrowIo(what_ + ": ending COPY: " + conn_.LastError());
    PgResult result(PQgetResult(conn_.get()));
    if (!result || PQresultStatus(result.get()) != PGRES_COMMAND_OK) {
      ThrowIo(what_ + ": the server refused the rows: " + ResultError(result.get()));
    }
    while (PgResult more{PQgetResult(conn_.get())}) {
    }
    conn_.Exec("COMMIT", PGRES_COMMAND_OK, "COMMIT");
    committed_ = true;
  }

 private:
  std::string EscapeLiteral(const std::string& text) {
    std::string out;
    for (char c : text) {
      if (c == '\'') out += '\'';
      out += c;
    }
    return out;
  }

  std::string ResultError(const PGresult* result) const {
    std::string message = result ? PQresultErrorMessage(result) : conn_.LastError();
    for (char& c : message) {
      if (c == '\n') c = ' ';
    }
    while (!message.empty() && message.back() == ' ') message.pop_back();
    return message;
  }

  // Appending: every output column must be one of the table's.
  void CheckColumnsExist() {
    PgResult columns = conn_.Exec("SELECT attname FROM pg_attribute WHERE attrelid = to_regclass('" +
                                      EscapeLiteral(table_) + "') AND attnum > 0 AND NOT attisdropped",
                                  PGRES_TUPLES_OK, "listing the table's columns");
    std::set<std::string> have;
    std::string list;
    for (int row = 0; row < PQntuples(columns.get()); ++row) {
      have.insert(PQgetvalue(columns.get(), row, 0));
      if (row) list += ", ";
      list += PQgetvalue(columns.get(), row, 0);
    }
    for (const auto& field : schema_.fields()) {
      if (!have.count(field.name)) {
        ThrowUsage(what_ + ": has no column '" + field.name + "' to append to (it has " + list + ")");
      }
    }
  }

  void Send() {
    if (buffer_.empty()) return;
    if (PQputCopyData(conn_.get(), buffer_.data(), static_cast<int>(buffer_.size())) != 1) {
      // The server ended the COPY (a bad value, a lost connection): its reason.
      PgResult result(PQgetResult(conn_.get()));
      copying_ = false;
      ThrowIo(what_ + ": writing rows: " + ResultError(result.get()));
    }
    buffer_.clear();
  }

  PostgresConnection conn_;
  Schema schema_;
  std::string table_;
  std::string what_;
  std::string buffer_;
  bool copying_ = false;
  bool committed_ = false;
};

}  // namespace

const char* PostgresColumnType(DataType type) {
  switch (type) {
    case DataType::kBool: return "boolean";
    case DataType::kInt64: return "bigint";
    case DataType::kFloat64: return "double precision";
    case DataType::kTimestamp: return "timestamptz";
    case DataType::kString:
    case DataType::kCategorical: return "text";
  }
  return "text";
}

void AppendCopyTextValue(std::string& out, const Column& column, size_t row) {
  if (column.IsNull(row)) {
    out += "\\N";
    return;
  }
  switch (column.type()) {
    case DataType::kBool: out += column.Int(row) ? "t" : "f"; break;
    case DataType::kInt64: AppendInt(out, column.Int(row)); break;
    case DataType::kFloat64: {
      const double value = column.Double(row);
      if (std::isnan(value)) {
        out += "NaN";
      } else if (std::isinf(value)) {
        out += value > 0 ? "Infinity" : "-Infinity";
      } else {
        AppendDouble(out, value);
      }
      break;
    }
    case DataType::kTimestamp:
      AppendTimestamp(out, column.Int(row));
      out += "+00";
      break;
    case DataType::kString: AppendCopyText(out, column.String(row)); break;
    case DataType::kCategorical: AppendCopyText(out, column.Category(row)); break;
  }
}

std::unique_ptr<PostgresTableSink> OpenPostgresTableWriter(const std::string& uri, const Schema& schema) {
  return std::make_unique<PostgresTableWriter>(uri, schema);
}

std::unique_ptr<TableWriter> OpenCopyTextFileWriter(const std::string& path) {
  return std::make_unique<CopyTextFileWriter>(path);
}

}  // namespace sluice
