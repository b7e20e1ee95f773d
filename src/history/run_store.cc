#include "history/run_store.h"

#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <ctime>
#include <random>

#include "common/uri.h"
#include "common/error.h"
#include "common/process_stat.h"

namespace sluice {

namespace {

double NowUnix() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

std::string HostName() {
  char name[256] = {};
  if (::gethostname(name, sizeof name - 1) != 0) return "unknown";
  return name;
}

// When process `pid` started (0: no such process): with the pid, what tells
// a live run from a killed one whose pid another process has since taken.
int64_t ProcessStartTicks(int64_t pid) {
  auto stat = ReadProcessStat(static_cast<pid_t>(pid));
  return stat ? stat->start_ticks : 0;
}

std::string NewRunId() {
  std::time_t now = std::time(nullptr);
  std::tm utc{};
  ::gmtime_r(&now, &utc);
  char stamp[32];
  std::strftime(stamp, sizeof stamp, "%Y%m%d-%H%M%S", &utc);
  static thread_local std::mt19937 random{std::random_device{}()};
  char id[48];
  std::snprintf(id, sizeof id, "%s-%04x", stamp, static_cast<unsigned>(random() & 0xffff));
  return id;
}

constexpr const char* kRunColumns =
    "id, name, verb, pipeline, status, host, error, artifact, fingerprint, pid, attempts, started, finished, "
    "exit_code, invocation, pid_start";

}  // namespace

nlohmann::json RunInvocation::ToJson() const {
  // Never a password: an override naming a database keeps its user, not
  // its secret (a resumed run finds it in PGPASSWORD or ~/.pgpass).
  std::vector<std::string> shown;
  for (const auto& override_text : overrides) {
    const size_t eq = override_text.find('=');
    shown.push_back(eq == std::string::npos ? override_text
                                            : override_text.substr(0, eq + 1) + RedactUri(override_text.substr(eq + 1)));
  }
  return {{"verb", verb}, {"pipeline", pipeline}, {"overrides", shown}, {"threads", threads}, {"cwd", cwd}};
}

RunInvocation RunInvocation::FromJson(const nlohmann::json& json) {
  RunInvocation invocation;
  if (!json.is_object()) return invocation;
  invocation.verb = json.value("verb", "run");
  invocation.pipeline = json.value("pipeline", "");
  invocation.overrides = json.value("overrides", std::vector<std::string>{});
  invocation.threads = json.value("threads", -1);
  invocation.cwd = json.value("cwd", "");
  return invocation;
}

std::string RunStore::Begin(const std::string& name, const RunInvocation& invocation) {
  SqliteStatement insert(db_,
                         "INSERT OR IGNORE INTO runs (id, name, verb, pipeline, invocation, status, host, pid, pid_start, "
                         "started) VALUES (?, ?, ?, ?, ?, 'running', ?, ?, ?, ?)");
  for (int tries = 0; tries < 100; ++tries) {
    std::string id = NewRunId();
    insert.Bind(1, id).Bind(2, name).Bind(3, invocation.verb).Bind(4, invocation.pipeline);
    insert.Bind(5, invocation.ToJson().dump()).Bind(6, HostName()).Bind(7, static_cast<int64_t>(::getpid()));
    insert.Bind(8, ProcessStartTicks(::getpid())).Bind(9, NowUnix());
    insert.Run();
    if (sqlite3_changes(db_.handle()) == 1) return id;  // else the id was taken this second
  }
  ThrowInternal(db_.path() + ": could not find a free run id");
}

int RunStore::Resume(const std::string& id) {
  SqliteTransaction transaction(db_);
  RunRow row = Get(id);
  std::string status = EffectiveStatus(row);
  if (status == "running") {
    ThrowUsage("run " + id + " is still running (process " + std::to_string(row.pid) + " on " + row.host + ")");
  }
  if (status == "succeeded") ThrowUsage("run " + id + " succeeded; there is nothing to resume");
  SqliteStatement update(db_,
                         "UPDATE runs SET status = 'running', attempts = attempts + 1, pid = ?, pid_start = ?, host = ?, "
                         "finished = NULL, exit_code = NULL, error = NULL WHERE id = ?");
  update.Bind(1, static_cast<int64_t>(::getpid())).Bind(2, ProcessStartTicks(::getpid())).Bind(3, HostName());
  update.Bind(4, id).Run();
  transaction.Commit();
  return static_cast<int>(row.attempts + 1);
}

void RunStore::RecordStep(const std::string& id, int attempt, int seq, const StepRecord& step) {
  SqliteStatement insert(db_,
                         "INSERT OR REPLACE INTO steps (run_id, attempt, seq, name, status, started, finished, cpu_seconds, "
                         "cpu_percent, peak_rss_bytes, read_bytes, write_bytes, error) "
                         "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
  insert.Bind(1, id).Bind(2, attempt).Bind(3, seq).Bind(4, step.name).Bind(5, step.status).Bind(6, step.started);
  if (step.finished > 0) {
    insert.Bind(7, step.finished).Bind(8, step.use.cpu_seconds).Bind(9, step.use.cpu_percent);
    insert.Bind(10, step.use.peak_rss_bytes).Bind(11, step.use.read_bytes).Bind(12, step.use.write_bytes);
  }
  if (!step.error.empty()) insert.Bind(13, step.error);
  insert.Run();
}

void RunStore::RecordResources(const std::string& id, int attempt, double start_unix,
                               const std::vector<ResourceSample>& samples) {
  SqliteTransaction transaction(db_);
  SqliteStatement clear(db_, "DELETE FROM resources WHERE run_id = ? AND attempt = ?");
  clear.Bind(1, id).Bind(2, attempt).Run();
  SqliteStatement insert(db_,
                         "INSERT INTO resources (run_id, attempt, at, cpu_percent, rss_bytes, read_bytes, write_bytes) "
                         "VALUES (?, ?, ?, ?, ?, ?, ?)");
  // CPU % over at least the last 100 ms: a step boundary's mark taken a
  // millisecond after a sample would otherwise divide a tick by nothing.
  size_t base = 0;
  for (size_t i = 0; i < samples.size(); ++i) {
    const ResourceSample& sample = samples[i];
    while (base + 1 < i && samples[base + 1].seconds <= sample.seconds - 0.1) ++base;
    const ResourceSample& before = samples[base];
    double span = sample.seconds - before.seconds;
    double cpu_percent = span > 0 ? 100.0 * (sample.cpu_seconds - before.cpu_seconds) / span : 0;
    insert.Bind(1, id).Bind(2, attempt).Bind(3, start_unix + sample.seconds).Bind(4, cpu_percent).Bind(5, sample.rss_bytes);
    insert.Bind(6, sample.read_bytes - samples[0].read_bytes).Bind(7, sample.write_bytes - samples[0].write_bytes);
    insert.Run();
  }
  transaction.Commit();
}

void RunStore::Finish(const std::string& id, const RunOutcome& outcome) {
  SqliteTransaction transaction(db_);
  SqliteStatement update(db_,
                         "UPDATE runs SET status = ?, exit_code = ?, error = ?, finished = ?, summary = ?, artifact = ?, "
                         "fingerprint = ? WHERE id = ?");
  update.Bind(1, outcome.status).Bind(2, outcome.exit_code);
  if (!outcome.error.empty()) update.Bind(3, outcome.error);
  update.Bind(4, NowUnix());
  if (!outcome.summary.is_null()) update.Bind(5, outcome.summary.dump());
  if (!outcome.artifact.empty()) update.Bind(6, outcome.artifact);
  if (!outcome.fingerprint.empty()) update.Bind(7, outcome.fingerprint);
  update.Bind(8, id).Run();
  if (sqlite3_changes(db_.handle()) != 1) ThrowInternal(db_.path() + ": run " + id + " is not recorded");
  // A resumed run's outcome replaces the earlier attempt's.
  for (const char* table : {"params", "metrics", "curves"}) {
    SqliteStatement clear(db_, std::string("DELETE FROM ") + table + " WHERE run_id = ?");
    clear.Bind(1, id).Run();
  }
  SqliteStatement param(db_, "INSERT INTO params (run_id, key, value) VALUES (?, ?, ?)");
  for (const auto& [key, value] : outcome.params) param.Bind(1, id).Bind(2, key).Bind(3, value).Run();
  SqliteStatement metric(db_, "INSERT INTO metrics (run_id, key, value) VALUES (?, ?, ?)");
  for (const auto& [key, value] : outcome.metrics) metric.Bind(1, id).Bind(2, key).Bind(3, value).Run();
  SqliteStatement point(db_, "INSERT OR REPLACE INTO curves (run_id, series, step, value) VALUES (?, ?, ?, ?)");
  for (const auto& p : outcome.curves) point.Bind(1, id).Bind(2, p.series).Bind(3, p.step).Bind(4, p.value).Run();
  transaction.Commit();
}

std::string RunStore::Resolve(const std::string& prefix) {
  if (prefix.empty()) ThrowUsage("a run id is required (see sluice runs)");
  if (prefix == "latest") {
    SqliteStatement newest(db_, "SELECT id FROM runs ORDER BY started DESC, id DESC LIMIT 1");
    if (!newest.Step()) ThrowUsage("no run in " + db_.path() + " yet");
    return newest.Text(0);
  }
  SqliteStatement find(db_, "SELECT id FROM runs WHERE substr(id, 1, length(?1)) = ?1 ORDER BY id LIMIT 2");
  find.Bind(1, prefix);
  std::vector<std::string> ids;
  while (find.Step()) ids.push_back(find.Text(0));
  if (ids.empty()) ThrowUsage("no run " + prefix + " in " + db_.path() + " (see sluice runs)");
  if (ids.size() > 1) ThrowUsage("run id " + prefix + " is ambiguous (" + ids[0] + ", " + ids[1] + ", ...)");
  return ids[0];
}

RunRow RunStore::ReadRow(SqliteStatement& s) {
  RunRow row;
  row.id = s.Text(0);
  row.name = s.Text(1);
  row.verb = s.Text(2);
  row.pipeline = s.Text(3);
  row.status = s.Text(4);
  row.host = s.Text(5);
  row.error = s.Text(6);
  row.artifact = s.Text(7);
  row.fingerprint = s.Text(8);
  row.pid = s.Int(9);
  row.attempts = s.Int(10);
  row.started = s.Real(11);
  row.finished = s.OptionalReal(12);
  if (!s.IsNull(13)) row.exit_code = s.Int(13);
  row.invocation = RunInvocation::FromJson(nlohmann::json::parse(s.Text(14), nullptr, false));
  row.pid_start = s.Int(15);
  return row;
}

std::map<std::string, double> RunStore::Metrics(const std::string& id) {
  std::map<std::string, double> metrics;
  SqliteStatement select(db_, "SELECT key, value FROM metrics WHERE run_id = ?");
  select.Bind(1, id);
  while (select.Step()) metrics[select.Text(0)] = select.Real(1);
  return metrics;
}

std::vector<RunRow> RunStore::List(int limit) {
  SqliteStatement select(db_, std::string("SELECT ") + kRunColumns + " FROM runs ORDER BY started DESC, id DESC LIMIT ?");
  select.Bind(1, limit);
  std::vector<RunRow> rows;
  while (select.Step()) rows.push_back(ReadRow(select));
  for (auto& row : rows) row.metrics = Metrics(row.id);
  return rows;
}

RunRow RunStore::Get(const std::string& id) {
  SqliteStatement select(db_, std::string("SELECT ") + kRunColumns + " FROM runs WHERE id = ?");
  select.Bind(1, id);
  if (!select.Step()) ThrowUsage("no run " + id + " in " + db_.path());
  RunRow row = ReadRow(select);
  select.Reset();
  row.metrics = Metrics(id);
  return row;
}

nlohmann::json RunStore::Details(const std::string& id) {
  RunRow row = Get(id);
  const std::string status = EffectiveStatus(row);
  nlohmann::json details = {{"id", row.id},
                            {"name", row.name},
                            {"verb", row.verb},
                            {"pipeline", row.pipeline},
                            {"status", status},
                            {"host", row.host},
                            {"pid", row.pid},
                            {"attempts", row.attempts},
                            {"started", row.started},
                            {"finished", row.finished ? nlohmann::json(*row.finished) : nlohmann::json()},
                            {"exit_code", row.exit_code ? nlohmann::json(*row.exit_code) : nlohmann::json()},
                            {"error", row.error},
                            {"artifact", row.artifact},
                            {"fingerprint", row.fingerprint},
                            {"invocation", row.invocation.ToJson()},
                            {"metrics", row.metrics}};
  SqliteStatement summary(db_, "SELECT summary FROM runs WHERE id = ?");
  summary.Bind(1, id);
  details["summary"] = summary.Step() && !summary.IsNull(0) ? nlohmann::json::parse(summary.Text(0), nullptr, false)
                                                            : nlohmann::json();
  summary.Reset();

  nlohmann::json steps = nlohmann::json::array();
  SqliteStatement step(db_,
                       "SELECT attempt, seq, name, status, started, finished, cpu_seconds, cpu_percent, peak_rss_bytes, "
                       "read_bytes, write_bytes, error FROM steps WHERE run_id = ? ORDER BY attempt, seq");
  step.Bind(1, id);
  while (step.Step()) {
    nlohmann::json s = {{"attempt", step.Int(0)}, {"seq", step.Int(1)},      {"name", step.Text(2)},
                        {"status", step.Text(3)}, {"started", step.Real(4)}, {"error", step.Text(11)}};
    // A step left running by an attempt that is over was killed with it.
    if (step.IsNull(5) && (step.Int(0) < row.attempts || status != "running")) s["status"] = "killed";
    if (!step.IsNull(5)) {
      s["finished"] = step.Real(5);
      s["seconds"] = step.Real(5) - step.Real(4);
      s["cpu_seconds"] = step.Real(6);
      s["cpu_percent"] = step.Real(7);
      s["peak_rss_bytes"] = step.Int(8);
      s["read_bytes"] = step.Int(9);
      s["write_bytes"] = step.Int(10);
    }
    steps.push_back(std::move(s));
  }
  details["steps"] = std::move(steps);

  nlohmann::json params = nlohmann::json::object();
  SqliteStatement param(db_, "SELECT key, value FROM params WHERE run_id = ? ORDER BY key");
  param.Bind(1, id);
  while (param.Step()) params[param.Text(0)] = nlohmann::json::parse(param.Text(1), nullptr, false);
  details["params"] = std::move(params);

  nlohmann::json curves = nlohmann::json::object();
  SqliteStatement point(db_, "SELECT series, step, value FROM curves WHERE run_id = ? ORDER BY series, step");
  point.Bind(1, id);
  while (point.Step()) curves[point.Text(0)].push_back({point.Int(1), point.Real(2)});
  details["curves"] = std::move(curves);

  nlohmann::json resources = nlohmann::json::array();
  SqliteStatement sample(db_,
                         "SELECT attempt, at, cpu_percent, rss_bytes, read_bytes, write_bytes FROM resources "
                         "WHERE run_id = ? ORDER BY at");
  sample.Bind(1, id);
  while (sample.Step()) {
    resources.push_back({{"attempt", sample.Int(0)}, {"at", sample.Real(1)}, {"cpu_percent", sample.Real(2)},
                         {"rss_bytes", sample.Int(3)}, {"read_bytes", sample.Int(4)}, {"write_bytes", sample.Int(5)}});
  }
  details["resources"] = std::move(resources);
  return details;
}

std::string EffectiveStatus(const RunRow& row) {
  if (row.status != "running") return row.status;
  char host[256] = {};
  ::gethostname(host, sizeof host - 1);
  if (row.host != host) return "running";  // cannot tell from here
  return ProcessStartTicks(row.pid) == row.pid_start && row.pid_start != 0 ? "running" : "killed";
}

}  // namespace sluice
