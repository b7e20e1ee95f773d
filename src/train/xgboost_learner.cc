// The `xgboost` learner: gradient-boosted trees through libxgboost's C API.
// Training data reaches XGBoost through its iterator interface and a quantile
// DMatrix: blocks are handed over as array interfaces (no copy, no text), and
// XGBoost keeps only its quantised bins. Prediction is in place from dense rows.

#include <xgboost/c_api.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <limits>
#include <mutex>
#include <set>
#include <nlohmann/json.hpp>

#include "common/atomic_file.h"
#include "common/error.h"
#include "common/memory.h"
#include "train/checkpoint_store.h"
#include "train/learner.h"
#include "train/metrics.h"
#include "train/tree_forest.h"

namespace sluice {

namespace {

// Every XGBoost call goes through here: a failure becomes an Error carrying
// XGBoost's own message.
// XGBoost's message without the stack trace it appends.
std::string LastError() {
  std::string message = XGBGetLastError();
  size_t trace = message.find("\nStack trace:");
  if (trace != std::string::npos) message.resize(trace);
  return message;
}

void Check(int rc, const char* call) {
  if (rc != 0) ThrowInternal(std::string("xgboost ") + call + ": " + LastError());
}

std::string ArrayInterface(const float* data, size_t rows, size_t columns) {
  char buffer[160];
  std::snprintf(buffer, sizeof buffer,
                "{\"data\": [%llu, true], \"shape\": [%zu, %zu], \"typestr\": \"<f4\", \"version\": 3}",
                static_cast<unsigned long long>(reinterpret_cast<uintptr_t>(data)), rows, columns);
  return buffer;
}

struct BlockIterator {
  const DenseMatrix* matrix;
  DMatrixHandle proxy;
  size_t position = 0;
  std::string interface;
};

int NextBlock(DataIterHandle handle) {
  auto* iterator = static_cast<BlockIterator*>(handle);
  const auto& blocks = iterator->matrix->blocks;
  while (iterator->position < blocks.size() && blocks[iterator->position].rows() == 0) ++iterator->position;
  if (iterator->position >= blocks.size()) return 0;
  const DenseBlock& block = blocks[iterator->position++];
  iterator->interface = ArrayInterface(block.values.data(), block.rows(), iterator->matrix->num_features);
  Check(XGProxyDMatrixSetDataDense(iterator->proxy, iterator->interface.c_str()), "XGProxyDMatrixSetDataDense");
  Check(XGDMatrixSetDenseInfo(iterator->proxy, "label", block.labels.data(), block.rows(), 1), "XGDMatrixSetDenseInfo");
  return 1;
}

void ResetBlocks(DataIterHandle handle) { static_cast<BlockIterator*>(handle)->position = 0; }

class DMatrix {
 public:
  DMatrix(const DenseMatrix& matrix, const DMatrix* reference, int threads) {
    DMatrixHandle proxy;
    Check(XGProxyDMatrixCreate(&proxy), "XGProxyDMatrixCreate");
    BlockIterator iterator{&matrix, proxy, 0, {}};
    std::string config = "{\"missing\": NaN, \"nthread\": " + std::to_string(threads) + "}";
    int rc = XGQuantileDMatrixCreateFromCallback(&iterator, proxy, reference ? reference->handle_ : nullptr,
                                                 ResetBlocks, NextBlock, config.c_str(), &handle_);
    XGDMatrixFree(proxy);
    Check(rc, "XGQuantileDMatrixCreateFromCallback");
  }
  ~DMatrix() { XGDMatrixFree(handle_); }
  DMatrix(const DMatrix&) = delete;
  DMatrix& operator=(const DMatrix&) = delete;
  DMatrixHandle handle() const { return handle_; }

 private:
  DMatrixHandle handle_ = nullptr;
};

// "[3]\ttrain-rmse:1.5\tvalid-rmse:2.5" -> the last metric of each set.
void ParseEval(const char* text, RoundReport* report) {
  std::string line(text);
  size_t pos = 0;
  while ((pos = line.find('\t', pos)) != std::string::npos) {
    ++pos;
    size_t colon = line.find(':', pos);
    size_t dash = line.find('-', pos);
    if (colon == std::string::npos || dash == std::string::npos || dash > colon) continue;
    std::string set = line.substr(pos, dash - pos);
    report->metric = line.substr(dash + 1, colon - dash - 1);
    double value = std::strtod(line.c_str() + colon + 1, nullptr);
    if (set == "valid") {
      report->valid_value = value;
      report->has_valid = true;
    } else {
      report->train_value = value;
      report->has_train = true;
    }
  }
}

// The file a manifest's "file" names: a plain name inside the model
// directory, and (symlinks followed) still inside it, so that a model
// directory cannot make a server read a file elsewhere.
std::string ModelFilePath(const std::string& dir, const std::string& name) {
  namespace fs = std::filesystem;
  if (name.empty() || name == "." || name == ".." || name.find('/') != std::string::npos ||
      name.find('\0') != std::string::npos) {
    ThrowInputData(dir + "/sluice-model.json: model.file '" + name + "' must name a file inside the model directory");
  }
  const std::string path = dir + "/" + name;
  std::error_code ec;
  const fs::path real_dir = fs::weakly_canonical(dir, ec);
  const fs::path real = ec ? fs::path() : fs::weakly_canonical(path, ec);
  if (ec || real.parent_path() != real_dir) {
    ThrowInputData(path + ": the model file lies outside the model directory (a symbolic link?)");
  }
  return path;
}

class XgboostModel : public Model {
 public:
  XgboostModel(BoosterHandle booster, Task task, size_t num_features, nlohmann::json facts, size_t outputs)
      : booster_(booster), task_(task), num_features_(num_features), outputs_(outputs), facts_(std::move(facts)) {}
  ~XgboostModel() override { XGBoosterFree(booster_); }

  std::string learner() const override { return "xgboost"; }
  Task task() const override { return task_; }
  size_t num_features() const override { return num_features_; }
  size_t num_outputs() const override { return outputs_; }

  void Predict(const float* features, size_t rows, float* out) const override {
    if (rows == 0) return;
    // Small batches (a server's requests) through the native forest, when
    // it scores exactly as XGBoost does; large ones through XGBoost's
    // blocked predictor.
    // The native forest sums one output group: multi-class goes to XGBoost.
    if (rows <= kForestMaxRows && outputs_ == 1) {
      std::call_once(forest_once_, [this] { forest_ = BuildCheckedForest(); });
      if (forest_) return forest_->Predict(features, rows, out);
    }
    PredictWithXgboost(features, rows, out);
  }

  void PredictWithXgboost(const float* features, size_t rows, float* out) const {
    std::string interface = ArrayInterface(features, rows, num_features_);
    static const char* kConfig =
        "{\"type\": 0, \"training\": false, \"iteration_begin\": 0, \"iteration_end\": 0, "
        "\"strict_shape\": false, \"cache_id\": 0, \"missing\": NaN}";
    const bst_ulong* shape;
    bst_ulong dims;
    const float* result;
    Check(XGBoosterPredictFromDense(booster_, interface.c_str(), kConfig, nullptr, &shape, &dims, &result),
          "XGBoosterPredictFromDense");
    std::copy(result, result + rows * outputs_, out);
  }

  nlohmann::json Save(const std::string& dir) const override {
    // Through sluice's own writer: atomic, and a full disk named as such
    // (XGBoosterSaveModel reports only "FileStream.Write incomplete").
    bst_ulong length = 0;
    const char* bytes = nullptr;
    Check(XGBoosterSaveModelToBuffer(booster_, R"({"format": "json"})", &length, &bytes), "XGBoosterSaveModelToBuffer");
    WriteFileAtomically(dir + "/model.json", std::string_view(bytes, length));
    nlohmann::json saved = facts_;
    saved["file"] = "model.json";
    saved["num_features"] = num_features_;
    saved["task"] = TaskName(task_);
    if (task_ == Task::kMultiClassification) saved["num_class"] = outputs_;
    return saved;
  }

  nlohmann::json Describe() const override { return facts_; }

  std::vector<double> FeatureImportance() const override {
    // Total gain: what the splits on a feature bought over the whole
    // ensemble (the mean "gain" favours features split on rarely). XGBoost
    // names features it never split on not at all, and the rest f0, f1...
    static const char* kConfig = "{\"importance_type\": \"total_gain\"}";
    bst_ulong count = 0, dims = 0;
    const char** names = nullptr;
    const bst_ulong* shape = nullptr;
    const float* scores = nullptr;
    Check(XGBoosterFeatureScore(booster_, kConfig, &count, &names, &dims, &shape, &scores), "XGBoosterFeatureScore");
    std::vector<double> importance(num_features_, 0.0);
    for (bst_ulong i = 0; i < count; ++i) {
      if (names[i][0] != 'f') continue;
      char* end = nullptr;
      unsigned long index = std::strtoul(names[i] + 1, &end, 10);
      if (*end == '\0' && index < num_features_) importance[index] = scores[i];
    }
    return importance;
  }

 private:
  static constexpr size_t kForestMaxRows = 64;

  // The booster as a native forest, if it scores rows on and around every
  // split threshold, and missing values, bit for bit as XGBoost does.
  std::unique_ptr<TreeForest> BuildCheckedForest() const {
    bst_ulong length = 0;
    const char* bytes = nullptr;
    if (XGBoosterSaveModelToBuffer(booster_, R"({"format": "json"})", &length, &bytes) != 0) return nullptr;
    std::string why;
    auto forest = TreeForest::FromXgboostJson(std::string_view(bytes, length), &why);
    if (!forest || forest->num_features() != num_features_) return nullptr;
    const size_t rows = 512;
    std::vector<float> check(rows * num_features_), native(rows), reference(rows);
    std::vector<std::vector<float>> splits = forest->SplitValues();
    uint64_t state = 0x9e3779b97f4a7c15ull;
    auto next = [&state] {
      state ^= state << 13;
      state ^= state >> 7;
      state ^= state << 17;
      return state;
    };
    for (size_t r = 0; r < rows; ++r) {
      for (size_t f = 0; f < num_features_; ++f) {
        float& x = check[r * num_features_ + f];
        const auto& at = splits[f];
        const float split = at.empty() ? 0.0f : at[next() % at.size()];
        switch (next() % 8) {
          case 0: x = std::numeric_limits<float>::quiet_NaN(); break;
          case 1: case 2: x = split; break;
          case 3: x = std::nextafter(split, -std::numeric_limits<float>::infinity()); break;
          case 4: x = std::nextafter(split, std::numeric_limits<float>::infinity()); break;
          default: x = split + static_cast<float>(static_cast<int64_t>(next() % 2001) - 1000) / 100.0f;
        }
      }
    }
    forest->Predict(check.data(), rows, native.data());
    PredictWithXgboost(check.data(), rows, reference.data());
    if (std::memcmp(native.data(), reference.data(), rows * sizeof(float)) != 0) return nullptr;
    return forest;
  }

  BoosterHandle booster_;
  Task task_;
  size_t num_features_;
  size_t outputs_;
  nlohmann::json facts_;
  mutable std::once_flag forest_once_;
  mutable std::unique_ptr<TreeForest> forest_;
};

// XGBoost 1.7's parameters (learner, gbtree / dart / gblinear booster, hist
// tree updater, objectives' own), as its documentation lists them; XGBoost
// itself only warns about a name it does not use.
const std::set<std::string>& KnownParams() {
  static const std::set<std::string> names = {
      "booster", "verbosity", "nthread", "disable_default_eval_metric", "validate_parameters", "seed",
      "seed_per_iteration", "objective", "base_score", "eval_metric", "num_parallel_tree", "eta", "learning_rate",
      "gamma", "min_split_loss", "max_depth", "min_child_weight", "max_delta_step", "subsample", "sampling_method",
      "colsample_bytree", "colsample_bylevel", "colsample_bynode", "lambda", "reg_lambda", "alpha", "reg_alpha",
      "tree_method", "scale_pos_weight", "updater", "refresh_leaf", "process_type", "grow_policy", "max_leaves",
      "max_bin", "max_cat_to_onehot", "max_cat_threshold", "monotone_constraints", "interaction_constraints",
      "single_precision_histogram", "predictor", "tweedie_variance_power", "huber_slope", "quantile_alpha",
      "aft_loss_distribution", "aft_loss_distribution_scale", "num_class", "sample_type", "normalize_type",
      "rate_drop", "one_drop", "skip_drop", "feature_selector", "top_k", "lambdarank_pair_method",
      "max_cached_hist_node", "multi_strategy", "device"};
  return names;
}

class XgboostLearner : public Learner {
 public:
  bool KnowsParam(const std::string& name) const override { return KnownParams().count(name) > 0; }

  Task TaskOf(const std::map<std::string, std::string>& params) const override {
    auto objective = params.find("objective");
    if (objective == params.end()) return Task::kRegression;
    if (objective->second.rfind("binary:", 0) == 0) return Task::kBinaryClassification;
    if (objective->second.rfind("reg:", 0) == 0) return Task::kRegression;
    if (objective->second == "multi:softprob") return Task::kMultiClassification;
    if (objective->second == "multi:softmax") {
      ThrowUsage("train.params.objective: use multi:softprob (sluice gives each class's probability and the most "
                 "likely class; multi:softmax gives the class alone)");
    }
    ThrowUsage("train.params.objective: '" + objective->second +
               "' is not supported yet (reg:* for regression, binary:* for two classes, multi:softprob for more)");
  }

  std::unique_ptr<Model> Train(DenseMatrix train, DenseMatrix valid, const TrainConfig& config,
                               const RoundObserver& observer) override {
    Task task = TaskOf(config.params);
    if (train.num_rows() == 0) ThrowInputData("train: the train split is empty");
    if (task == Task::kBinaryClassification) CheckBinaryLabels(train);
    if (task == Task::kMultiClassification) CheckClassLabels(train, config.num_classes);
    auto start = std::chrono::steady_clock::now();
    DMatrix train_matrix(train, nullptr, config.threads);
    std::unique_ptr<DMatrix> valid_matrix;
    if (valid.num_rows() > 0) valid_matrix = std::make_unique<DMatrix>(valid, &train_matrix, config.threads);
    // XGBoost holds its quantised copy now; ours can go.
    size_t num_features = train.num_features;
    train = DenseMatrix();
    valid = DenseMatrix();
    ReleaseFreeMemory();

    DMatrixHandle handles[2] = {train_matrix.handle(), valid_matrix ? valid_matrix->handle() : nullptr};
    BoosterHandle booster;
    Check(XGBoosterCreate(handles, valid_matrix ? 2 : 1, &booster), "XGBoosterCreate");
    std::map<std::string, std::string> params = {
        {"tree_method", "hist"},
        {"nthread", std::to_string(config.threads)},
        {"seed", std::to_string(config.seed)},
        {"objective", task == Task::kRegression ? "reg:squarederror" : "binary:logistic"},
    };
    if (task == Task::kMultiClassification) params["num_class"] = std::to_string(config.num_classes);
    const bool checkpointing = config.checkpoints && config.checkpoint_every > 0;
    if (checkpointing) {
      // Row sampling seeded from the round number, not from a stream that
      // runs through the rounds, so that a resumed run draws what an
      // uninterrupted one does.
      params["seed_per_iteration"] = "true";
    }
    for (const auto& [key, value] : config.params) {
      if (key == "num_class" && task == Task::kMultiClassification) continue;  // the label map says
      params[key] = value;
    }
    if (params["tree_method"] != "hist") {
      XGBoosterFree(booster);
      ThrowUsage("train.params.tree_method: sluice trains with 'hist' (its data path builds a quantile DMatrix)");
    }
    for (const auto& [key, value] : params) {
      int rc = XGBoosterSetParam(booster, key.c_str(), value.c_str());
      if (rc != 0) {
        std::string message = LastError();
        XGBoosterFree(booster);
        ThrowUsage("train.params." + key + ": " + message);
      }
    }

    auto boost_start = std::chrono::steady_clock::now();
    int best_round = -1;
    double best_value = 0;
    std::string metric;
    int rounds_run = 0;
    bool stopped_early = false;
    bool pruned = false;
    nlohmann::json curve = nlohmann::json::array();  // what a checkpoint replays
    int first_round = 0;
    nlohmann::json resumed;
    // A booster rebuilt from a checkpoint's bytes: new caches, new updaters,
    // exactly what a process resuming from that checkpoint starts with.
    auto reopen = [&](const std::string& bytes, const std::string& where) {
      BoosterHandle fresh;
      Check(XGBoosterCreate(handles, valid_matrix ? 2 : 1, &fresh), "XGBoosterCreate");
      for (const auto& [key, value] : params) Check(XGBoosterSetParam(fresh, key.c_str(), value.c_str()), "XGBoosterSetParam");
      if (XGBoosterLoadModelFromBuffer(fresh, bytes.data(), bytes.size()) != 0) {
        std::string message = LastError();
        XGBoosterFree(fresh);
        ThrowInputData(where + ": cannot load the checkpoint's model: " + message);
      }
      XGBoosterFree(booster);
      booster = fresh;
    };
    if (checkpointing) {
      if (auto checkpoint = config.checkpoints->Latest()) {
        reopen(checkpoint->model, checkpoint->path);
        const auto& state = checkpoint->state;
        first_round = static_cast<int>(checkpoint->progress);
        rounds_run = first_round;
        best_round = state.value("best_round", -1);
        best_value = state.value("best_value", 0.0);
        metric = state.value("metric", "");
        curve = state.value("curve", nlohmann::json::array());
        resumed = {{"from_round", first_round}, {"checkpoint", checkpoint->path}};
        for (const auto& point : curve) {
          if (!observer) break;
          RoundReport report{point.at("round").get<int>(), point.value("metric", ""), point.value("train", 0.0),
                             point.value("valid", 0.0), point.contains("train"), point.value("has_valid", false)};
          report.replayed = true;
          observer(report);
        }
      }
    }
    // Writes a checkpoint (the booster's bytes and the loop's state) and carries on from it as a resumed run would:
    // XGBoost's updaters draw from its random stream when they are created,
    // so a run that kept its booster would sample other rows than one that
    // resumed, and the models would part.
    auto write_checkpoint = [&](int done) {
      bst_ulong length = 0;
      const char* bytes = nullptr;
      Check(XGBoosterSaveModelToBuffer(booster, R"({"format": "ubj"})", &length, &bytes), "XGBoosterSaveModelToBuffer");
      std::string model(bytes, length);
      nlohmann::json state = {{"best_round", best_round}, {"best_value", best_value}, {"metric", metric}, {"curve", curve}};
      config.checkpoints->Write(done, state, model);
      reopen(model, config.checkpoints->dir());
    };
    const auto rounds_start = std::chrono::steady_clock::now();
    for (int round = first_round; round < config.rounds; ++round) {
      Check(XGBoosterUpdateOneIter(booster, round, train_matrix.handle()), "XGBoosterUpdateOneIter");
      rounds_run = round + 1;
      RoundReport report{round, "", 0, 0, false, false};
      bool stop = false;
      {
        // The training set's metric comes from XGBoost's cached predictions
        // (no extra pass over the data); it gives the report its training curve.
        const char* names[] = {"train", "valid"};
        DMatrixHandle eval_handles[] = {train_matrix.handle(), valid_matrix ? valid_matrix->handle() : nullptr};
        const char* text;
        Check(XGBoosterEvalOneIter(booster, round, eval_handles, names, valid_matrix ? 2 : 1, &text),
              "XGBoosterEvalOneIter");
        ParseEval(text, &report);
      }
      if (valid_matrix) {
        metric = report.metric;
        bool better = best_round < 0 ||
                      (MetricHigherIsBetter(metric) ? report.valid_value > best_value : report.valid_value < best_value);
        if (better) {
          best_round = round;
          best_value = report.valid_value;
        } else if (config.early_stopping_rounds > 0 && round - best_round >= config.early_stopping_rounds) {
          stopped_early = stop = true;
        }
      }
      curve.push_back({{"round", round}, {"metric", report.metric}, {"train", report.train_value}, {"valid", report.valid_value},
                       {"has_valid", report.has_valid}});
      if (observer) observer(report);
      if (stop) break;
      if (config.prune && report.has_valid && rounds_run < config.rounds && config.prune(report)) {
        pruned = true;
        break;
      }
      // A stop request (SIGTERM) is honoured at the next checkpoint round, at
      // most checkpoint_every rounds on: a checkpoint taken anywhere else
      // would let the resumed model part from the uninterrupted one.
      const bool interrupted = config.stop_requested && config.stop_requested->load();
      const bool at_checkpoint = checkpointing && rounds_run % config.checkpoint_every == 0;
      if (at_checkpoint && rounds_run < config.rounds) write_checkpoint(rounds_run);
      if (interrupted && checkpointing && !at_checkpoint && rounds_run < config.rounds) {
        // The next checkpoint round is too far off to wait for (a Spot
        // notice gives two minutes): checkpoint here, off the schedule. A run
        // resumed from it trains the same rounds, but its model is not byte
        // for byte an uninterrupted one's.
        constexpr double kMaxStopWaitSeconds = 5;
        const double seconds_per_round =
            std::chrono::duration<double>(std::chrono::steady_clock::now() - rounds_start).count() /
            (rounds_run - first_round);
        const int rounds_to_checkpoint = config.checkpoint_every - rounds_run % config.checkpoint_every;
        if (rounds_to_checkpoint * seconds_per_round > kMaxStopWaitSeconds) {
          write_checkpoint(rounds_run);
          XGBoosterFree(booster);
          ThrowInterrupted("training stopped by a signal after round " + std::to_string(rounds_run) +
                           "; checkpoint written to " + config.checkpoints->dir() + " off its schedule (the next one was " +
                           std::to_string(rounds_to_checkpoint) + " rounds away): run the same command again to resume");
        }
      }
      if (interrupted && rounds_run < config.rounds && (at_checkpoint || !checkpointing)) {
        XGBoosterFree(booster);
        ThrowInterrupted("training stopped by a signal after round " + std::to_string(rounds_run) +
                         (checkpointing ? "; checkpoint written to " + config.checkpoints->dir() +
                                    " (run the same command again to resume)"
                              : " (no checkpoint: train.checkpoint_every is 0)"));
      }
    }
    if (stopped_early) {
      BoosterHandle sliced;
      Check(XGBoosterSlice(booster, 0, best_round + 1, 1, &sliced), "XGBoosterSlice");
      XGBoosterFree(booster);
      booster = sliced;
    }
    auto end = std::chrono::steady_clock::now();
    nlohmann::json facts;
    facts["data_handover_seconds"] = std::chrono::duration<double>(boost_start - start).count();
    facts["boosting_seconds"] = std::chrono::duration<double>(end - boost_start).count();
    facts["rounds_run"] = rounds_run;
    facts["trees"] = stopped_early ? best_round + 1 : rounds_run;
    facts["stopped_early"] = stopped_early;
    if (pruned) facts["pruned"] = true;
    if (best_round >= 0) {
      facts["best_round"] = best_round;
      facts["valid_metric"] = metric;
      facts["best_valid_value"] = best_value;
    }
    facts["params"] = params;
    if (!resumed.is_null()) facts["resumed"] = resumed;
    const size_t outputs = task == Task::kMultiClassification ? static_cast<size_t>(config.num_classes) : 1;
    return std::make_unique<XgboostModel>(booster, task, num_features, facts, outputs);
  }

  std::unique_ptr<Model> Load(const std::string& dir, const nlohmann::json& saved) override {
    BoosterHandle booster;
    Check(XGBoosterCreate(nullptr, 0, &booster), "XGBoosterCreate");
    std::string path;
    try {
      path = ModelFilePath(dir, saved.value("file", "model.json"));
    } catch (...) {
      XGBoosterFree(booster);
      throw;
    }
    int loaded = -1;
    try {
      loaded = XGBoosterLoadModel(booster, path.c_str());
    } catch (const std::exception& error) {
      // XGBoost lets some failures out as C++ exceptions (std::bad_alloc on
      // a file that is not a model at all).
      XGBoosterFree(booster);
      ThrowInputData(path + ": not an XGBoost model (" + error.what() + ")");
    }
    if (loaded != 0) {
      std::string message = LastError();
      XGBoosterFree(booster);
      ThrowInputData(path + ": cannot load XGBoost model: " + message);
    }
    // A loaded model is called from many threads at once (a batch per pool
    // thread, a request per server worker): each call runs on its caller's
    // thread, as OpenMP threads of their own would oversubscribe the cores.
    Check(XGBoosterSetParam(booster, "nthread", "1"), "XGBoosterSetParam");
    Task task = TaskFromName(saved.value("task", "regression"));
    const size_t outputs = task == Task::kMultiClassification ? saved.value("num_class", size_t{0}) : 1;
    if (outputs == 0) {
      XGBoosterFree(booster);
      ThrowInputData(path + ": a multi-class model without num_class");
    }
    return std::make_unique<XgboostModel>(booster, task, saved.at("num_features").get<size_t>(), saved, outputs);
  }

 private:
  static void CheckClassLabels(const DenseMatrix& matrix, int classes) {
    if (classes < 2) ThrowInputData("train.target: a multi-class target needs at least 2 classes, found " + std::to_string(classes));
    for (const auto& block : matrix.blocks) {
      for (float label : block.labels) {
        if (!(label >= 0 && label < static_cast<float>(classes)) || label != std::floor(label)) {
          ThrowInternal("train.target: class id " + std::to_string(label) + " outside 0.." + std::to_string(classes - 1));
        }
      }
    }
  }

  static void CheckBinaryLabels(const DenseMatrix& matrix) {
    for (const auto& block : matrix.blocks) {
      for (float label : block.labels) {
        if (label != 0.0f && label != 1.0f) {
          ThrowInputData("train.target: binary classification needs labels 0 and 1, found " + std::to_string(label));
        }
      }
    }
  }
};

}  // namespace

std::unique_ptr<Learner> MakeXgboostLearner() { return std::make_unique<XgboostLearner>(); }

}  // namespace sluice
