#include "pipeline/pipeline_spec.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>

#include "common/uri.h"
#include "common/atomic_file.h"
#include "common/error.h"
#include "data/data_type.h"
#include "data/timestamp_format.h"
#include "io/s3/s3_settings.h"
#include "data/value_parser.h"
#include "pipeline/pipeline_keys.h"

namespace sluice {

namespace {

class SpecReader {
 public:
  explicit SpecReader(std::string file) : file_(std::move(file)) {}
  const std::string& file() const { return file_; }

  [[noreturn]] void Fail(const std::string& key, const std::string& problem) const {
    ThrowUsage(file_ + ": " + key + ": " + problem);
  }

  void CheckKeys(const YAML::Node& node, const std::string& prefix) const {
    if (!node.IsMap()) return;
    for (const auto& item : node) {
      std::string key = item.first.as<std::string>();
      std::string path = prefix.empty() ? key : prefix + "." + key;
      bool known = IsKnownKey(path);
      bool map_prefix = IsKnownMapPrefix(path);
      if (!known && !map_prefix) {
        std::string hint = ClosestKey(path);
        ThrowUsage(file_ + ": unknown key '" + path + "'" + (hint.empty() ? "" : " (did you mean '" + hint + "'?)"));
      }
      // Free-form leaves (derive expressions, learner parameters, the search
      // space, checked by its own parser) are not descended into.
      if (path == "tune.space") continue;
      if (map_prefix && item.second.IsMap()) CheckKeys(item.second, path);
      if (map_prefix && !known && !item.second.IsMap() && !item.second.IsNull()) {
        Fail(path, "expected a map of keys, got " + std::string(item.second.IsSequence() ? "a list" : "a value"));
      }
      if (known && !map_prefix && item.second.IsMap()) Fail(path, "expected a value, got a map");
    }
  }

  std::string String(const YAML::Node& node, const std::string& key) const {
    if (!node.IsScalar()) Fail(key, "expected a value");
    return node.as<std::string>();
  }

  int64_t Int(const YAML::Node& node, const std::string& key, int64_t min) const {
    int64_t value;
    if (!node.IsScalar() || !ParseInt64(node.as<std::string>(), &value)) {
      Fail(key, "expected an integer, got '" + (node.IsScalar() ? node.as<std::string>() : std::string("a map or list")) + "'");
    }
    if (value < min) Fail(key, "must be at least " + std::to_string(min));
    return value;
  }

  double Double(const YAML::Node& node, const std::string& key) const {
    double value;
    if (!node.IsScalar() || !ParseFloat64(node.as<std::string>(), &value)) Fail(key, "expected a number");
    return value;
  }

  bool Bool(const YAML::Node& node, const std::string& key) const {
    bool value;
    if (!node.IsScalar() || !ParseBool(node.as<std::string>(), &value)) Fail(key, "expected true or false");
    return value;
  }

  std::vector<std::string> StringList(const YAML::Node& node, const std::string& key) const {
    std::vector<std::string> values;
    if (node.IsScalar()) {
      values.push_back(node.as<std::string>());
      return values;
    }
    if (!node.IsSequence()) Fail(key, "expected a list");
    for (const auto& item : node) values.push_back(String(item, key));
    return values;
  }

 private:
  std::string file_;
};

void ApplyOverride(YAML::Node root, const std::string& assignment, const std::string& file) {
  size_t equals = assignment.find('=');
  if (equals == std::string::npos || equals == 0) {
    ThrowUsage("--set " + assignment + ": expected KEY=VALUE");
  }
  std::string path = assignment.substr(0, equals);
  std::string text = assignment.substr(equals + 1);
  if (!IsKnownKey(path) && !IsKnownMapPrefix(path)) {
    std::string hint = ClosestKey(path);
    ThrowUsage("--set " + path + ": unknown key" + (hint.empty() ? "" : " (did you mean '" + hint + "'?)"));
  }
  YAML::Node value;
  try {
    value = YAML::Load(text);
  } catch (const YAML::Exception&) {
    value = YAML::Node(text);
  }
  if (!value.IsDefined() || value.IsNull()) value = YAML::Node(text);
  std::vector<std::string> parts;
  size_t start = 0;
  for (;;) {
    size_t dot = path.find('.', start);
    parts.push_back(path.substr(start, dot - start));
    if (dot == std::string::npos) break;
    start = dot + 1;
  }
  // yaml-cpp nodes are handles: walk down by reassigning a handle to each child.
  std::vector<YAML::Node> chain{root};
  for (size_t i = 0; i + 1 < parts.size(); ++i) {
    YAML::Node child = chain.back()[parts[i]];
    if (child.IsDefined() && !child.IsNull() && !child.IsMap()) {
      ThrowUsage("--set " + path + ": '" + parts[i] + "' in " + file + " is not a map");
    }
    chain.push_back(child);
  }
  chain.back()[parts.back()] = value;
}

// YAML aliases share one node; JSON copies it at every use. The copies are
// counted as they are made, so nine aliases of nine, ten levels deep (an
// alias bomb: 9^10 values) are refused at the first 100,000 and not built.
constexpr size_t kMaxPipelineValues = 100000;

nlohmann::json ToJson(const YAML::Node& node, const std::string& file, size_t& values) {
  if (++values > kMaxPipelineValues) {
    ThrowUsage(file + ": more than " + std::to_string(kMaxPipelineValues) +
               " values once its YAML aliases are expanded (an alias bomb?); a pipeline file needs far fewer");
  }
  switch (node.Type()) {
    case YAML::NodeType::Map: {
      nlohmann::json object = nlohmann::json::object();
      for (const auto& item : node) object[item.first.as<std::string>()] = ToJson(item.second, file, values);
      return object;
    }
    case YAML::NodeType::Sequence: {
      nlohmann::json array = nlohmann::json::array();
      for (const auto& item : node) array.push_back(ToJson(item, file, values));
      return array;
    }
    case YAML::NodeType::Scalar:
      return node.as<std::string>();
    default:
      return nullptr;
  }
}

ImputeStrategy ParseImpute(const std::string& name, const std::string& key, const SpecReader& reader) {
  if (name == "none") return ImputeStrategy::kNone;
  if (name == "drop") return ImputeStrategy::kDrop;
  if (name == "mean") return ImputeStrategy::kMean;
  if (name == "median") return ImputeStrategy::kMedian;
  if (name == "constant") return ImputeStrategy::kConstant;
  reader.Fail(key, "unknown strategy '" + name + "' (none, drop, mean, median, constant)");
}

// Keys a search may set: the learner's parameters, the boosting schedule and
// prep's choices — not what says which data, which split or which column is
// learned (those would make the trials' scores incomparable).
bool IsTunableKey(const std::string& key) {
  static const char* const kFixed[] = {"train.target", "train.text", "train.prepared", "train.learner",
                                       "train.checkpoint_every", "train.checkpoint_keep"};
  for (const char* fixed : kFixed) {
    if (key == fixed) return false;
  }
  if (key.rfind("train.", 0) != 0 && key.rfind("prep.", 0) != 0) return false;
  return IsKnownKey(key);
}

void ParseTune(const YAML::Node& tune, PipelineSpec& spec, const SpecReader& reader) {
  TuneSpec& out = spec.tune;
  out.enabled = true;
  out.seed = spec.seed;
  if (!spec.text_column.empty()) reader.Fail("tune", "tuning is for tabular jobs (train.text is set)");
  if (tune["strategy"]) out.strategy = reader.String(tune["strategy"], "tune.strategy");
  if (out.strategy != "bayesian" && out.strategy != "grid" && out.strategy != "random") {
    reader.Fail("tune.strategy", "unknown strategy '" + out.strategy + "' (bayesian, grid, random)");
  }
  if (tune["trials"]) out.trials = static_cast<int>(reader.Int(tune["trials"], "tune.trials", 1));
  if (tune["parallel"]) {
    // auto (0): chosen from the threads, the trials and the data (tune/parallel_trials.h).
    const bool automatic = tune["parallel"].IsScalar() && tune["parallel"].Scalar() == "auto";
    out.parallel = automatic ? 0 : static_cast<int>(reader.Int(tune["parallel"], "tune.parallel", 1));
  }
  if (tune["seed"]) out.seed = static_cast<uint64_t>(reader.Int(tune["seed"], "tune.seed", 0));
  if (tune["grid_points"]) out.grid_points = static_cast<int>(reader.Int(tune["grid_points"], "tune.grid_points", 1));
  if (tune["initial_points"]) {
    out.initial_points = static_cast<int>(reader.Int(tune["initial_points"], "tune.initial_points", 1));
  }
  if (tune["early_stopping"]) out.early_stopping = reader.String(tune["early_stopping"], "tune.early_stopping");
  if (out.early_stopping != "none" && out.early_stopping != "median") {
    reader.Fail("tune.early_stopping", "unknown rule '" + out.early_stopping + "' (none, median)");
  }
  if (tune["early_stopping_warmup"]) {
    out.early_stopping_warmup =
        static_cast<int>(reader.Int(tune["early_stopping_warmup"], "tune.early_stopping_warmup", 1));
  }
  if (tune["early_stopping_min_trials"]) {
    out.early_stopping_min_trials =
        static_cast<int>(reader.Int(tune["early_stopping_min_trials"], "tune.early_stopping_min_trials", 1));
  }
  if (tune["warm_start"]) out.warm_start = reader.String(tune["warm_start"], "tune.warm_start");
  if (!tune["space"]) reader.Fail("tune.space", "not set (the parameters to search: key: {type, low, high})");
  // In the file's order (a JSON object would sort the keys): the table's columns and the grid's order follow it.
  nlohmann::ordered_json space = nlohmann::ordered_json::object();
  if (tune["space"].IsMap()) {
    for (const auto& item : tune["space"]) {
      size_t values = 0;
      space[item.first.as<std::string>()] = nlohmann::ordered_json::parse(ToJson(item.second, reader.file(), values).dump());
    }
  }
  out.space = SearchSpace::Parse(space, spec.file + ": tune.space");
  for (const auto& param : out.space.params()) {
    if (!IsTunableKey(param.key)) {
      std::string hint = ClosestKey(param.key);
      reader.Fail("tune.space." + param.key,
                  "not a pipeline key a search can set (train.params.<name>, train.rounds, "
                  "train.early_stopping_rounds, prep.*)" +
                      (hint.empty() || hint == param.key ? std::string() : "; did you mean '" + hint + "'?"));
    }
  }
}

PipelineSpec ParsePipelineChecked(const std::string& yaml_text, const std::string& file,
                                  const std::vector<std::string>& overrides);

}  // namespace

// Every key is checked for its shape, and a shape no check foresaw still
// ends as a usage error naming the file and place, never as yaml-cpp's own
// exception (found by tests/fuzz/pipeline_yaml_fuzzer).
PipelineSpec ParsePipeline(const std::string& yaml_text, const std::string& file,
                           const std::vector<std::string>& overrides) {
  // YAML is Unicode text, and the resolved pipeline is kept as JSON.
  if (!IsValidUtf8(yaml_text)) ThrowUsage(file + ": not UTF-8 text (a pipeline file is YAML, which is UTF-8)");
  // YAML allows no C0 control character but tab and line ends (a NUL makes
  // yaml-cpp guess another encoding).
  for (size_t i = 0, line = 1; i < yaml_text.size(); ++i) {
    const unsigned char c = static_cast<unsigned char>(yaml_text[i]);
    if (c == '\n') ++line;
    if ((c < 0x20 && c != '\t' && c != '\n' && c != '\r') || c == 0x7f) {
      char hex[8];
      std::snprintf(hex, sizeof hex, "0x%02x", c);
      ThrowUsage(file + ":" + std::to_string(line) + ": a control character (" + hex + "); a pipeline file is text");
    }
  }
  for (const auto& assignment : overrides) {
    if (!IsValidUtf8(assignment)) ThrowUsage("--set: not UTF-8 text");
  }
  try {
    return ParsePipelineChecked(yaml_text, file, overrides);
  } catch (const YAML::Exception& error) {
    ThrowUsage(file + (error.mark.is_null() ? "" : ":" + std::to_string(error.mark.line + 1) + ":" +
                                                      std::to_string(error.mark.column + 1)) +
               ": " + error.msg);
  } catch (const nlohmann::json::exception& error) {
    ThrowUsage(file + ": " + error.what());
  }
}

namespace {

// source: where the data is and how to read it.
void ParseSource(YAML::Node& root, bool needs_source, PipelineSpec& spec, const SpecReader& reader) {
  YAML::Node source = root["source"];
  if (needs_source && (!source || !source["uri"])) {
    reader.Fail("source.uri", "not set (the input file, directory or glob)");
  }
  if (source && source["uri"]) spec.source.uri = reader.String(source["uri"], "source.uri");
  if (source["format"]) spec.source.format = reader.String(source["format"], "source.format");
  if (source["query"]) spec.source.query = reader.String(source["query"], "source.query");
  if (source["table"]) spec.source.table = reader.String(source["table"], "source.table");
  if (source["partition_by"]) spec.source.partition_by = reader.String(source["partition_by"], "source.partition_by");
  if (source["partitions"]) {
    spec.source.partitions = reader.Int(source["partitions"], "source.partitions", 1);
    if (spec.source.partitions > 4096) reader.Fail("source.partitions", "at most 4096 ranges");
  }
  if (source["endpoint"]) spec.source.endpoint = reader.String(source["endpoint"], "source.endpoint");
  if (source["delimiter"]) {
    std::string delimiter = reader.String(source["delimiter"], "source.delimiter");
    if (delimiter == "\\t" || delimiter == "tab") delimiter = "\t";
    if (delimiter.size() != 1) reader.Fail("source.delimiter", "must be one character");
    spec.source.csv.delimiter = delimiter[0];
  }
  if (source["header"]) spec.source.csv.header = reader.Bool(source["header"], "source.header");
  if (source["max_line_bytes"]) {
    spec.source.max_line_bytes = static_cast<size_t>(reader.Int(source["max_line_bytes"], "source.max_line_bytes", 1));
  }
  if (source["max_reject_rate"]) {
    spec.source.max_reject_rate = reader.Double(source["max_reject_rate"], "source.max_reject_rate");
    if (!(spec.source.max_reject_rate >= 0 && spec.source.max_reject_rate <= 1)) {
      reader.Fail("source.max_reject_rate", "must be a share between 0 and 1 (0.01 is 1%)");
    }
  }
  if (source["quote"]) {
    std::string quote = reader.String(source["quote"], "source.quote");
    spec.source.csv.quoting_set = true;
    if (quote == "none") {
      spec.source.csv.quoting = false;
    } else if (quote.size() == 1) {
      spec.source.csv.quote = quote[0];
    } else {
      reader.Fail("source.quote", "must be one character, or none");
    }
  }
  if (source["null_values"]) spec.source.conversion.null_values = reader.StringList(source["null_values"], "source.null_values");
  if (source["schema"]) {
    for (const auto& item : source["schema"]) {
      std::string column = item.first.as<std::string>();
      std::string key = "source.schema." + column;
      // A type, or {type, format}.
      YAML::Node type_node = item.second.IsMap() ? item.second["type"] : item.second;
      if (!type_node) reader.Fail(key + ".type", "not set (bool, int64, float64, string, timestamp, categorical)");
      std::string type_name = reader.String(type_node, item.second.IsMap() ? key + ".type" : key);
      auto type = ParseDataType(type_name);
      if (!type) reader.Fail(key, "unknown type '" + type_name + "' (bool, int64, float64, string, timestamp, categorical)");
      spec.source.column_types[column] = *type;
      if (item.second.IsMap() && item.second["format"]) {
        std::string format = reader.String(item.second["format"], key + ".format");
        if (*type != DataType::kTimestamp) reader.Fail(key + ".format", "only a timestamp column takes a format");
        TimestampFormat::Parse(format, spec.file + ": " + key + ".format");  // refused now, not at the first row
        spec.source.column_formats[column] = format;
      }
    }
  }
}

// prep: filter, derived columns, imputation, encodings, features.
void ParsePrep(YAML::Node prep, PipelineSpec& spec, const SpecReader& reader) {
  if (prep["filter"]) spec.prep.filter = reader.String(prep["filter"], "prep.filter");
  if (prep["derive"]) {
    if (!prep["derive"].IsMap()) reader.Fail("prep.derive", "expected a map of name: expression");
    for (const auto& item : prep["derive"]) {
      std::string name = item.first.as<std::string>();
      spec.prep.derive.emplace_back(name, reader.String(item.second, "prep.derive." + name));
    }
  }
  if (prep["impute"]) {
    for (const auto& item : prep["impute"]) {
      ImputeSpec impute;
      impute.column = item.first.as<std::string>();
      std::string key = "prep.impute." + impute.column;
      if (item.second.IsScalar()) {
        impute.strategy = ParseImpute(item.second.as<std::string>(), key, reader);
      } else {
        if (!item.second["strategy"]) reader.Fail(key + ".strategy", "not set");
        impute.strategy = ParseImpute(reader.String(item.second["strategy"], key + ".strategy"), key + ".strategy", reader);
        if (item.second["value"]) impute.value = reader.Double(item.second["value"], key + ".value");
      }
      spec.prep.impute.push_back(impute);
    }
  }
  if (prep["onehot"]) {
    YAML::Node onehot = prep["onehot"];
    if (onehot.IsSequence() || onehot.IsScalar()) {
      for (const auto& column : reader.StringList(onehot, "prep.onehot")) spec.prep.onehot.push_back({column, 32});
    } else {
      for (const auto& item : onehot) {
        OneHotSpec one;
        one.column = item.first.as<std::string>();
        if (item.second.IsMap() && item.second["max_categories"]) {
          one.max_categories = static_cast<size_t>(
              reader.Int(item.second["max_categories"], "prep.onehot." + one.column + ".max_categories", 1));
        }
        spec.prep.onehot.push_back(one);
      }
    }
  }
  if (prep["standardize"]) spec.prep.standardize = reader.StringList(prep["standardize"], "prep.standardize");
  if (prep["features"]) spec.prep.features = reader.StringList(prep["features"], "prep.features");
}

// split: the shares of train, valid and test, and the seed that assigns rows.
void ParseSplit(YAML::Node& root, PipelineSpec& spec, const SpecReader& reader) {
  spec.prep.split.seed = spec.seed;
  if (YAML::Node split = root["split"]) {
    if (split["train"]) spec.prep.split.train = reader.Double(split["train"], "split.train");
    if (split["valid"]) spec.prep.split.valid = reader.Double(split["valid"], "split.valid");
    if (split["test"]) spec.prep.split.test = reader.Double(split["test"], "split.test");
    if (split["seed"]) spec.prep.split.seed = static_cast<uint64_t>(reader.Int(split["seed"], "split.seed", 0));
  }
  const SplitSpec& s = spec.prep.split;
  if (s.train <= 0 || s.valid < 0 || s.test < 0 || std::abs(s.train + s.valid + s.test - 1.0) > 1e-9) {
    reader.Fail("split", "train, valid and test must be non-negative fractions adding up to 1 (train > 0)");
  }
}

// train: the target, the learner and its parameters, the rounds and checkpoints.
void ParseTrain(YAML::Node& root, PipelineSpec& spec, const SpecReader& reader) {
  YAML::Node train = root["train"];
  if (!train || !train["target"]) reader.Fail("train.target", "not set (the label column)");
  spec.prep.target = reader.String(train["target"], "train.target");
  if (YAML::Node learner = train["learner"]) {
    // A text job may train several learners: a list, or names separated by commas.
    if (learner.IsSequence()) {
      spec.learner.clear();
      for (const auto& item : learner) {
        spec.learner += (spec.learner.empty() ? "" : ",") + reader.String(item, "train.learner");
      }
    } else {
      spec.learner = reader.String(learner, "train.learner");
    }
  }
  if (train["text"]) {
    spec.text_column = reader.String(train["text"], "train.text");
    if (!train["learner"]) spec.learner = "ngram";
  }
  if (train["rounds"]) spec.train.rounds = static_cast<int>(reader.Int(train["rounds"], "train.rounds", 1));
  if (train["checkpoint_every"]) {
    spec.train.checkpoint_every = static_cast<int>(reader.Int(train["checkpoint_every"], "train.checkpoint_every", 0));
  }
  if (train["checkpoint_keep"]) {
    spec.checkpoint_keep = static_cast<int>(reader.Int(train["checkpoint_keep"], "train.checkpoint_keep", 1));
  }
  if (train["early_stopping_rounds"]) {
    spec.train.early_stopping_rounds = static_cast<int>(reader.Int(train["early_stopping_rounds"], "train.early_stopping_rounds", 0));
  }
  if (train["params"]) {
    if (!train["params"].IsMap()) reader.Fail("train.params", "expected a map of parameter: value");
    for (const auto& item : train["params"]) {
      std::string name = item.first.as<std::string>();
      if (item.second.IsMap()) {
        // A learner's own settings as a map under its name (text jobs).
        for (const auto& inner : item.second) {
          std::string inner_name = name + "." + inner.first.as<std::string>();
          spec.train.params[inner_name] = reader.String(inner.second, "train.params." + inner_name);
        }
        continue;
      }
      spec.train.params[name] = reader.String(item.second, "train.params." + name);
    }
  }
  spec.train.seed = spec.seed;
  // A multi-class learner's target is a class label of any type, mapped to
  // class ids by prep; its task is the learner's to say.
  if (spec.text_column.empty()) {
    const auto names = LearnerNames();
    if (std::find(names.begin(), names.end(), spec.learner) != names.end()) {
      spec.prep.target_classes = MakeLearner(spec.learner)->TaskOf(spec.train.params) == Task::kMultiClassification;
    }
  }
}

PipelineSpec ParsePipelineChecked(const std::string& yaml_text, const std::string& file,
                                  const std::vector<std::string>& overrides) {
  YAML::Node root;
  try {
    root = YAML::Load(yaml_text);
  } catch (const YAML::Exception& error) {
    ThrowUsage(file + ":" + std::to_string(error.mark.line + 1) + ":" + std::to_string(error.mark.column + 1) +
               ": " + error.msg);
  }
  if (!root.IsDefined() || root.IsNull()) root = YAML::Node(YAML::NodeType::Map);
  if (!root.IsMap()) ThrowUsage(file + ": expected a map of keys at the top");
  for (const auto& assignment : overrides) ApplyOverride(root, assignment, file);

  SpecReader reader(file);
  reader.CheckKeys(root, "");
  PipelineSpec spec;
  spec.file = file;
  size_t values = 0;
  spec.resolved = ToJson(root, file, values);
  // The resolved pipeline is recorded (history, artifacts): never a password.
  if (spec.resolved.contains("source") && spec.resolved["source"].is_object() &&
      spec.resolved["source"].contains("uri") && spec.resolved["source"]["uri"].is_string()) {
    spec.resolved["source"]["uri"] = RedactUri(spec.resolved["source"]["uri"].get<std::string>());
  }
  spec.name = root["name"] ? reader.String(root["name"], "name")
                           : std::filesystem::path(file).stem().string();
  if (root["seed"]) spec.seed = static_cast<uint64_t>(reader.Int(root["seed"], "seed", 0));
  if (root["threads"]) spec.threads = static_cast<int>(reader.Int(root["threads"], "threads", 0));
  if (!root["output"]) reader.Fail("output", "not set (the artifact directory)");
  spec.output = reader.String(root["output"], "output");
  // Checked before anything is read, trained or written: the name keys the
  // run history and the registry, and both show it in tables.
  constexpr size_t kMaxNameBytes = 200;
  if (spec.name.empty() || spec.name.size() > kMaxNameBytes) {
    reader.Fail("name", std::to_string(spec.name.size()) + " bytes; a name has 1 to " + std::to_string(kMaxNameBytes));
  }
  for (unsigned char c : spec.name) {
    if (c < 0x20 || c == 0x7f) reader.Fail("name", "holds a control character; a name is one line of text");
  }
  if (spec.output.empty() || spec.output.size() > 4096) {
    reader.Fail("output", std::to_string(spec.output.size()) + " bytes; a path has 1 to 4096");
  }
  spec.rejects = root["rejects"] ? reader.String(root["rejects"], "rejects") : "";
  if (root["registry"]) spec.registry = reader.Bool(root["registry"], "registry");
  if (root["steps"]) {
    if (!root["steps"].IsSequence()) reader.Fail("steps", "expected a list of steps (name, type, needs...)");
    spec.steps = spec.resolved["steps"];
  }
  if (root["parallel_steps"]) spec.parallel_steps = static_cast<int>(reader.Int(root["parallel_steps"], "parallel_steps", 1));
  // A graph of only ingest, command... steps trains nothing: prep and train
  // are the business of the steps that use them, and the source may be unset.
  const bool trains_nothing =
      spec.steps.is_array() && std::none_of(spec.steps.begin(), spec.steps.end(), [](const nlohmann::json& step) {
        const std::string type = step.is_object() && step.contains("type") && step["type"].is_string() ? step["type"].get<std::string>() : "";
        return type == "prep" || type == "train" || type == "tune";
      });

  // Training from a `sluice prep` output needs no source of its own.
  if (root["train"] && root["train"]["prepared"]) {
    spec.train_prepared = reader.String(root["train"]["prepared"], "train.prepared");
  }
  ParseSource(root, !trains_nothing && spec.train_prepared.empty(), spec, reader);

  if (root["checks"]) spec.checks = ParseChecks(spec.resolved["checks"], file);

  if (trains_nothing) return spec;

  if (YAML::Node prep = root["prep"]) ParsePrep(prep, spec, reader);
  ParseSplit(root, spec, reader);
  ParseTrain(root, spec, reader);
  spec.text = yaml_text;
  spec.overrides = overrides;
  if (YAML::Node tune = root["tune"]) ParseTune(tune, spec, reader);
  return spec;
}

}  // namespace

PipelineSpec LoadPipeline(const std::string& file, const std::vector<std::string>& overrides) {
  if (!std::filesystem::exists(file)) ThrowUsage(file + ": no such pipeline file");
  // A pipeline file is a page or two of YAML; a huge one is a mistake or an attack.
  constexpr uintmax_t kMaxPipelineFileBytes = 4 << 20;
  std::error_code ec;
  if (auto size = std::filesystem::file_size(file, ec); !ec && size > kMaxPipelineFileBytes) {
    ThrowUsage(file + ": " + std::to_string(size) + " bytes; a pipeline file may be at most 4 MiB");
  }
  PipelineSpec spec = ParsePipeline(ReadFileToString(file), file, overrides);
  // The pipeline's S3 endpoint holds for every s3:// URI the verb touches.
  if (!spec.source.endpoint.empty()) SetS3Endpoint(spec.source.endpoint);
  return spec;
}

}  // namespace sluice
