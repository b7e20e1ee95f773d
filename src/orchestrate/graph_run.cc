#include "orchestrate/graph_run.h"

#include <glob.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cstring>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <thread>

#include "common/atomic_file.h"
#include "common/error.h"
#include "common/format.h"
#include "common/hash.h"
#include "common/log.h"
#include "history/registered_models.h"
#include "history/state_database.h"
#include "history/step_cache.h"
#include "orchestrate/child_process.h"
#include "sluice_version.h"

namespace sluice {

namespace {

namespace fs = std::filesystem;

constexpr double kPollSeconds = 0.02;
constexpr double kKillGraceSeconds = 10;

double SteadyNow() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}
double UnixNow() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

enum class State { kWaiting, kRunning, kBackoff, kSucceeded, kCached, kFailed, kSkipped, kNotRun };

const char* StateName(State state) {
  switch (state) {
    case State::kWaiting: return "waiting";
    case State::kRunning: return "running";
    case State::kBackoff: return "retrying";
    case State::kSucceeded: return "succeeded";
    case State::kCached: return "cached";
    case State::kFailed: return "failed";
    case State::kSkipped: return "skipped";
    case State::kNotRun: return "not run";
  }
  return "?";
}

struct StepState {
  State state = State::kWaiting;
  bool selected = true;  // runs in this invocation (--from / --only narrow it)
  bool forced = false;   // runs even when the cache holds it
  int attempts = 0;
  double not_before = 0;  // a retry waits until then (steady seconds)
  std::unique_ptr<ChildProcess> child;
  bool timed_out = false;
  double term_sent = 0;
  int seq = 0;  // its history record
  double started_unix = 0;
  std::string key, output, outputs_hash, error, log, stdout_path;
  nlohmann::json result;
  double seconds = 0;  // over every attempt
  int exit_code = 0;
  std::string cached_from;  // the run whose output it reuses
};

// The last non-empty line a step wrote to its log: the error it died with.
std::string LastLogLine(const std::string& path, std::streamoff from) {
  std::ifstream in(path);
  in.seekg(from);
  std::string line, last;
  while (std::getline(in, line)) {
    if (line.find_first_not_of(" \t\r") != std::string::npos) last = line;
  }
  return last;
}

std::string EnvName(const std::string& step) {
  std::string name;
  for (char c : step) name += std::isalnum(static_cast<unsigned char>(c)) ? static_cast<char>(std::toupper(c)) : '_';
  return name;
}

class GraphRunner {
 public:
  GraphRunner(const PipelineSpec& spec, const StepGraph& graph, RunRecorder& recorder, const GraphRunOptions& options)
      : spec_(spec), graph_(graph), recorder_(recorder), options_(options), states_(graph.steps.size()) {
    work_ = fs::absolute(spec.output).lexically_normal().string() + ".steps";
    char exe[4096];
    ssize_t size = ::readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (size <= 0) ThrowErrno("cannot find the sluice executable (/proc/self/exe)");
    exe_.assign(exe, static_cast<size_t>(size));
    db_ = OpenStateDatabase(options.state_dir);
    cache_ = std::make_unique<StepCache>(*db_);
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

  // The direct need of `type`, or -1.
  int NeedOfType(size_t i, StepType type) const {
    for (const auto& need : StepAt(i).needs) {
      if (StepAt(IndexOf(need)).type == type) return static_cast<int>(IndexOf(need));
    }
    return -1;
  }

  std::string OutputOf(size_t i) const {
    const StepSpec& step = StepAt(i);
    std::string output = step.output;
    if (output.empty()) {
      switch (step.type) {
        case StepType::kIngest: output = work_ + "/" + step.name + ".parquet"; break;
        case StepType::kPrep: output = work_ + "/" + step.name; break;
        case StepType::kTrain:
        case StepType::kTune: output = spec_.output; break;
        case StepType::kEvaluate: output = work_ + "/" + step.name + ".json"; break;
        case StepType::kTransform: output = work_ + "/" + step.name + ".csv"; break;
        case StepType::kDeploy:
        case StepType::kCommand: return "";
      }
    }
    return fs::absolute(output).lexically_normal().string();
  }

  std::string SourceUri() const {
    const auto& source = spec_.resolved.value("source", nlohmann::json::object());
    return source.value("uri", std::string());
  }

  // The pipeline a prep, train or tune step runs: the file's, without its
  // steps, reading what the steps it needs wrote.
  nlohmann::json StepPipeline(size_t i) const {
    const StepSpec& step = StepAt(i);
    nlohmann::json pipeline = spec_.resolved;
    pipeline.erase("steps");
    pipeline.erase("parallel_steps");
    pipeline["name"] = spec_.name;
    if (step.type == StepType::kTrain) pipeline.erase("tune");
    if (int ingest = NeedOfType(i, StepType::kIngest); ingest >= 0) {
      nlohmann::json& source = pipeline["source"];
      source["uri"] = states_[static_cast<size_t>(ingest)].output;
      for (const char* csv_only : {"format", "delimiter", "quote", "header", "null_values"}) source.erase(csv_only);
    }
    if (int prep = NeedOfType(i, StepType::kPrep); prep >= 0 && step.type != StepType::kPrep) {
      pipeline["train"]["prepared"] = states_[static_cast<size_t>(prep)].output;
    }
    if (step.type == StepType::kTrain || step.type == StepType::kTune) pipeline["output"] = OutputOf(i);
    return pipeline;
  }

  // What a step reads directly from files (not through another step).
  std::vector<std::string> InputsOf(size_t i) const {
    const StepSpec& step = StepAt(i);
    switch (step.type) {
      case StepType::kIngest: return {step.input.empty() ? SourceUri() : step.input};
      case StepType::kPrep:
      case StepType::kTrain:
      case StepType::kTune: {
        if (NeedOfType(i, StepType::kIngest) >= 0 || NeedOfType(i, StepType::kPrep) >= 0) return {};
        if (!spec_.train_prepared.empty()) return {spec_.train_prepared};
        return {SourceUri()};
      }
      case StepType::kTransform: return {step.input};
      case StepType::kCommand: return step.inputs;
      default: return {};
    }
  }

  std::string KeyOf(size_t i) {
    const StepSpec& step = StepAt(i);
    FingerprintBuilder key;
    key.Add(SLUICE_VERSION);
    key.Add(StepTypeName(step.type));
    key.Add(step.definition.dump());
    // What a step needs counts by the content of its output, so a step
    // re-run with the same result does not invalidate what follows it; a
    // step without an output (a command) counts by its key.
    for (const auto& need : step.needs) {
      const StepState& done = states_[IndexOf(need)];
      key.Add(need + "=" + (done.outputs_hash.empty() ? "key:" + done.key : done.outputs_hash));
    }
    if (step.type == StepType::kPrep || step.type == StepType::kTrain || step.type == StepType::kTune) {
      key.Add(StepPipeline(i).dump());
    }
    if (step.type == StepType::kIngest || step.type == StepType::kTransform || step.type == StepType::kCommand) {
      key.Add(OutputOf(i));
    }
    if (step.type == StepType::kIngest) key.Add(spec_.resolved.value("source", nlohmann::json::object()).dump());
    if (step.type == StepType::kDeploy) key.Add(spec_.name + "@" + step.stage);
    if (int model = graph_.ModelSourceOf(i); model >= 0) key.Add("model=" + states_[static_cast<size_t>(model)].outputs_hash);
    for (const auto& input : InputsOf(i)) {
      if (input.empty()) ThrowUsage("step '" + step.name + "': the pipeline's source.uri is not set");
      glob_t matches{};
      int found = ::glob(input.c_str(), GLOB_NOCHECK | GLOB_BRACE, nullptr, &matches);
      std::vector<std::string> files;
      if (found == 0) files.assign(matches.gl_pathv, matches.gl_pathv + matches.gl_pathc);
      ::globfree(&matches);
      for (const auto& file : files) {
        if (!fs::exists(file)) ThrowUsage("step '" + step.name + "': its input " + file + " does not exist");
        key.Add(file);
        key.Add(cache_->TreeHash(file));
      }
    }
    return key.Hex();
  }

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
      state.output = OutputOf(i);
      if (selected[i]) continue;
      if (!upstream[i]) {
        state.state = State::kNotRun;
        continue;
      }
      state.key = KeyOf(i);
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
      state.key = KeyOf(i);
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

  std::vector<std::string> ArgvOf(size_t i) {
    const StepSpec& step = StepAt(i);
    StepState& state = states_[i];
    auto with_overrides = [&](std::vector<std::string> argv) {
      for (const auto& assignment : step.overrides) {
        argv.push_back("--set");
        argv.push_back(assignment);
      }
      return argv;
    };
    auto pipeline_file = [&]() {
      std::string path = work_ + "/" + step.name + ".pipeline.json";
      WriteFileAtomically(path, StepPipeline(i).dump(2) + "\n");
      return path;
    };
    switch (step.type) {
      case StepType::kIngest: {
        // The source's CSV options and schema apply to what ingest reads.
        const std::string source_of = work_ + "/" + step.name + ".pipeline.json";
        WriteFileAtomically(source_of, spec_.resolved.dump(2) + "\n");
        return {exe_, "convert", InputsOf(i)[0], state.output, "--source-of", source_of};
      }
      case StepType::kPrep: return with_overrides({exe_, "prep", pipeline_file(), "--out", state.output, "--json"});
      case StepType::kTrain:
      case StepType::kTune: return with_overrides({exe_, "run", pipeline_file(), "--json"});
      case StepType::kTransform:
        return {exe_, "transform", "--model", states_[static_cast<size_t>(graph_.ModelSourceOf(i))].output, "--input",
                step.input, "--output", state.output};
      case StepType::kCommand: return {"/bin/sh", "-c", step.run};
      default: return {};
    }
  }

  std::map<std::string, std::string> EnvOf(size_t i) {
    const StepSpec& step = StepAt(i);
    std::map<std::string, std::string> env{{"SLUICE_STEP_OF", recorder_.id()},
                                           {"SLUICE_RUN_ID", recorder_.id()},
                                           {"SLUICE_STEP", step.name},
                                           {"SLUICE_STATE_DIR", options_.state_dir},
                                           {"SLUICE_STEP_OUTPUT", states_[i].output},
                                           {"SLUICE_LOG_FORMAT", CurrentLogFormat() == LogFormat::kJson ? "json" : "text"}};
    for (const auto& need : step.needs) {
      const StepState& done = states_[IndexOf(need)];
      if (!done.output.empty()) env["SLUICE_OUTPUT_" + EnvName(need)] = done.output;
    }
    try {
      if (int model = graph_.ModelSourceOf(i); model >= 0) env["SLUICE_MODEL"] = states_[static_cast<size_t>(model)].output;
    } catch (const Error&) {
      // Several models upstream of a command: it names the one it wants by SLUICE_OUTPUT_<STEP>.
    }
    return env;
  }

  void StartAttempt(size_t i) {
    const StepSpec& step = StepAt(i);
    StepState& state = states_[i];
    ++state.attempts;
    state.timed_out = false;
    state.term_sent = 0;
    state.started_unix = UnixNow();
    state.seq = recorder_.StepBegan(step.name);
    cache_->Forget(spec_.name, step.name);  // its output is about to be rewritten
    const std::string attempt =
        step.retries > 0 ? " (attempt " + std::to_string(state.attempts) + " of " + std::to_string(step.retries + 1) + ")" : "";
    if (step.type == StepType::kEvaluate || step.type == StepType::kDeploy) {
      Log("step " + step.name + ": started" + attempt);
      auto started = SteadyNow();
      ChildOutcome outcome;
      try {
        state.result = step.type == StepType::kEvaluate ? Evaluate(i) : Deploy(i);
      } catch (const Error& error) {
        outcome.exit_code = error.exit_code();
        state.error = error.what();
      } catch (const std::exception& error) {
        outcome.exit_code = 1;
        state.error = error.what();
      }
      outcome.seconds = outcome.use.seconds = SteadyNow() - started;
      Finished(i, outcome, /*in_process=*/true);
      return;
    }
    state.log = work_ + "/" + step.name + ".log";
    state.stdout_path = work_ + "/" + step.name + ".out";
    if (step.type == StepType::kCommand && !state.output.empty()) {
      std::error_code ec;
      fs::create_directories(fs::path(state.output).parent_path(), ec);
    }
    std::error_code ec;
    log_offset_[i] = fs::exists(state.log, ec) ? static_cast<std::streamoff>(fs::file_size(state.log, ec)) : 0;
    {
      std::ofstream header(state.log, std::ios::app);
      header << "--- " << FormatLocalTime(state.started_unix) << " run " << recorder_.id() << " step " << step.name
             << attempt << "\n";
      log_offset_[i] = header.tellp();
    }
    std::vector<std::string> argv = ArgvOf(i);
    std::string shown;
    for (size_t a = 1; a < argv.size(); ++a) shown += (a > 1 ? " " : "") + argv[a];
    Log("step " + step.name + ": started" + attempt + ": " + (step.type == StepType::kCommand ? step.run : "sluice " + shown));
    state.child = ChildProcess::Start(argv, EnvOf(i), state.stdout_path, state.log);
    state.state = State::kRunning;
  }

  nlohmann::json ModelResult(size_t i) const {
    return states_[static_cast<size_t>(graph_.ModelSourceOf(i))].result;
  }

  nlohmann::json Evaluate(size_t i) {
    const StepSpec& step = StepAt(i);
    nlohmann::json model = ModelResult(i);
    nlohmann::json metrics = model.value("metrics", nlohmann::json::object());
    nlohmann::json report{{"model", states_[static_cast<size_t>(graph_.ModelSourceOf(i))].output},
                          {"metrics", metrics},
                          {"gates", nlohmann::json::array()}};
    std::string failed;
    for (const auto& gate : step.require) {
      if (!metrics.contains(gate.metric) || !metrics[gate.metric].is_number()) {
        std::string known;
        for (const auto& [name, value] : metrics.items()) known += (known.empty() ? "" : ", ") + name;
        ThrowUsage("step '" + step.name + "': the model has no metric '" + gate.metric + "' (it has: " + known + ")");
      }
      const double value = metrics[gate.metric].get<double>();
      const bool passed = gate.Passes(value);
      report["gates"].push_back({{"gate", gate.ToString()}, {"value", value}, {"passed", passed}});
      if (!passed) failed += (failed.empty() ? "" : "; ") + gate.ToString() + " failed: " + gate.metric + " = " + FormatDouble(value);
    }
    WriteFileAtomically(states_[i].output, report.dump(2) + "\n");
    if (!failed.empty()) throw Error(ErrorKind::kInputData, "quality gate: " + failed);
    return report;
  }

  nlohmann::json Deploy(size_t i) {
    const StepSpec& step = StepAt(i);
    const std::string model_dir = states_[static_cast<size_t>(graph_.ModelSourceOf(i))].output;
    const std::string model_hash = states_[static_cast<size_t>(graph_.ModelSourceOf(i))].outputs_hash;
    RegisteredModels models(*db_, options_.state_dir);
    // The same model deployed again (a later step changed, not the model)
    // is the version already registered, not a new one.
    int version_number = 0;
    for (const auto& registered : models.List(spec_.name)) {
      std::error_code ec;
      if (fs::exists(registered.path, ec) && cache_->TreeHash(registered.path) == model_hash) {
        version_number = registered.version;
        break;
      }
    }
    const bool known = version_number > 0;
    if (!known) version_number = models.Register(spec_.name, model_dir, recorder_.id()).version;
    ModelVersion version = models.Promote(spec_.name, version_number, step.stage);
    Log("step " + step.name + ": " + (known ? "already registered as " : "registered ") + spec_.name + " v" +
        std::to_string(version.version) + "; in " + step.stage);
    deployed_ = true;
    return version.ToJson();
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
        CollectResult(i);
      } catch (const std::exception& problem) {
        error = problem.what();
      }
    } else if (outcome.exit_code != 0) {
      error = in_process ? state.error
              : state.timed_out ? "timed out after " + FormatSeconds(step.timeout_seconds)
              : outcome.signal ? std::string("killed by signal ") + ::strsignal(outcome.signal)
                               : "exit " + std::to_string(outcome.exit_code);
      if (!in_process) {
        std::string last = LastLogLine(state.log, log_offset_[i]);
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

  void CollectResult(size_t i) {
    const StepSpec& step = StepAt(i);
    StepState& state = states_[i];
    if (step.type == StepType::kPrep || step.type == StepType::kTrain || step.type == StepType::kTune) {
      state.result = nlohmann::json::parse(ReadFileToString(state.stdout_path), nullptr, false);
      if (state.result.is_discarded()) ThrowInternal("its summary (" + state.stdout_path + ") is not JSON");
    } else {
      // What the step said last on stdout (a conversion's row counts).
      std::string said = LastLogLine(state.stdout_path, 0);
      state.result = {{"output", state.output}};
      if (!said.empty()) state.result["said"] = said;
    }
    if (state.output.empty()) {
      state.outputs_hash = "";
      return;
    }
    std::error_code ec;
    if (!fs::exists(state.output, ec)) ThrowIo("it succeeded but wrote no " + state.output);
    state.outputs_hash = cache_->TreeHash(state.output);
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
    out.summary = model >= 0 ? states_[static_cast<size_t>(model)].result : nlohmann::json::object();
    out.summary["pipeline"] = spec_.name;
    out.summary["steps"] = steps;
    out.register_artifact = model >= 0 && states_[static_cast<size_t>(model)].state == State::kSucceeded && !deployed_ &&
                            std::none_of(graph_.steps.begin(), graph_.steps.end(),
                                         [](const StepSpec& step) { return step.type == StepType::kDeploy; });
    return out;
  }

  const PipelineSpec& spec_;
  const StepGraph& graph_;
  RunRecorder& recorder_;
  const GraphRunOptions& options_;
  std::vector<StepState> states_;
  std::map<size_t, std::streamoff> log_offset_;
  std::string work_, exe_;
  std::unique_ptr<SqliteDatabase> db_;
  std::unique_ptr<StepCache> cache_;
  bool stopping_ = false;
  bool deployed_ = false;
};

}  // namespace

GraphRunResult RunGraph(const PipelineSpec& spec, const StepGraph& graph, RunRecorder& recorder,
                        const GraphRunOptions& options) {
  return GraphRunner(spec, graph, recorder, options).Run();
}

}  // namespace sluice
