#pragma once
// Rows written into a PostgreSQL (or Redshift) table: an output named
// postgres://.../db?table=NAME (transform --output, convert --output).
// Everything happens in one transaction: the table is created (or, when
// sluice wrote it before, replaced), the rows are streamed with
// COPY ... FROM STDIN and the transaction commits only on Close(), so a run
// that fails or is stopped leaves the database as it was: no table, no rows.
//
// sluice never drops what it did not write: a table it creates carries a
// comment saying so, and an existing table without that comment is an error
// unless the URI says ?if_exists=append, which adds the rows to it (its
// columns matched by name; the server converts each value's text to the
// column's type).

#include <memory>
#include <string>

#include "data/schema.h"
#include "io/table_writer.h"

namespace sluice {

// Across MPI ranks (transform and predict under mpirun) it is still one
// transaction on one connection: rank 0 opens the table writer before any
// rank reads (so a table sluice may not replace stops every rank at once)
// and writes its own rows; every other rank writes its rows in COPY's text
// format into a file of its own (OpenCopyTextFileWriter), and rank 0
// streams those files into the same COPY in rank order — input order —
// before it commits.
class PostgresTableSink : public TableWriter {
 public:
  // Rows a CopyTextFileWriter wrote, appended to the COPY in progress.
  virtual void AppendCopyTextFile(const std::string& path) = 0;
};

// Opens the transaction and starts the COPY; throws a usage error for a
// missing ?table= or a table sluice may not replace, and an I/O error naming
// the redacted URI for a connection or statement the server refuses.
std::unique_ptr<PostgresTableSink> OpenPostgresTableWriter(const std::string& uri, const Schema& schema);

// Rows as COPY text lines into `path` (written atomically: the file appears
// on Close()), for rank 0 to load.
std::unique_ptr<TableWriter> OpenCopyTextFileWriter(const std::string& path);

// The comment that marks a table as sluice's to replace.
inline constexpr const char* kSluiceTableComment = "written by sluice";

// The SQL type a column of `type` is created with.
const char* PostgresColumnType(DataType type);

// One value in COPY's text format: \N for null, backslash escapes for
// backslash, newline, carriage return and tab; doubles in their shortest
// round-trip form, infinities and NaN as PostgreSQL spells them; timestamps
// in UTC with an explicit offset.
void AppendCopyTextValue(std::string& out, const Column& column, size_t row);

}  // namespace sluice
