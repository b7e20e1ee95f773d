#pragma once
// A thin RAII layer over SQLite for sluice's state store (.sluice/runs.db):
// one connection, prepared statements with typed binds and reads, and
// transactions that roll back when an exception leaves them. Every failure
// becomes a sluice::Error naming the database file and what was being done,
// and tells a corrupt file ("move it aside") from a busy one ("another
// process held the lock for N s") from anything else.
//
// Connections use WAL journaling and a busy timeout, so several sluice
// processes can record runs in one directory at once: readers never block,
// writers wait their turn for up to the timeout.

#include <sqlite3.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace sluice {

class SqliteDatabase;

class SqliteStatement {
 public:
  SqliteStatement(SqliteDatabase& db, std::string_view sql);
  ~SqliteStatement();
  SqliteStatement(const SqliteStatement&) = delete;
  SqliteStatement& operator=(const SqliteStatement&) = delete;

  // Binds parameter `index` (1-based). Strings are copied.
  SqliteStatement& Bind(int index, std::string_view text);
  SqliteStatement& Bind(int index, const char* text) { return Bind(index, std::string_view(text)); }
  SqliteStatement& Bind(int index, int64_t value);
  SqliteStatement& Bind(int index, int value) { return Bind(index, static_cast<int64_t>(value)); }
  SqliteStatement& Bind(int index, double value);
  SqliteStatement& BindNull(int index);

  // Steps once: true while a row is ready to read, false when done.
  bool Step();
  // Runs a statement that returns no rows, then resets it for reuse.
  void Run();
  // Clears the result so the statement (with new binds) can run again.
  void Reset();

  bool IsNull(int column) const;
  std::string Text(int column) const;  // "" for NULL
  int64_t Int(int column) const;
  double Real(int column) const;
  std::optional<double> OptionalReal(int column) const;

 private:
  SqliteDatabase& db_;
  sqlite3_stmt* statement_ = nullptr;
  std::string sql_;
};

class SqliteDatabase {
 public:
  // Opens (creating when asked) the database at `path`. Throws an IO error
  // naming the file when it cannot be opened or is not a SQLite database.
  SqliteDatabase(const std::string& path, int busy_timeout_ms, bool create);
  ~SqliteDatabase();
  SqliteDatabase(const SqliteDatabase&) = delete;
  SqliteDatabase& operator=(const SqliteDatabase&) = delete;

  // Runs SQL with no results (several statements allowed).
  void Execute(std::string_view sql);

  // Throws the error for result code `code` from doing `what`.
  [[noreturn]] void Fail(int code, const std::string& what) const;

  sqlite3* handle() { return db_; }
  const std::string& path() const { return path_; }
  int busy_timeout_ms() const { return busy_timeout_ms_; }

 private:
  sqlite3* db_ = nullptr;
  std::string path_;
  int busy_timeout_ms_;
};

// BEGIN IMMEDIATE ... COMMIT, rolled back if not committed: a writer takes
// the write lock up front, so two writers wait rather than deadlock.
class SqliteTransaction {
 public:
  explicit SqliteTransaction(SqliteDatabase& db);
  ~SqliteTransaction();
  void Commit();

 private:
  SqliteDatabase& db_;
  bool done_ = false;
};

}  // namespace sluice
