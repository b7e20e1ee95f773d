#include "history/sqlite_database.h"

#include "common/error.h"
#include "history/sqlite_vfs.h"

namespace sluice {

SqliteDatabase::SqliteDatabase(const std::string& path, int busy_timeout_ms, bool create)
    : path_(path), busy_timeout_ms_(busy_timeout_ms) {
  int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_FULLMUTEX | (create ? SQLITE_OPEN_CREATE : 0);
  int code = sqlite3_open_v2(path.c_str(), &db_, flags, SluiceSqliteVfs());
  if (code != SQLITE_OK) Fail(code, "opening it");
  sqlite3_extended_result_codes(db_, 1);
  sqlite3_busy_timeout(db_, busy_timeout_ms);
  // The first statement reads the header: a file that is not a database
  // fails here, with the message Fail gives it.
  Execute("PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;");
}

SqliteDatabase::~SqliteDatabase() { sqlite3_close_v2(db_); }

void SqliteDatabase::Execute(std::string_view sql) {
  std::string text(sql);
  char* message = nullptr;
  int code = sqlite3_exec(db_, text.c_str(), nullptr, nullptr, &message);
  if (message) sqlite3_free(message);
  if (code != SQLITE_OK) Fail(code, "running " + text.substr(0, 60));
}

void SqliteDatabase::Fail(int code, const std::string& what) const {
  int primary = code & 0xff;
  std::string detail = db_ ? sqlite3_errmsg(db_) : sqlite3_errstr(code);
  if (primary == SQLITE_NOTADB || primary == SQLITE_CORRUPT) {
    ThrowIo(path_ + ": the run history is corrupt (" + detail + ", while " + what +
            "); move the file aside to start a new one, or repair it with the sqlite3 shell's .recover");
  }
  if (primary == SQLITE_BUSY || primary == SQLITE_LOCKED) {
    ThrowIo(path_ + ": the run history stayed locked by another process for " + std::to_string(busy_timeout_ms_ / 1000) +
            " s (while " + what + "); is a process stuck holding it?");
  }
  if (primary == SQLITE_FULL) ThrowIo("no space left on device: " + path_ + " (the run history, while " + what + ")");
  if (primary == SQLITE_READONLY || primary == SQLITE_CANTOPEN || primary == SQLITE_PERM) {
    ThrowIo(path_ + ": cannot write the run history (" + detail + ", while " + what + ")");
  }
  ThrowIo(path_ + ": " + detail + " (while " + what + ")");
}

SqliteStatement::SqliteStatement(SqliteDatabase& db, std::string_view sql) : db_(db), sql_(sql) {
  int code = sqlite3_prepare_v2(db.handle(), sql_.data(), static_cast<int>(sql_.size()), &statement_, nullptr);
  if (code != SQLITE_OK) db_.Fail(code, "preparing " + sql_.substr(0, 60));
}

SqliteStatement::~SqliteStatement() { sqlite3_finalize(statement_); }

SqliteStatement& SqliteStatement::Bind(int index, std::string_view text) {
  int code = sqlite3_bind_text(statement_, index, text.data(), static_cast<int>(text.size()), SQLITE_TRANSIENT);
  if (code != SQLITE_OK) db_.Fail(code, "binding " + sql_.substr(0, 60));
  return *this;
}

SqliteStatement& SqliteStatement::Bind(int index, int64_t value) {
  int code = sqlite3_bind_int64(statement_, index, value);
  if (code != SQLITE_OK) db_.Fail(code, "binding " + sql_.substr(0, 60));
  return *this;
}

SqliteStatement& SqliteStatement::Bind(int index, double value) {
  int code = sqlite3_bind_double(statement_, index, value);
  if (code != SQLITE_OK) db_.Fail(code, "binding " + sql_.substr(0, 60));
  return *this;
}

SqliteStatement& SqliteStatement::BindNull(int index) {
  int code = sqlite3_bind_null(statement_, index);
  if (code != SQLITE_OK) db_.Fail(code, "binding " + sql_.substr(0, 60));
  return *this;
}

bool SqliteStatement::Step() {
  int code = sqlite3_step(statement_);
  if (code == SQLITE_ROW) return true;
  if (code == SQLITE_DONE) return false;
  sqlite3_reset(statement_);
  db_.Fail(code, "running " + sql_.substr(0, 60));
}

void SqliteStatement::Run() {
  while (Step()) {
  }
  Reset();
}

void SqliteStatement::Reset() {
  sqlite3_reset(statement_);
  sqlite3_clear_bindings(statement_);
}

bool SqliteStatement::IsNull(int column) const { return sqlite3_column_type(statement_, column) == SQLITE_NULL; }

std::string SqliteStatement::Text(int column) const {
  const unsigned char* text = sqlite3_column_text(statement_, column);
  if (!text) return {};
  return std::string(reinterpret_cast<const char*>(text), static_cast<size_t>(sqlite3_column_bytes(statement_, column)));
}

int64_t SqliteStatement::Int(int column) const { return sqlite3_column_int64(statement_, column); }
double SqliteStatement::Real(int column) const { return sqlite3_column_double(statement_, column); }
std::optional<double> SqliteStatement::OptionalReal(int column) const {
  if (IsNull(column)) return std::nullopt;
  return Real(column);
}

SqliteTransaction::SqliteTransaction(SqliteDatabase& db) : db_(db) { db_.Execute("BEGIN IMMEDIATE"); }

SqliteTransaction::~SqliteTransaction() {
  if (!done_) sqlite3_exec(db_.handle(), "ROLLBACK", nullptr, nullptr, nullptr);
}

void SqliteTransaction::Commit() {
  db_.Execute("COMMIT");
  done_ = true;
}

}  // namespace sluice
