#include "orchestrate/step_graph.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <set>

#include "common/error.h"
#include "common/format.h"

namespace sluice {

namespace {

struct TypeName {
  StepType type;
  const char* name;
};
constexpr TypeName kTypes[] = {{StepType::kIngest, "ingest"},       {StepType::kPrep, "prep"},
                               {StepType::kTrain, "train"},         {StepType::kTune, "tune"},
                               {StepType::kEvaluate, "evaluate"},   {StepType::kTransform, "transform"},
                               {StepType::kDeploy, "deploy"},       {StepType::kCommand, "command"}};

const std::set<std::string> kStepKeys = {"name",   "type",   "needs", "retries", "backoff", "max_backoff", "timeout",
                                         "cache",  "input",  "output", "run",    "inputs",  "set",         "stage",
                                         "require"};

bool ProducesModel(StepType type) { return type == StepType::kTrain || type == StepType::kTune; }

class StepReader {
 public:
  StepReader(std::string file, size_t index, const nlohmann::json& step) : file_(std::move(file)), index_(index), step_(step) {
    where_ = file_ + ": steps[" + std::to_string(index_) + "]";
    if (step.is_object() && step.contains("name") && step["name"].is_string()) {
      where_ += " (" + step["name"].get<std::string>() + ")";
    }
  }

  [[noreturn]] void Fail(const std::string& problem) const { ThrowUsage(where_ + ": " + problem); }

  std::string String(const char* key, bool required) const {
    if (!step_.contains(key)) {
      if (required) Fail(std::string("`") + key + "` is not set");
      return "";
    }
    const auto& value = step_[key];
    if (value.is_string()) return value.get<std::string>();
    if (value.is_number()) return value.dump();
    Fail(std::string("`") + key + "` must be a string");
  }

  std::vector<std::string> Strings(const char* key) const {
    std::vector<std::string> out;
    if (!step_.contains(key) || step_[key].is_null()) return out;
    const auto& value = step_[key];
    if (value.is_string()) return {value.get<std::string>()};
    if (!value.is_array()) Fail(std::string("`") + key + "` must be a list of strings");
    for (const auto& item : value) {
      if (!item.is_string()) Fail(std::string("`") + key + "` must be a list of strings");
      out.push_back(item.get<std::string>());
    }
    return out;
  }

  const std::string& where() const { return where_; }

 private:
  std::string file_;
  size_t index_;
  const nlohmann::json& step_;
  std::string where_;
};

MetricGate ParseGate(const std::string& metric, const nlohmann::json& value, const StepReader& reader) {
  MetricGate gate;
  gate.metric = metric;
  std::string text = value.is_string() ? value.get<std::string>() : value.dump();
  size_t at = text.find_first_not_of(" ");
  text = at == std::string::npos ? "" : text.substr(at);
  for (const char* op : {"<=", ">=", "<", ">"}) {
    if (text.rfind(op, 0) == 0) {
      gate.op = op;
      text = text.substr(std::string(op).size());
      break;
    }
  }
  char* end = nullptr;
  gate.bound = std::strtod(text.c_str(), &end);
  while (end && *end == ' ') ++end;
  if (gate.op.empty() || end == text.c_str() || (end && *end != '\0') || !std::isfinite(gate.bound)) {
    reader.Fail("require." + metric + ": expected a comparison such as \"<= 4.5\" or \">= 0.8\", got '" +
                (value.is_string() ? value.get<std::string>() : value.dump()) + "'");
  }
  return gate;
}

}  // namespace

const char* StepTypeName(StepType type) {
  for (const auto& entry : kTypes) {
    if (entry.type == type) return entry.name;
  }
  return "?";
}

bool MetricGate::Passes(double value) const {
  if (op == "<") return value < bound;
  if (op == "<=") return value <= bound;
  if (op == ">") return value > bound;
  return value >= bound;
}

std::string MetricGate::ToString() const { return metric + " " + op + " " + FormatDouble(bound); }

double ParseDuration(const nlohmann::json& value, const std::string& key) {
  if (value.is_number()) {
    double seconds = value.get<double>();
    if (seconds < 0 || !std::isfinite(seconds)) ThrowUsage(key + ": a duration cannot be negative");
    return seconds;
  }
  if (!value.is_string()) ThrowUsage(key + ": expected a duration such as 30s, 5m or 2h");
  const std::string text = value.get<std::string>();
  char* end = nullptr;
  double number = std::strtod(text.c_str(), &end);
  std::string unit = end ? std::string(end) : "";
  double scale = unit.empty() || unit == "s" ? 1 : unit == "ms" ? 0.001 : unit == "m" ? 60 : unit == "h" ? 3600 : -1;
  if (end == text.c_str() || scale < 0 || number < 0 || !std::isfinite(number)) {
    ThrowUsage(key + ": expected a duration such as 30s, 5m or 2h, got '" + text + "'");
  }
  return number * scale;
}

size_t StepGraph::IndexOf(const std::string& name) const {
  for (size_t i = 0; i < steps.size(); ++i) {
    if (steps[i].name == name) return i;
  }
  std::string names;
  for (const auto& step : steps) names += (names.empty() ? "" : ", ") + step.name;
  ThrowUsage("there is no step '" + name + "' (steps: " + names + ")");
}

std::vector<bool> StepGraph::DownstreamOf(size_t step) const {
  std::vector<bool> marked(steps.size(), false);
  marked[step] = true;
  // Steps are in dependency order: one pass sees every dependency first.
  for (size_t i = step + 1; i < steps.size(); ++i) {
    for (const auto& need : steps[i].needs) {
      if (marked[IndexOf(need)]) marked[i] = true;
    }
  }
  return marked;
}

int StepGraph::ModelSourceOf(size_t step) const {
  // The nearest train or tune step upstream, level by level.
  std::vector<size_t> level{step};
  std::set<size_t> seen{step};
  while (!level.empty()) {
    std::vector<size_t> next;
    std::vector<size_t> models;
    for (size_t at : level) {
      for (const auto& need : steps[at].needs) {
        size_t i = IndexOf(need);
        if (!seen.insert(i).second) continue;
        (ProducesModel(steps[i].type) ? models : next).push_back(i);
      }
    }
    if (models.size() == 1) return static_cast<int>(models[0]);
    if (models.size() > 1) {
      ThrowUsage("step '" + steps[step].name + "' is reached by more than one model (" + steps[models[0]].name +
                 " and " + steps[models[1]].name + "): give it a need on just one");
    }
    level = std::move(next);
  }
  return -1;
}

namespace {

// What each type needs and allows.
void CheckTypeKeys(const StepSpec& step, const std::string& type, const nlohmann::json& item, const StepReader& reader) {
  auto forbid = [&](bool present, const char* key) {
    if (present) reader.Fail(std::string("`") + key + "` does not apply to a " + type + " step");
  };
  forbid(step.type != StepType::kCommand && !step.run.empty(), "run");
  forbid(step.type != StepType::kCommand && !step.inputs.empty(), "inputs");
  forbid(step.type != StepType::kEvaluate && !step.require.empty(), "require");
  forbid(step.type != StepType::kDeploy && item.contains("stage"), "stage");
  forbid(step.type != StepType::kPrep && step.type != StepType::kTrain && step.type != StepType::kTune &&
             !step.overrides.empty(),
         "set");
  forbid((step.type != StepType::kIngest && step.type != StepType::kTransform) && !step.input.empty(), "input");
  forbid((step.type == StepType::kEvaluate || step.type == StepType::kDeploy) && !step.output.empty(), "output");
  if (step.type == StepType::kCommand && step.run.empty()) reader.Fail("a command step needs `run` (the shell command)");
  if (step.type == StepType::kTransform && step.input.empty()) reader.Fail("a transform step needs `input` (the rows to score)");
  if (step.type == StepType::kDeploy && step.stage != "staging" && step.stage != "production") {
    reader.Fail("stage: expected staging or production, got '" + step.stage + "'");
  }
}

// steps[index]: its keys read and checked; `by_name` gets its name.
StepSpec ParseStep(const nlohmann::json& list, size_t index, const std::string& file,
                   std::map<std::string, size_t>& by_name) {
  const nlohmann::json& item = list[index];
  StepReader reader(file, index, item);
  if (!item.is_object()) reader.Fail("expected a map with name, type and needs");
  for (const auto& [key, value] : item.items()) {
    if (!kStepKeys.count(key)) {
      reader.Fail("unknown key '" + key + "' (a step has: name, type, needs, retries, backoff, max_backoff, timeout, "
                  "cache, input, output, run, inputs, set, stage, require)");
    }
  }
  StepSpec step;
  step.definition = item;
  step.name = reader.String("name", true);
  if (step.name.empty() || step.name.find_first_of(" /\\\t") != std::string::npos) {
    reader.Fail("a step name is a word without spaces or slashes");
  }
  if (auto [at, inserted] = by_name.emplace(step.name, index); !inserted) {
    ThrowUsage(file + ": step '" + step.name + "' is defined twice (steps[" + std::to_string(at->second) + "] and steps[" +
               std::to_string(index) + "])");
  }
  const std::string type = reader.String("type", true);
  bool known = false;
  std::string types;
  for (const auto& entry : kTypes) {
    types += (types.empty() ? "" : ", ") + std::string(entry.name);
    if (type == entry.name) {
      step.type = entry.type;
      known = true;
    }
  }
  if (!known) reader.Fail("unknown step type '" + type + "' (one of " + types + ")");
  step.needs = reader.Strings("needs");
  // The pipeline file's scalars arrive as text (pipeline_spec.h keeps
  // them as written); numbers written in JSON arrive as numbers.
  if (item.contains("retries")) {
    const std::string text = item["retries"].is_string() ? item["retries"].get<std::string>() : item["retries"].dump();
    char* end = nullptr;
    long retries = std::strtol(text.c_str(), &end, 10);
    if (text.empty() || *end != '\0' || retries < 0 || retries > 100) {
      reader.Fail("retries: expected a whole number from 0 to 100, got '" + text + "'");
    }
    step.retries = static_cast<int>(retries);
  }
  if (item.contains("backoff")) step.backoff_seconds = ParseDuration(item["backoff"], reader.where() + ": backoff");
  if (item.contains("max_backoff")) step.max_backoff_seconds = ParseDuration(item["max_backoff"], reader.where() + ": max_backoff");
  if (item.contains("timeout")) step.timeout_seconds = ParseDuration(item["timeout"], reader.where() + ": timeout");
  if (item.contains("cache")) {
    const std::string text = item["cache"].is_string() ? item["cache"].get<std::string>() : item["cache"].dump();
    if (text != "true" && text != "false") reader.Fail("cache: expected true or false, got '" + text + "'");
    step.cache = text == "true";
  }
  step.input = reader.String("input", false);
  step.output = reader.String("output", false);
  step.run = reader.String("run", false);
  step.inputs = reader.Strings("inputs");
  step.overrides = reader.Strings("set");
  if (item.contains("stage")) step.stage = reader.String("stage", true);
  if (item.contains("require")) {
    if (!item["require"].is_object()) reader.Fail("require: expected a map of metric -> comparison, such as rmse: \"<= 4.5\"");
    for (const auto& [metric, value] : item["require"].items()) step.require.push_back(ParseGate(metric, value, reader));
  }
  CheckTypeKeys(step, type, item, reader);
  return step;
}

// The steps in dependency order (Kahn's algorithm, file order among the
// ready); what is left over lies on a cycle, reported as the path around it.
StepGraph OrderSteps(const std::vector<StepSpec>& written, const std::map<std::string, size_t>& by_name,
                     const std::string& file) {
  StepGraph graph;
  std::vector<int> waiting(written.size(), 0);
  for (size_t i = 0; i < written.size(); ++i) waiting[i] = static_cast<int>(written[i].needs.size());
  std::vector<bool> placed(written.size(), false);
  for (bool progress = true; progress;) {
    progress = false;
    for (size_t i = 0; i < written.size(); ++i) {
      if (placed[i] || waiting[i] > 0) continue;
      placed[i] = true;
      progress = true;
      graph.steps.push_back(written[i]);
      for (size_t j = 0; j < written.size(); ++j) {
        waiting[j] -= static_cast<int>(std::count(written[j].needs.begin(), written[j].needs.end(), written[i].name));
      }
      break;  // restart from the top: file order among the ready
    }
  }
  if (graph.steps.size() < written.size()) {
    size_t at = std::find(placed.begin(), placed.end(), false) - placed.begin();
    // Walk unplaced needs until a step repeats: that loop is the cycle.
    std::vector<size_t> path{at};
    while (true) {
      size_t next = at;
      for (const auto& need : written[at].needs) {
        size_t i = by_name.at(need);
        if (!placed[i]) {
          next = i;
          break;
        }
      }
      auto seen = std::find(path.begin(), path.end(), next);
      if (seen != path.end()) {
        std::string cycle;
        for (auto it = seen; it != path.end(); ++it) cycle += written[*it].name + " -> ";
        cycle += written[next].name;
        ThrowUsage(file + ": step '" + written[next].name + "' is in a cycle: " + cycle);
      }
      path.push_back(next);
      at = next;
    }
  }
  return graph;
}

}  // namespace

StepGraph ParseStepGraph(const nlohmann::json& list, int parallel, const std::string& file) {
  if (!list.is_array() || list.empty()) ThrowUsage(file + ": steps: expected a list of steps, each with a name and a type");
  std::vector<StepSpec> written;
  std::map<std::string, size_t> by_name;
  for (size_t index = 0; index < list.size(); ++index) written.push_back(ParseStep(list, index, file, by_name));
  // Every need names a step, and not the step itself.
  for (const auto& step : written) {
    for (const auto& need : step.needs) {
      if (!by_name.count(need)) ThrowUsage(file + ": step '" + step.name + "' needs '" + need + "', which is not a step");
      if (need == step.name) ThrowUsage(file + ": step '" + step.name + "' needs itself");
    }
  }
  StepGraph graph = OrderSteps(written, by_name, file);
  graph.parallel = parallel > 0 ? parallel : 2;
  for (size_t i = 0; i < graph.steps.size(); ++i) {
    const StepSpec& step = graph.steps[i];
    if ((step.type == StepType::kEvaluate || step.type == StepType::kTransform || step.type == StepType::kDeploy) &&
        graph.ModelSourceOf(i) < 0) {
      ThrowUsage(file + ": step '" + step.name + "' (" + StepTypeName(step.type) +
                 ") needs a train or tune step upstream: the model it uses");
    }
  }
  return graph;
}

}  // namespace sluice
