#include "history/serving_store.h"

namespace sluice {

void ServingStore::Record(ServingSession s) {
  if (s.run_id.empty()) {
    // The run whose artifact, or one of whose registered versions, this is.
    SqliteStatement find(db_,
                         "SELECT run_id FROM models WHERE path = ?1 AND run_id IS NOT NULL "
                         "UNION ALL SELECT id FROM runs WHERE artifact = ?1 AND status = 'succeeded' "
                         "ORDER BY 1 DESC LIMIT 1");
    find.Bind(1, s.path);
    if (find.Step()) s.run_id = find.Text(0);
  }
  SqliteStatement insert(db_,
                         "INSERT INTO serving (model, path, run_id, started, finished, rows, requests, request_seconds, "
                         "cpu_seconds, threads) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
  insert.Bind(1, s.model).Bind(2, s.path);
  if (s.run_id.empty()) {
    insert.BindNull(3);
  } else {
    insert.Bind(3, s.run_id);
  }
  insert.Bind(4, s.started).Bind(5, s.finished).Bind(6, s.rows).Bind(7, s.requests).Bind(8, s.request_seconds);
  insert.Bind(9, s.cpu_seconds).Bind(10, s.threads).Run();
}

std::vector<ServingSession> ServingStore::ForRun(const std::string& run_id) {
  SqliteStatement select(db_,
                         "SELECT model, path, run_id, started, finished, rows, requests, request_seconds, cpu_seconds, "
                         "threads FROM serving WHERE run_id = ? ORDER BY finished DESC");
  select.Bind(1, run_id);
  std::vector<ServingSession> sessions;
  while (select.Step()) {
    sessions.push_back({select.Text(0), select.Text(1), select.Text(2), select.Real(3), select.Real(4), select.Int(5),
                        select.Int(6), select.Real(7), select.Real(8), select.Int(9)});
  }
  return sessions;
}

}  // namespace sluice
