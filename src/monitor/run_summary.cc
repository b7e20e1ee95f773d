#include "monitor/run_summary.h"

namespace sluice {

namespace {

using Json = nlohmann::json;

// The value at `key`, or `fallback` where an older (or foreign) document has
// no such key or another type there: FromJson never fails on what it reads.
template <typename T>
T Read(const Json& json, const char* key, T fallback) {
  if (!json.is_object()) return fallback;
  auto found = json.find(key);
  if (found == json.end() || found->is_null()) return fallback;
  try {
    return found->get<T>();
  } catch (const Json::exception&) {
    return fallback;
  }
}

Json Member(const Json& json, const char* key) {
  if (!json.is_object()) return Json();
  auto found = json.find(key);
  return found == json.end() ? Json() : *found;
}

Json CurvesToJson(const Curves& curves) {
  Json out = Json::object();
  for (const auto& [series, values] : curves) out[series] = values;
  return out;
}

Curves CurvesFromJson(const Json& json) {
  Curves out;
  if (!json.is_object()) return out;
  for (const auto& [series, values] : json.items()) {
    if (!values.is_array()) continue;
    std::vector<double>& points = out[series];
    for (const auto& value : values) {
      if (value.is_number()) points.push_back(value.get<double>());
    }
  }
  return out;
}

// The members of a JSON array read with `from`, skipping what is not an object.
template <typename T>
std::vector<T> ListFromJson(const Json& json, T (*from)(const Json&)) {
  std::vector<T> out;
  if (!json.is_array()) return out;
  for (const auto& item : json) {
    if (item.is_object()) out.push_back(from(item));
  }
  return out;
}

template <typename T>
Json ListToJson(const std::vector<T>& items) {
  Json out = Json::array();
  for (const auto& item : items) out.push_back(item.ToJson());
  return out;
}

}  // namespace

Json RowCounts::ToJson() const {
  Json out = {{"read", read},
              {"rejected", rejected},
              {"blank", blank},
              {"filtered", filtered},
              {"filtered_by_filter", filtered_by_filter},
              {"filtered_missing_target", filtered_missing_target},
              {"filtered_missing_value", filtered_missing_value},
              {"filtered_unseen_label", filtered_unseen_label},
              {"filtered_unread", filtered_unread},
              {"kept", kept},
              {"train", train},
              {"valid", valid},
              {"test", test}};
  if (texts) {
    out["tokenized_texts"] = texts->tokenized;
    out["truncated_texts"] = texts->truncated;
    out["max_tokens"] = texts->max_tokens;
  }
  return out;
}

RowCounts RowCounts::FromJson(const Json& json) {
  RowCounts out;
  out.read = Read<int64_t>(json, "read", 0);
  out.rejected = Read<int64_t>(json, "rejected", 0);
  out.blank = Read<int64_t>(json, "blank", 0);
  out.filtered = Read<int64_t>(json, "filtered", 0);
  out.filtered_by_filter = Read<int64_t>(json, "filtered_by_filter", 0);
  out.filtered_missing_target = Read<int64_t>(json, "filtered_missing_target", 0);
  out.filtered_missing_value = Read<int64_t>(json, "filtered_missing_value", 0);
  out.filtered_unseen_label = Read<int64_t>(json, "filtered_unseen_label", 0);
  out.filtered_unread = Read<int64_t>(json, "filtered_unread", 0);
  out.kept = Read<int64_t>(json, "kept", 0);
  out.train = Read<int64_t>(json, "train", 0);
  out.valid = Read<int64_t>(json, "valid", 0);
  out.test = Read<int64_t>(json, "test", 0);
  if (json.is_object() && json.contains("tokenized_texts")) {
    out.texts = TextCuts{Read<int64_t>(json, "tokenized_texts", 0), Read<int64_t>(json, "truncated_texts", 0),
                         Read<int64_t>(json, "max_tokens", 0)};
  }
  return out;
}

Json SplitShares::ToJson() const { return {{"train", train}, {"valid", valid}, {"test", test}}; }

std::optional<SplitShares> SplitShares::FromJson(const Json& json) {
  if (!json.is_object()) return std::nullopt;
  return SplitShares{Read<double>(json, "train", 0), Read<double>(json, "valid", 0), Read<double>(json, "test", 0)};
}

Json CheckOutcome::ToJson() const {
  Json example_list = Json::array();
  for (const auto& example : examples) example_list.push_back({{"line", example.line}, {"value", example.value}});
  return {{"name", name},   {"kind", kind},       {"column", column}, {"severity", severity}, {"rows", rows},
          {"failing", failing}, {"share", share}, {"passed", passed}, {"examples", example_list}};
}

CheckOutcome CheckOutcome::FromJson(const Json& json) {
  CheckOutcome out;
  out.name = Read<std::string>(json, "name", "");
  out.kind = Read<std::string>(json, "kind", "");
  out.column = Read<std::string>(json, "column", "");
  out.severity = Read<std::string>(json, "severity", "error");
  out.rows = Read<int64_t>(json, "rows", 0);
  out.failing = Read<int64_t>(json, "failing", 0);
  out.share = Read<double>(json, "share", 0);
  out.passed = Read<bool>(json, "passed", true);
  const Json examples = Member(json, "examples");
  if (examples.is_array()) {
    for (const auto& example : examples) {
      out.examples.push_back({Read<int64_t>(example, "line", 0), Read<std::string>(example, "value", "")});
    }
  }
  return out;
}

std::optional<double> TestMetrics::Find(const std::string& name) const {
  if (auto score = scores.find(name); score != scores.end()) return score->second;
  if (auto count = rows.find(name); count != rows.end()) return static_cast<double>(count->second);
  return std::nullopt;
}

std::vector<std::string> TestMetrics::Names() const {
  std::map<std::string, int> sorted;
  for (const auto& [name, value] : scores) sorted[name];
  for (const auto& [name, value] : rows) sorted[name];
  std::vector<std::string> out;
  for (const auto& [name, unused] : sorted) out.push_back(name);
  return out;
}

Json TestMetrics::ToJson() const {
  Json out = Json::object();
  for (const auto& [name, value] : scores) out[name] = value;
  for (const auto& [name, count] : rows) out[name] = count;
  if (!confusion.empty()) out["confusion_matrix"] = confusion;
  if (!classes.empty()) out["classes"] = classes;
  return out;
}

TestMetrics TestMetrics::FromJson(const Json& json) {
  TestMetrics out;
  if (!json.is_object()) return out;
  for (const auto& [name, value] : json.items()) {
    if (!value.is_number()) continue;
    // Row counts are integers; a score that happens to be whole stays a score.
    if (name.rfind("rows_", 0) == 0 && value.is_number_integer()) {
      out.rows[name] = value.get<int64_t>();
    } else {
      out.scores[name] = value.get<double>();
    }
  }
  const Json matrix = Member(json, "confusion_matrix");
  if (matrix.is_array()) {
    for (const auto& counts : matrix) {
      std::vector<int64_t>& row = out.confusion.emplace_back();
      if (!counts.is_array()) continue;
      for (const auto& count : counts) row.push_back(count.is_number() ? count.get<int64_t>() : 0);
    }
  }
  out.classes = Read<std::vector<std::string>>(json, "classes", {});
  return out;
}

double StageSeconds::Sum(std::initializer_list<std::optional<double>> stages) const {
  double total = 0;
  for (const auto& stage : stages) total += stage.value_or(0);
  return total;
}

std::map<std::string, double> StageSeconds::Present() const {
  std::map<std::string, double> out;
  const std::pair<const char*, const std::optional<double>*> stages[] = {
      {"read_fit", &read_fit}, {"apply", &apply}, {"prep", &prep}, {"train", &train},
      {"evaluate", &evaluate}, {"save", &save},   {"total", &total}};
  for (const auto& [name, value] : stages) {
    if (*value) out[name] = **value;
  }
  return out;
}

Json StageSeconds::ToJson() const {
  Json out = Json::object();
  for (const auto& [name, value] : Present()) out[name] = value;
  return out;
}

StageSeconds StageSeconds::FromJson(const Json& json) {
  StageSeconds out;
  auto read = [&](const char* key) -> std::optional<double> {
    const Json value = Member(json, key);
    if (value.is_number()) return value.get<double>();
    return std::nullopt;
  };
  out.read_fit = read("read_fit");
  out.apply = read("apply");
  out.prep = read("prep");
  out.train = read("train");
  out.evaluate = read("evaluate");
  out.save = read("save");
  out.total = read("total");
  return out;
}

Json TuningRecord::ToJson() const {
  Json params = Json::object();
  for (const auto& [key, value] : best_params) params[key] = value;
  return {{"strategy", strategy},
          {"trials_run", trials_run},
          {"ok", ok},
          {"pruned", pruned},
          {"failed", failed},
          {"warm_trials", warm_trials},
          {"resumed_trials", resumed_trials},
          {"parallel", parallel},
          {"threads_per_trial", threads_per_trial},
          {"best_trial", best_trial},
          {"best_params", params},
          {"metric", metric},
          {"best_score", best_score},
          {"seconds", seconds},
          {"table", table},
          {"trials", trials}};
}

TuningRecord TuningRecord::FromJson(const Json& json) {
  TuningRecord out;
  out.strategy = Read<std::string>(json, "strategy", "");
  out.metric = Read<std::string>(json, "metric", "score");
  out.trials_run = Read<int>(json, "trials_run", 0);
  out.ok = Read<int>(json, "ok", 0);
  out.pruned = Read<int>(json, "pruned", 0);
  out.failed = Read<int>(json, "failed", 0);
  out.warm_trials = Read<int>(json, "warm_trials", 0);
  out.resumed_trials = Read<int>(json, "resumed_trials", 0);
  out.parallel = Read<int>(json, "parallel", 1);
  out.threads_per_trial = Read<int>(json, "threads_per_trial", 0);
  out.best_trial = Read<int>(json, "best_trial", -1);
  out.best_score = Read<double>(json, "best_score", 0);
  const Json params = Member(json, "best_params");
  if (params.is_object()) {
    for (const auto& [key, value] : params.items()) out.best_params[key] = value.is_string() ? value.get<std::string>() : value.dump();
  }
  out.seconds = Read<double>(json, "seconds", 0);
  out.table = Read<std::string>(json, "table", "");
  const Json trials = Member(json, "trials");
  if (trials.is_array()) out.trials = trials;
  return out;
}

Json LearnerSummary::ToJson() const {
  return {{"learner", learner},
          {"artifact", artifact},
          {"rejects_file", rejects_file},
          {"metrics", metrics.ToJson()},
          {"model", model},
          {"curves", CurvesToJson(curves)},
          {"features", features},
          {"matrix_bytes", matrix_bytes},
          {"seconds", seconds.ToJson()}};
}

LearnerSummary LearnerSummary::FromJson(const Json& json) {
  LearnerSummary out;
  out.learner = Read<std::string>(json, "learner", "");
  out.artifact = Read<std::string>(json, "artifact", "");
  out.rejects_file = Read<std::string>(json, "rejects_file", "");
  out.metrics = TestMetrics::FromJson(Member(json, "metrics"));
  const Json model = Member(json, "model");
  if (model.is_object()) out.model = model;
  out.curves = CurvesFromJson(Member(json, "curves"));
  out.features = Read<int64_t>(json, "features", 0);
  out.matrix_bytes = Read<double>(json, "matrix_bytes", 0);
  out.seconds = StageSeconds::FromJson(Member(json, "seconds"));
  return out;
}

Json RunSummary::ToJson() const {
  Json out = Json::object();
  if (trained()) {
    out["name"] = name;
    out["task"] = task;
    out["artifact"] = artifact;
    out["rejects_file"] = rejects_file;
    out["first_reject"] = first_reject;
    out["fingerprint"] = fingerprint;
    out["rows"] = rows.ToJson();
    if (split) out["split"] = split->ToJson();
    Json unused = Json::array();
    for (const auto& column : unused_columns) unused.push_back({{"name", column.name}, {"reason", column.reason}});
    out["unused_columns"] = unused;
    // A text job with several learners has no one model: each learner has its own.
    const bool one_model = !text || learners.size() == 1;
    if (one_model) {
      out["features"] = features;
      out["metrics"] = metrics.ToJson();
      out["model"] = model;
      out["matrix_bytes"] = matrix_bytes;
    }
    if (!text) {
      out["used_columns"] = used_columns;
      out["checks"] = ListToJson(checks);
    }
    out["curves"] = CurvesToJson(curves);
    out["seconds"] = seconds.ToJson();
    out["peak_rss_bytes"] = peak_rss_bytes;
    if (!rank_hosts.empty()) out["rank_hosts"] = rank_hosts;
    if (tuning) out["tuning"] = tuning->ToJson();
    if (text) {
      out["kind"] = "text";
      out["vocabulary"] = vocabulary;
      out["classes"] = classes;
      out["learners"] = ListToJson(learners);
    }
  }
  if (!steps.is_null()) {
    out["pipeline"] = pipeline;
    out["steps"] = steps;
  }
  if (!run_id.empty()) out["run_id"] = run_id;
  if (!registered.is_null()) out["registered"] = registered;
  return out;
}

RunSummary RunSummary::FromJson(const Json& json) {
  RunSummary out;
  out.name = Read<std::string>(json, "name", "");
  out.text = Read<std::string>(json, "kind", "") == "text";
  out.task = Read<std::string>(json, "task", "");
  out.artifact = Read<std::string>(json, "artifact", "");
  out.rejects_file = Read<std::string>(json, "rejects_file", "");
  out.first_reject = Read<std::string>(json, "first_reject", "");
  out.fingerprint = Read<std::string>(json, "fingerprint", "");
  out.rows = RowCounts::FromJson(Member(json, "rows"));
  out.split = SplitShares::FromJson(Member(json, "split"));
  out.features = Read<int64_t>(json, "features", 0);
  out.used_columns = Read<std::vector<std::string>>(json, "used_columns", {});
  const Json unused = Member(json, "unused_columns");
  if (unused.is_array()) {
    for (const auto& column : unused) {
      // Older summaries hold names only.
      if (column.is_string()) out.unused_columns.push_back({column.get<std::string>(), ""});
      if (column.is_object()) out.unused_columns.push_back({Read<std::string>(column, "name", ""), Read<std::string>(column, "reason", "")});
    }
  }
  out.checks = ListFromJson(Member(json, "checks"), &CheckOutcome::FromJson);
  out.metrics = TestMetrics::FromJson(Member(json, "metrics"));
  const Json model = Member(json, "model");
  if (model.is_object()) out.model = model;
  out.curves = CurvesFromJson(Member(json, "curves"));
  out.seconds = StageSeconds::FromJson(Member(json, "seconds"));
  out.matrix_bytes = Read<double>(json, "matrix_bytes", 0);
  out.peak_rss_bytes = Read<double>(json, "peak_rss_bytes", 0);
  out.rank_hosts = Read<std::vector<std::string>>(json, "rank_hosts", {});
  const Json tuning = Member(json, "tuning");
  if (tuning.is_object()) out.tuning = TuningRecord::FromJson(tuning);
  out.vocabulary = Read<int64_t>(json, "vocabulary", 0);
  out.classes = Read<std::vector<std::string>>(json, "classes", {});
  out.learners = ListFromJson(Member(json, "learners"), &LearnerSummary::FromJson);
  out.pipeline = Read<std::string>(json, "pipeline", "");
  out.steps = Member(json, "steps");
  out.run_id = Read<std::string>(json, "run_id", "");
  out.registered = Member(json, "registered");
  return out;
}

}  // namespace sluice
