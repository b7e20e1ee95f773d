#include "io/postgres/postgres_connection.h"

#include <algorithm>

#include "common/error.h"

namespace sluice {


PostgresTarget SplitPostgresUri(const std::string& uri) {
  PostgresTarget target;
  const size_t question = uri.find('?');
  if (question == std::string::npos) {
    target.conninfo = uri;
    return target;
  }
  std::string kept;
  for (const auto& [key, value] : UriQueryParams(uri.substr(question + 1))) {
    static const std::pair<const char*, std::string PostgresTarget::*> kOwn[] = {
        {"table", &PostgresTarget::table},
        {"if_exists", &PostgresTarget::if_exists},
        {"read", &PostgresTarget::read},
        {"partition_by", &PostgresTarget::partition_by},
        {"partitions", &PostgresTarget::partitions}};
    bool own = false;
    for (const auto& [name, member] : kOwn) {
      if (key != name) continue;
      target.*member = value;
      own = true;
    }
    if (own) continue;
    kept += (kept.empty() ? "" : "&") + key + "=" + value;
  }
  target.conninfo = uri.substr(0, question) + (kept.empty() ? "" : "?" + kept);
  return target;
}

std::string QuoteIdentifier(const std::string& name) {
  std::string out = "\"";
  for (char c : name) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

std::string QuoteQualifiedName(const std::string& name) {
  // schema.table, unless the dot is inside a quoted part.
  if (!name.empty() && name.front() == '"') return name;  // already quoted by the user
  const size_t dot = name.find('.');
  if (dot == std::string::npos) return QuoteIdentifier(name);
  return QuoteIdentifier(name.substr(0, dot)) + "." + QuoteIdentifier(name.substr(dot + 1));
}

PostgresConnection::PostgresConnection(const std::string& uri) : name_(RedactUri(uri)) {
  const PostgresTarget target = SplitPostgresUri(uri);
  // A dead host must not hang the run: libpq waits forever by default.
  std::vector<const char*> keys = {"dbname", "client_encoding"};
  std::vector<const char*> values = {target.conninfo.c_str(), "UTF8"};
  if (target.conninfo.find("connect_timeout=") == std::string::npos) {
    keys.push_back("connect_timeout");
    values.push_back("10");
  }
  keys.push_back(nullptr);
  values.push_back(nullptr);
  conn_ = PQconnectdbParams(keys.data(), values.data(), /*expand_dbname=*/1);
  if (conn_ == nullptr) ThrowIo(name_ + ": cannot connect: out of memory");
  if (PQstatus(conn_) != CONNECTION_OK) {
    std::string why = LastError();
    PQfinish(conn_);
    conn_ = nullptr;
    ThrowIo(name_ + ": cannot connect: " + why);
  }
}

PostgresConnection::~PostgresConnection() {
  if (conn_ != nullptr) PQfinish(conn_);
}

std::string PostgresConnection::LastError() const {
  std::string message = conn_ ? PQerrorMessage(conn_) : "no connection";
  std::replace(message.begin(), message.end(), '\n', ' ');
  while (!message.empty() && message.back() == ' ') message.pop_back();
  return message;
}

PgResult PostgresConnection::Exec(const std::string& sql, ExecStatusType expected, const std::string& what) {
  PgResult result(PQexec(conn_, sql.c_str()));
  if (!result || PQresultStatus(result.get()) != expected) {
    std::string message = result ? PQresultErrorMessage(result.get()) : LastError();
    std::replace(message.begin(), message.end(), '\n', ' ');
    while (!message.empty() && message.back() == ' ') message.pop_back();
    ThrowIo(name_ + ": " + what + ": " + message);
  }
  return result;
}

void PostgresConnection::FixRowOrder() {
  for (const char* setting : {"SET max_parallel_workers_per_gather = 0", "SET synchronize_seqscans = off"}) {
    // Outside a transaction a refused SET changes nothing.
    PgResult result(PQexec(conn_, setting));
    (void)result;
  }
}

}  // namespace sluice
