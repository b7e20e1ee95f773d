#pragma once
// A connection to PostgreSQL (or Redshift, which speaks its protocol) through
// libpq, named by a postgres:// or postgresql:// URI. libpq finds what the
// URI leaves out the way psql does: PGHOST, PGPORT, PGUSER, PGDATABASE,
// PGPASSWORD, ~/.pgpass, PGSSLMODE... A password never appears in anything
// sluice prints: errors and logs name the URI with it masked (RedactUri).

#include <libpq-fe.h>

#include <memory>
#include <string>
#include <vector>

#include "common/uri.h"

namespace sluice {

// A URI's query parameters that are sluice's own (table=, if_exists=),
// taken out: libpq refuses parameters it does not know.
struct PostgresTarget {
  std::string conninfo;   // what libpq is given
  std::string table;      // ?table=NAME, if any
  std::string if_exists;  // ?if_exists=append, for an output table
  std::string read;       // ?read=copy|cursor, how a source's rows travel
  std::string partition_by;  // ?partition_by=COLUMN (source.partition_by for a verb without a pipeline)
  std::string partitions;    // ?partitions=N (source.partitions)
};
PostgresTarget SplitPostgresUri(const std::string& uri);

// "name" or "schema"."name", each part quoted for SQL.
std::string QuoteQualifiedName(const std::string& name);
std::string QuoteIdentifier(const std::string& name);

struct PgResultDeleter {
  void operator()(PGresult* result) const { PQclear(result); }
};
using PgResult = std::unique_ptr<PGresult, PgResultDeleter>;

class PostgresConnection {
 public:
  // Connects (10 s connect timeout unless the URI sets one), with UTF-8 as
  // the client encoding; throws an I/O error naming the redacted URI and
  // libpq's reason.
  explicit PostgresConnection(const std::string& uri);
  ~PostgresConnection();
  PostgresConnection(const PostgresConnection&) = delete;
  PostgresConnection& operator=(const PostgresConnection&) = delete;

  PGconn* get() const { return conn_; }
  const std::string& name() const { return name_; }  // the redacted URI

  // Runs `sql`; throws naming `what` and the server's message unless the
  // result has `expected` status.
  PgResult Exec(const std::string& sql, ExecStatusType expected, const std::string& what);
  // The server's last error, one line.
  std::string LastError() const;
  // Asks the server to return a query's rows in the same order each time it
  // runs it on the same snapshot: no parallel plan (whose workers interleave
  // rows as they finish) and no synchronized sequential scan (which starts
  // a table scan where another scan of it already is). Row numbers decide
  // the split, so they must not depend on what else the server is doing.
  // A server without these settings (Redshift) is left as it is.
  void FixRowOrder();

 private:
  PGconn* conn_ = nullptr;
  std::string name_;
};

}  // namespace sluice
