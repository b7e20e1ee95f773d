#include "orchestrate/step_attempt.h"

#include <glob.h>
#include <unistd.h>

#include <cctype>
#include <chrono>
#include <filesystem>
#include <fstream>

#include "common/atomic_file.h"
#include "common/error.h"
#include "common/format.h"
#include "common/hash.h"
#include "common/log.h"
#include "history/registered_models.h"
#include "monitor/run_summary.h"
#include "sluice_version.h"

namespace sluice {

namespace fs = std::filesystem;

double SteadyNow() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}
double UnixNow() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

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

std::string LastLogLine(const std::string& path, std::streamoff from) {
  std::ifstream in(path);
  in.seekg(from);
  std::string line, last;
  while (std::getline(in, line)) {
    if (line.find_first_not_of(" \t\r") != std::string::npos) last = line;
  }
  return last;
}

namespace {

std::string EnvName(const std::string& step) {
  std::string name;
  for (char c : step) name += std::isalnum(static_cast<unsigned char>(c)) ? static_cast<char>(std::toupper(c)) : '_';
  return name;
}

}  // namespace

StepAttempts::StepAttempts(const PipelineSpec& spec, const StepGraph& graph, std::vector<StepState>& states,
                           RunRecorder& recorder, const GraphRunOptions& options, SqliteDatabase& db, StepCache& cache,
                           std::string work)
    : spec_(spec),
      graph_(graph),
      states_(states),
      recorder_(recorder),
      options_(options),
      db_(db),
      cache_(cache),
      work_(std::move(work)) {
  char exe[4096];
  ssize_t size = ::readlink("/proc/self/exe", exe, sizeof exe - 1);
  if (size <= 0) ThrowErrno("cannot find the sluice executable (/proc/self/exe)");
  exe_.assign(exe, static_cast<size_t>(size));
}

void StepAttempts::Log(const std::string& line) const {
  if (!options_.quiet) LogInfo(line);
}

// The direct need of `type`, or -1.
int StepAttempts::NeedOfType(size_t i, StepType type) const {
  for (const auto& need : StepAt(i).needs) {
    if (StepAt(IndexOf(need)).type == type) return static_cast<int>(IndexOf(need));
  }
  return -1;
}

std::string StepAttempts::OutputOf(size_t i) const {
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

std::string StepAttempts::SourceUri() const {
  const auto& source = spec_.resolved.value("source", nlohmann::json::object());
  return source.value("uri", std::string());
}

// The pipeline a prep, train or tune step runs: the file's, without its
// steps, reading what the steps it needs wrote.
nlohmann::json StepAttempts::StepPipeline(size_t i) const {
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
std::vector<std::string> StepAttempts::InputsOf(size_t i) const {
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

std::string StepAttempts::KeyOf(size_t i) {
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
      key.Add(cache_.TreeHash(file));
    }
  }
  return key.Hex();
}

std::vector<std::string> StepAttempts::ArgvOf(size_t i) {
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

std::map<std::string, std::string> StepAttempts::EnvOf(size_t i) {
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

std::optional<ChildOutcome> StepAttempts::Start(size_t i) {
  const StepSpec& step = StepAt(i);
  StepState& state = states_[i];
  ++state.attempts;
  state.timed_out = false;
  state.term_sent = 0;
  state.started_unix = UnixNow();
  state.seq = recorder_.StepBegan(step.name);
  cache_.Forget(spec_.name, step.name);  // its output is about to be rewritten
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
    return outcome;
  }
  state.log = work_ + "/" + step.name + ".log";
  state.stdout_path = work_ + "/" + step.name + ".out";
  if (step.type == StepType::kCommand && !state.output.empty()) {
    std::error_code ec;
    fs::create_directories(fs::path(state.output).parent_path(), ec);
  }
  std::error_code ec;
  state.log_offset = fs::exists(state.log, ec) ? static_cast<std::streamoff>(fs::file_size(state.log, ec)) : 0;
  {
    std::ofstream header(state.log, std::ios::app);
    header << "--- " << FormatLocalTime(state.started_unix) << " run " << recorder_.id() << " step " << step.name
           << attempt << "\n";
    state.log_offset = header.tellp();
  }
  std::vector<std::string> argv = ArgvOf(i);
  std::string shown;
  for (size_t a = 1; a < argv.size(); ++a) shown += (a > 1 ? " " : "") + argv[a];
  Log("step " + step.name + ": started" + attempt + ": " + (step.type == StepType::kCommand ? step.run : "sluice " + shown));
  state.child = ChildProcess::Start(argv, EnvOf(i), state.stdout_path, state.log);
  state.state = State::kRunning;
  return std::nullopt;
}

nlohmann::json StepAttempts::ModelResult(size_t i) const {
  return states_[static_cast<size_t>(graph_.ModelSourceOf(i))].result;
}

nlohmann::json StepAttempts::Evaluate(size_t i) {
  const StepSpec& step = StepAt(i);
  const TestMetrics metrics = RunSummary::FromJson(ModelResult(i)).metrics;
  nlohmann::json report{{"model", states_[static_cast<size_t>(graph_.ModelSourceOf(i))].output},
                        {"metrics", metrics.ToJson()},
                        {"gates", nlohmann::json::array()}};
  std::string failed;
  for (const auto& gate : step.require) {
    const std::optional<double> found = metrics.Find(gate.metric);
    if (!found) {
      std::string known;
      for (const auto& name : metrics.Names()) known += (known.empty() ? "" : ", ") + name;
      ThrowUsage("step '" + step.name + "': the model has no metric '" + gate.metric + "' (it has: " + known + ")");
    }
    const double value = *found;
    const bool passed = gate.Passes(value);
    report["gates"].push_back({{"gate", gate.ToString()}, {"value", value}, {"passed", passed}});
    if (!passed) failed += (failed.empty() ? "" : "; ") + gate.ToString() + " failed: " + gate.metric + " = " + FormatDouble(value);
  }
  WriteFileAtomically(states_[i].output, report.dump(2) + "\n");
  if (!failed.empty()) throw Error(ErrorKind::kInputData, "quality gate: " + failed);
  return report;
}

nlohmann::json StepAttempts::Deploy(size_t i) {
  const StepSpec& step = StepAt(i);
  const std::string model_dir = states_[static_cast<size_t>(graph_.ModelSourceOf(i))].output;
  const std::string model_hash = states_[static_cast<size_t>(graph_.ModelSourceOf(i))].outputs_hash;
  RegisteredModels models(db_, options_.state_dir);
  // The same model deployed again (a later step changed, not the model)
  // is the version already registered, not a new one.
  int version_number = 0;
  for (const auto& registered : models.List(spec_.name)) {
    std::error_code ec;
    if (fs::exists(registered.path, ec) && cache_.TreeHash(registered.path) == model_hash) {
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

void StepAttempts::Collect(size_t i) {
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
  state.outputs_hash = cache_.TreeHash(state.output);
}

}  // namespace sluice
