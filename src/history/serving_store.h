#pragma once
// What `sluice serve` measured, kept in the run history when it stops: per
// model served, the rows scored, requests answered and the server's CPU
// time. The cost model prices 1,000 predictions by the throughput a real
// server reached, and links a session to the run that trained the model
// (by the artifact's path or a registered version of it).

#include <string>
#include <vector>

#include "history/sqlite_database.h"

namespace sluice {

struct ServingSession {
  std::string model, path, run_id;
  double started = 0, finished = 0;  // Unix seconds
  int64_t rows = 0, requests = 0;
  double request_seconds = 0, cpu_seconds = 0;
  int64_t threads = 0;
};

class ServingStore {
 public:
  explicit ServingStore(SqliteDatabase& db) : db_(db) {}

  // Records a session; its run_id is looked up from the path when empty.
  void Record(ServingSession session);
  // Sessions that served a model trained by `run_id`, newest first.
  std::vector<ServingSession> ForRun(const std::string& run_id);

 private:
  SqliteDatabase& db_;
};

}  // namespace sluice
