#include "orchestrate/graph_run.h"

#include <signal.h>

#include <algorithm>
#include <cstring>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <thread>

#include "common/error.h"
#include "common/format.h"
#include "common/log.h"
#include "history/registered_models.h"
#include "history/state_database.h"
#include "history/step_cache.h"
#include "orchestrate/child_process.h"
#include "orchestrate/step_attempt.h"

namespace sluice {

namespace {

namespace fs = std::filesystem;

constexpr double kPollSeconds = 0.02;
constexpr double kKillGraceSeconds = 10;

class GraphRunner {
 public:
  GraphRunner(const PipelineSpec& spec, const StepGraph& graph, RunRecorder& recorder, const GraphRunOptions& options)
      : spec_(spec), graph_(graph), recorder_(recorder), options_(options), states_(graph.steps.size()) {
    work_ = fs::absolute(spec.output).lexically_normal().string() + ".steps";
    db_ = OpenStateDatabase(options.state_dir);
    cache_ = std::make_unique<StepCache>(*db_);
    attempts_ = std::make_unique<StepAttempts>(spec, graph, states_, recorder, options, *db_, *cache_, work_);
  }

  GraphRunResult Run() {
    std::error_code ec;
    fs::create_directories(work_, ec);
    if (ec) ThrowIo("cannot create " + work_ + ": " + ec.message());
    Select();
    Loop();
    return Finish();
  }

 private:
  void Log(const std::string& line) const {
    if (!options_.quiet) LogInfo(line);
  }

  const StepSpec& StepAt(size_t i) const { return graph_.steps[i]; }
  size_t IndexOf(const std::string& name) const { return graph_.IndexOf(name); }

  // The recorded output is still there and unchanged.
  bool CacheHolds(size_t i, const CachedStep& entry) {
    StepState& state = states_[i];
    if (entry.key != state.key) return false;
    if (StepAt(i).type == StepType::kDeploy) {
      RegisteredModels models(*db_, options_.state_dir);
      const int version = entry.result.value("version", 0);
      for (const auto& v : models.List(spec_.name)) {
        if (v.version == version) return v.stage == StepAt(i).stage;
      }
      return false;
    }
    if (state.output.empty()) return true;
    std::error_code ec;
    if (!fs::exists(state.output, ec)) return false;
    return cache_->TreeHash(state.output) == entry.outputs_hash;
  }

  void RecordInstant(size_t i, const std::string& status, const std::string& error) {
    StepRecord record;
    record.name = StepAt(i).name;
    record.status = status;
    record.started = record.finished = UnixNow();
    record.error = error;
    recorder_.StepEnded(recorder_.StepBegan(record.name), record);
  }

  // --from / --only: which steps run; what they need comes from the cache.
  void Select() {
    const size_t n = graph_.steps.size();
    std::string flag;
    std::vector<bool> selected(n, true);
    if (!options_.only.empty()) {
      flag = "--only " + options_.only;
      selected.assign(n, false);
      selected[IndexOf(options_.only)] = true;
    } else if (!options_.from.empty()) {
      flag = "--from " + options_.from;
      selected = graph_.DownstreamOf(IndexOf(options_.from));
    }
    // Upstream of a selected step: must be in the cache.
    std::vector<bool> upstream(n, false);
    for (size_t i = n; i-- > 0;) {
      if (!selected[i] && !upstream[i]) continue;
      for (const auto& need : StepAt(i).needs) {
        if (!selected[IndexOf(need)]) upstream[IndexOf(need)] = true;
      }
    }
    for (size_t i = 0; i < n; ++i) {
      StepState& state = states_[i];
      state.selected = selected[i];
      state.forced = !flag.empty() && selected[i];
      state.output = attempts_->OutputOf(i);
      if (selected[i]) continue;
      if (!upstream[i]) {
        state.state = State::kNotRun;
        continue;
      }
      state.key = attempts_->KeyOf(i);
      auto entry = cache_->Find(spec_.name, StepAt(i).name);
      if (!entry || !CacheHolds(i, *entry)) {
        ThrowUsage(flag + ": step '" + StepAt(i).name + "' must run first (" +
                   (entry ? "its inputs or output changed since it ran" : "it has not run") + "); run without " +
                   flag.substr(0, flag.find(' ')));
      }
      UseCached(i, *entry);
    }
  }

  void UseCached(size_t i, const CachedStep& entry) {
    StepState& state = states_[i];
    state.state = State::kCached;
    state.outputs_hash = entry.outputs_hash;
    state.result = entry.result;
    state.cached_from = entry.run_id;
    RecordInstant(i, "cached", "");
    Log("step " + StepAt(i).name + ": cached (unchanged since run " + entry.run_id + ")");
  }

  // A waiting step whose needs are done: from the cache, or started.
  void Dispatch(size_t i) {
    StepState& state = states_[i];
    try {
      state.key = attempts_->KeyOf(i);
      if (StepAt(i).cache && !state.forced) {
        if (auto entry = cache_->Find(spec_.name, StepAt(i).name); entry && CacheHolds(i, *entry)) {
          UseCached(i, *entry);
          return;
        }
      }
      StartAttempt(i);
    } catch (const std::exception& error) {
      Fail(i, error.what(), 0, false);
    }
  }

  void Finished(size_t i, const ChildOutcome& outcome, bool in_process) {
    const StepSpec& step = StepAt(i);
    StepState& state = states_[i];
    state.child.reset();
    state.seconds += outcome.seconds;
    StepRecord record;
    record.name = step.name;
    record.started = state.started_unix;
    record.finished = UnixNow();
    record.use = outcome.use;
    std::string error;
    if (outcome.exit_code == 0 && !in_process) {
      try {
        attempts_->Collect(i);
      } catch (const std::exception& problem) {
        error = problem.what();
      }
    } else if (outcome.exit_code != 0) {
      error = in_process ? state.error
              : state.timed_out ? "timed out after " + FormatSeconds(step.timeout_seconds)
              : outcome.signal ? std::string("killed by signal ") + ::strsignal(outcome.signal)
                               : "exit " + std::to_string(outcome.exit_code);
      if (!in_process) {
        std::string last = LastLogLine(state.log, state.log_offset);
        if (!last.empty() && !state.timed_out) error += ": " + last;
      }
    }
    if (error.empty()) {
      record.status = "succeeded";
      recorder_.StepEnded(state.seq, record);
      if (step.type == StepType::kEvaluate || step.type == StepType::kDeploy) {
        state.outputs_hash = step.type == StepType::kDeploy ? spec_.name + "@" + std::to_string(state.result.value("version", 0))
                                                             : cache_->TreeHash(state.output);
      }
      cache_->Store(spec_.name, step.name, {state.key, state.outputs_hash, state.output, state.result, recorder_.id(), UnixNow()});
      state.state = State::kSucceeded;
      Log("step " + step.name + ": succeeded in " + FormatSeconds(outcome.seconds));
      return;
    }
    record.status = state.timed_out ? "timed-out" : "failed";
    record.error = error;
    recorder_.StepEnded(state.seq, record);
    // Usage and data errors (exit 2, 3) fail the same way every time.
    const bool permanent = step.type != StepType::kCommand && (outcome.exit_code == 2 || outcome.exit_code == 3);
    Fail(i, error, outcome.exit_code, !permanent);
  }

  void Fail(size_t i, const std::string& error, int exit_code, bool may_retry) {
    const StepSpec& step = StepAt(i);
    StepState& state = states_[i];
    state.error = error;
    state.exit_code = exit_code;
    if (may_retry && state.attempts <= step.retries && !stopping_) {
      double wait = std::min(step.backoff_seconds * std::pow(2.0, state.attempts - 1), step.max_backoff_seconds);
      state.state = State::kBackoff;
      state.not_before = SteadyNow() + wait;
      Log("step " + step.name + ": " + error + "; retrying in " + FormatSeconds(wait) + " (attempt " +
          std::to_string(state.attempts + 1) + " of " + std::to_string(step.retries + 1) + ")");
      return;
    }
    state.state = State::kFailed;
    if (state.seq == 0) RecordInstant(i, "failed", error);
    Log("step " + step.name + ": failed: " + error + (state.log.empty() ? "" : " (log: " + state.log + ")"));
  }

  // An attempt of step `i`; an in-process step ends within it.
  void StartAttempt(size_t i) {
    if (auto outcome = attempts_->Start(i)) Finished(i, *outcome, /*in_process=*/true);
  }

  bool Ready(size_t i, bool* blocked) const {
    *blocked = false;
    for (const auto& need : StepAt(i).needs) {
      State done = states_[IndexOf(need)].state;
      if (done == State::kFailed || done == State::kSkipped) *blocked = true;
      if (done != State::kSucceeded && done != State::kCached) return false;
    }
    return true;
  }

  void Loop() {
    const size_t n = graph_.steps.size();
    while (true) {
      if (!stopping_ && options_.stop_requested && options_.stop_requested->load()) {
        stopping_ = true;
        Log("run: stopping: the running steps are asked to stop (SIGTERM)");
        for (auto& state : states_) {
          if (state.child) state.child->Signal(SIGTERM);
        }
      }
      int running = 0;
      for (size_t i = 0; i < n; ++i) {
        StepState& state = states_[i];
        if (!state.child) continue;
        ChildOutcome outcome;
        if (state.child->Poll(&outcome)) {
          Finished(i, outcome, false);
          continue;
        }
        const double timeout = StepAt(i).timeout_seconds;
        if (timeout > 0 && !state.timed_out && state.child->SecondsRunning() > timeout) {
          state.timed_out = true;
          state.term_sent = SteadyNow();
          Log("step " + StepAt(i).name + ": over its timeout of " + FormatSeconds(timeout) + "; stopping it");
          state.child->Signal(SIGTERM);
        }
        if (state.term_sent > 0 && SteadyNow() - state.term_sent > kKillGraceSeconds) state.child->Signal(SIGKILL);
        if (state.child) ++running;
      }
      bool pending = false;
      for (size_t i = 0; i < n && !stopping_; ++i) {
        StepState& state = states_[i];
        if (state.state == State::kBackoff) {
          pending = true;
          if (SteadyNow() >= state.not_before && running < graph_.parallel) {
            try {
              StartAttempt(i);
            } catch (const std::exception& error) {
              Fail(i, error.what(), 0, false);
            }
            if (state.child) ++running;
          }
          continue;
        }
        if (state.state != State::kWaiting) continue;
        bool blocked = false;
        if (!Ready(i, &blocked)) {
          if (blocked) {
            state.state = State::kSkipped;
            Log("step " + StepAt(i).name + ": skipped (a step it needs failed)");
          } else {
            pending = true;
          }
          continue;
        }
        if (running >= graph_.parallel) {
          pending = true;
          continue;
        }
        Dispatch(i);
        if (states_[i].child) ++running;
        if (states_[i].state != State::kFailed && states_[i].state != State::kCached && states_[i].state != State::kSucceeded) {
          pending = true;
        }
        if (states_[i].state == State::kCached || states_[i].state == State::kSucceeded) i = static_cast<size_t>(-1);  // rescan: more may be ready
      }
      if (running == 0 && (!pending || stopping_)) break;
      std::this_thread::sleep_for(std::chrono::duration<double>(kPollSeconds));
    }
  }

  GraphRunResult Finish() {
    GraphRunResult out;
    nlohmann::json steps = nlohmann::json::array();
    int model = -1;
    std::string failed;
    int failed_exit = 0;
    for (size_t i = 0; i < graph_.steps.size(); ++i) {
      const StepSpec& step = StepAt(i);
      const StepState& state = states_[i];
      nlohmann::json item{{"name", step.name},
                          {"type", StepTypeName(step.type)},
                          {"status", StateName(state.state)},
                          {"attempts", state.attempts},
                          {"seconds", state.seconds}};
      if (!state.output.empty()) item["output"] = state.output;
      if (!state.key.empty()) item["key"] = state.key;
      if (!state.cached_from.empty()) item["cached_from"] = state.cached_from;
      if (!state.error.empty() && state.state == State::kFailed) item["error"] = state.error;
      if (!state.log.empty()) item["log"] = state.log;
      if (state.result.is_object() && state.result.contains("said")) item["said"] = state.result["said"];
      steps.push_back(item);
      if ((step.type == StepType::kTrain || step.type == StepType::kTune) && !state.result.is_null()) model = static_cast<int>(i);
      if (state.state == State::kFailed && failed.empty()) {
        failed = "step '" + step.name + "' failed" +
                 (state.attempts > 1 ? " after " + std::to_string(state.attempts) + " attempts" : "") + ": " + state.error +
                 (state.log.empty() ? "" : " (log: " + state.log + ")");
        failed_exit = state.exit_code;
      }
    }
    if (stopping_) ThrowInterrupted("stopped by a signal; the finished steps are cached: run it again to go on");
    if (!failed.empty()) {
      throw Error(failed_exit == 2 ? ErrorKind::kUsage : failed_exit == 3 ? ErrorKind::kInputData : ErrorKind::kIo, failed);
    }
    if (model >= 0) out.summary = RunSummary::FromJson(states_[static_cast<size_t>(model)].result);
    out.summary.pipeline = spec_.name;
    out.summary.steps = steps;
    out.register_artifact = model >= 0 && states_[static_cast<size_t>(model)].state == State::kSucceeded && !attempts_->deployed() &&
                            std::none_of(graph_.steps.begin(), graph_.steps.end(),
                                         [](const StepSpec& step) { return step.type == StepType::kDeploy; });
    return out;
  }

  const PipelineSpec& spec_;
  const StepGraph& graph_;
  RunRecorder& recorder_;
  const GraphRunOptions& options_;
  std::vector<StepState> states_;
  std::string work_;
  std::unique_ptr<SqliteDatabase> db_;
  std::unique_ptr<StepCache> cache_;
  std::unique_ptr<StepAttempts> attempts_;
  bool stopping_ = false;
};

}  // namespace

GraphRunResult RunGraph(const PipelineSpec& spec, const StepGraph& graph, RunRecorder& recorder,
                        const GraphRunOptions& options) {
  return GraphRunner(spec, graph, recorder, options).Run();
}

}  // namespace sluice
