// The `xgboost` learner: gradient-boosted trees through libxgboost's C API.
// Training data reaches XGBoost through its iterator interface and a quantile
// DMatrix: blocks are handed over as array interfaces (no copy, no text), and
// XGBoost keeps only its quantised bins. That DMatrix is the learner's
// TrainingData, so a tuning search builds it once for all its trials.
// Prediction is in place from dense rows (train/xgboost_model.h).

#include <xgboost/c_api.h>

#include <chrono>
#include <cmath>
#include <limits>
#include <optional>
#include <set>
#include <nlohmann/json.hpp>

#include "cluster/communicator.h"
#include "common/error.h"
#include "common/hash.h"
#include "common/log.h"
#include "common/memory.h"
#include "train/checkpoint_store.h"
#include "train/learner.h"
#include "train/metrics.h"
#include "train/xgboost_api.h"
#include "train/xgboost_collective.h"
#include "train/xgboost_model.h"

namespace sluice {

namespace {

using Clock = std::chrono::steady_clock;

double SecondsSince(Clock::time_point start) { return std::chrono::duration<double>(Clock::now() - start).count(); }

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
  // A matrix without rows (a rank whose share of a split is empty) is one
  // empty batch: XGBoost needs at least one, and trains with empty workers.
  static const float kNothing[1] = {0};
  const bool empty = iterator->matrix->num_rows() == 0;
  if (empty ? iterator->position > 0 : iterator->position >= blocks.size()) return 0;
  const float* values = empty ? kNothing : blocks[iterator->position].values.data();
  const float* labels = empty ? kNothing : blocks[iterator->position].labels.data();
  const size_t rows = empty ? 0 : blocks[iterator->position].rows();
  iterator->position = empty ? 1 : iterator->position + 1;
  iterator->interface = XgboostArrayInterface(values, rows, iterator->matrix->num_features);
  XgboostCheck(XGProxyDMatrixSetDataDense(iterator->proxy, iterator->interface.c_str()), "XGProxyDMatrixSetDataDense");
  XgboostCheck(XGDMatrixSetDenseInfo(iterator->proxy, "label", labels, rows, 1), "XGDMatrixSetDenseInfo");
  return 1;
}

void ResetBlocks(DataIterHandle handle) { static_cast<BlockIterator*>(handle)->position = 0; }

class DMatrix {
 public:
  // `max_bin`: train.params.max_bin, or empty for XGBoost's default; the
  // booster must be trained with the same.
  DMatrix(const DenseMatrix& matrix, const DMatrix* reference, int threads, const std::string& max_bin) {
    DMatrixHandle proxy;
    XgboostCheck(XGProxyDMatrixCreate(&proxy), "XGProxyDMatrixCreate");
    BlockIterator iterator{&matrix, proxy, 0, {}};
    std::string config = "{\"missing\": NaN, \"nthread\": " + std::to_string(threads);
    if (!max_bin.empty()) config += ", \"max_bin\": " + max_bin;
    config += "}";
    int rc = XGQuantileDMatrixCreateFromCallback(&iterator, proxy, reference ? reference->handle_ : nullptr,
                                                 ResetBlocks, NextBlock, config.c_str(), &handle_);
    XGDMatrixFree(proxy);
    XgboostCheck(rc, "XGQuantileDMatrixCreateFromCallback");
  }
  ~DMatrix() { XGDMatrixFree(handle_); }
  DMatrix(const DMatrix&) = delete;
  DMatrix& operator=(const DMatrix&) = delete;
  DMatrixHandle handle() const { return handle_; }

 private:
  DMatrixHandle handle_ = nullptr;
};

// What the labels are, learnt while the data is built: the objective, and
// so the labels it needs, may change between trainings on the same data.
struct LabelFacts {
  bool all_binary = true;
  float first_not_binary = 0;
  bool all_integral = true;
  float first_not_integral = 0;
  float min = std::numeric_limits<float>::infinity();
  float max = -std::numeric_limits<float>::infinity();

  void Observe(const DenseMatrix& matrix) {
    for (const auto& block : matrix.blocks) {
      for (float label : block.labels) {
        if (all_binary && label != 0.0f && label != 1.0f) {
          all_binary = false;
          first_not_binary = label;
        }
        if (all_integral && label != std::floor(label)) {
          all_integral = false;
          first_not_integral = label;
        }
        min = std::min(min, label);
        max = std::max(max, label);
      }
    }
  }

  void CheckBinary() const {
    if (!all_binary) {
      ThrowInputData("train.target: binary classification needs labels 0 and 1, found " +
                     std::to_string(first_not_binary));
    }
  }

  void CheckClasses(int classes) const {
    if (classes < 2) {
      ThrowInputData("train.target: a multi-class target needs at least 2 classes, found " + std::to_string(classes));
    }
    if (!all_integral) ThrowInternal("train.target: class id " + std::to_string(first_not_integral) + " is not whole");
    if (min < 0 || max >= static_cast<float>(classes)) {
      ThrowInternal("train.target: class id " + std::to_string(min < 0 ? min : max) + " outside 0.." +
                    std::to_string(classes - 1));
    }
  }
};

// The rows of every rank together, train and validation: what decides, on
// every rank alike, whether there is a validation set. A rank whose share
// is empty still takes part (XGBoost 1.7 trains with empty workers).
std::pair<size_t, size_t> RowsOfAllRanks(Communicator& job, size_t train_rows, size_t valid_rows) {
  std::pair<size_t, size_t> total{0, 0};
  for (const auto& counts : job.AllGather(std::to_string(train_rows) + " " + std::to_string(valid_rows))) {
    total.first += std::stoull(counts);
    total.second += std::stoull(counts.substr(counts.find(' ') + 1));
  }
  return total;
}

class QuantileData : public TrainingData {
 public:
  QuantileData(DenseMatrix train, DenseMatrix valid, int threads, const std::string& max_bin, Communicator* job)
      : num_features_(train.num_features) {
    auto start = Clock::now();
    std::pair<size_t, size_t> rows{train.num_rows(), valid.num_rows()};
    std::optional<WatchedWait> watched;  // XGBoost merges the ranks' sketches as it builds
    if (job && job->size() > 1) {
      rows = RowsOfAllRanks(*job, rows.first, rows.second);
      if (rows.first > 0) {
        job_ = job;
        collective_ = std::make_unique<XgboostCollective>(*job);
        watched.emplace(*job, "the training data's quantile sketches (XGBoost's collective)");
      }
    }
    if (rows.first == 0) ThrowInputData("train: the train split is empty");
    if (job_ && (train.num_rows() == 0 || (rows.second > 0 && valid.num_rows() == 0))) {
      // Said once here, not by XGBoost at every evaluation of every round.
      Log(LogLevel::kWarning, std::string("sluice: warning: this rank's share of the ") +
                                  (train.num_rows() == 0 ? "train" : "validation") +
                                  " split is empty (more ranks than the data has row groups or blocks): "
                                  "it takes part in every round without rows");
      XgboostCheck(XGBSetGlobalConfig(R"({"verbosity": 0})"), "XGBSetGlobalConfig");
    }
    labels_.Observe(train);
    train_ = std::make_unique<DMatrix>(train, nullptr, threads, max_bin);
    if (rows.second > 0) valid_ = std::make_unique<DMatrix>(valid, train_.get(), threads, max_bin);
    // XGBoost holds its quantised copy now; ours can go.
    train = DenseMatrix();
    valid = DenseMatrix();
    ReleaseFreeMemory();
    build_seconds_ = SecondsSince(start);
  }

  size_t num_features() const override { return num_features_; }
  double build_seconds() const override { return build_seconds_; }
  DMatrixHandle train() const { return train_->handle(); }
  DMatrixHandle valid() const { return valid_ ? valid_->handle() : nullptr; }
  const LabelFacts& labels() const { return labels_; }
  // The job training across ranks, or null.
  Communicator* job() const { return job_; }

 private:
  Communicator* job_ = nullptr;
  std::unique_ptr<XgboostCollective> collective_;  // first in, last out: the DMatrices are freed inside it
  size_t num_features_;
  double build_seconds_ = 0;
  LabelFacts labels_;
  std::unique_ptr<DMatrix> train_, valid_;
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

// One training on prepared data: a booster boosted round by round, with
// early stopping, tuning's pruning, checkpoints and stop requests.
class BoostingRun {
 public:
  BoostingRun(const QuantileData& data, const TrainConfig& config, Task task, const RoundObserver& observer)
      : data_(data), config_(config), task_(task), observer_(observer),
        checkpointing_(config.checkpoints != nullptr && config.checkpoint_every > 0),
        lead_(!data.job() || data.job()->rank() == 0) {
    params_ = Params();
    booster_ = NewBooster();
  }
  ~BoostingRun() {
    if (booster_) XGBoosterFree(booster_);
  }
  BoostingRun(const BoostingRun&) = delete;
  BoostingRun& operator=(const BoostingRun&) = delete;

  std::unique_ptr<Model> Run() {
    const auto start = Clock::now();
    if (checkpointing_) ResumeFromCheckpoint();
    rounds_start_ = Clock::now();
    for (int round = first_round_; round < config_.rounds; ++round) {
      if (Boost(round)) break;
    }
    return Finish(SecondsSince(start));
  }

 private:
  std::map<std::string, std::string> Params() const {
    std::map<std::string, std::string> params = {
        {"tree_method", "hist"},
        {"nthread", std::to_string(config_.threads)},
        {"seed", std::to_string(config_.seed)},
        {"objective", task_ == Task::kRegression ? "reg:squarederror" : "binary:logistic"},
    };
    if (task_ == Task::kMultiClassification) params["num_class"] = std::to_string(config_.num_classes);
    if (checkpointing_) {
      // Row sampling seeded from the round number, not from a stream that
      // runs through the rounds, so that a resumed run draws what an
      // uninterrupted one does.
      params["seed_per_iteration"] = "true";
    }
    for (const auto& [key, value] : config_.params) {
      if (key == "num_class" && task_ == Task::kMultiClassification) continue;  // the label map says
      params[key] = value;
    }
    if (params["tree_method"] != "hist") {
      ThrowUsage("train.params.tree_method: sluice trains with 'hist' (its data path builds a quantile DMatrix)");
    }
    return params;
  }

  BoosterHandle NewBooster() const {
    DMatrixHandle handles[2] = {data_.train(), data_.valid()};
    BoosterHandle booster;
    XgboostCheck(XGBoosterCreate(handles, data_.valid() ? 2 : 1, &booster), "XGBoosterCreate");
    for (const auto& [key, value] : params_) {
      if (XGBoosterSetParam(booster, key.c_str(), value.c_str()) != 0) {
        std::string message = XgboostLastError();
        XGBoosterFree(booster);
        ThrowUsage("train.params." + key + ": " + message);
      }
    }
    return booster;
  }

  // A booster rebuilt from a checkpoint's bytes: new caches, new updaters,
  // exactly what a process resuming from that checkpoint starts with.
  void Reopen(const std::string& bytes, const std::string& where) {
    BoosterHandle fresh = NewBooster();
    if (XGBoosterLoadModelFromBuffer(fresh, bytes.data(), bytes.size()) != 0) {
      std::string message = XgboostLastError();
      XGBoosterFree(fresh);
      ThrowInputData(where + ": cannot load the checkpoint's model: " + message);
    }
    XGBoosterFree(booster_);
    booster_ = fresh;
  }

  // The newest checkpoint; across ranks rank 0's, sent to every rank (the
  // others may not even see its disk).
  std::optional<CheckpointStore::Checkpoint> LatestCheckpoint() const {
    std::optional<CheckpointStore::Checkpoint> latest;
    if (lead_) latest = config_.checkpoints->Latest();
    if (!data_.job()) return latest;
    std::string bytes;
    if (latest) {
      bytes = nlohmann::json({{"progress", latest->progress}, {"state", latest->state}, {"path", latest->path}}).dump();
      bytes.push_back('\n');
      bytes += latest->model;
    }
    bytes = data_.job()->Broadcast(bytes, 0);
    if (bytes.empty()) return std::nullopt;
    const size_t newline = bytes.find('\n');
    const nlohmann::json header = nlohmann::json::parse(bytes.substr(0, newline));
    return CheckpointStore::Checkpoint{header.at("progress").get<int64_t>(), header.at("state"), bytes.substr(newline + 1),
                                       header.at("path").get<std::string>()};
  }

  void ResumeFromCheckpoint() {
    auto checkpoint = LatestCheckpoint();
    if (!checkpoint) return;
    Reopen(checkpoint->model, checkpoint->path);
    const auto& state = checkpoint->state;
    first_round_ = static_cast<int>(checkpoint->progress);
    rounds_run_ = first_round_;
    best_round_ = state.value("best_round", -1);
    best_value_ = state.value("best_value", 0.0);
    metric_ = state.value("metric", "");
    curve_ = state.value("curve", nlohmann::json::array());
    resumed_ = {{"from_round", first_round_}, {"checkpoint", checkpoint->path}};
    if (!observer_) return;
    for (const auto& point : curve_) {
      RoundReport report{point.at("round").get<int>(), point.value("metric", ""), point.value("train", 0.0),
                         point.value("valid", 0.0), point.contains("train"), point.value("has_valid", false)};
      report.replayed = true;
      observer_(report);
    }
  }

  // Writes a checkpoint (the booster's bytes and the loop's state) and
  // carries on from it as a resumed run would: XGBoost's updaters draw from
  // its random stream when they are created, so a run that kept its booster
  // would sample other rows than one that resumed, and the models would part.
  void WriteCheckpoint(int done) {
    bst_ulong length = 0;
    const char* bytes = nullptr;
    XgboostCheck(XGBoosterSaveModelToBuffer(booster_, R"({"format": "ubj"})", &length, &bytes),
                 "XGBoosterSaveModelToBuffer");
    std::string model(bytes, length);
    nlohmann::json state = {{"best_round", best_round_}, {"best_value", best_value_}, {"metric", metric_}, {"curve", curve_}};
    // Across ranks every booster holds the same model: rank 0 keeps it.
    if (lead_) config_.checkpoints->Write(done, state, model);
    Reopen(model, config_.checkpoints->dir());
  }

  // The round's metrics. The training set's comes from XGBoost's cached
  // predictions (no extra pass over the data); it gives the training curve.
  RoundReport Evaluate(int round) const {
    RoundReport report{round, "", 0, 0, false, false};
    const char* names[] = {"train", "valid"};
    DMatrixHandle handles[] = {data_.train(), data_.valid()};
    const char* text;
    CheckAcrossRanks(XGBoosterEvalOneIter(booster_, round, handles, names, data_.valid() ? 2 : 1, &text),
                     "XGBoosterEvalOneIter", round);
    ParseEval(text, &report);
    return report;
  }

  // Boosts one round and reports it; true when training ends there.
  // A failed XGBoost call across ranks is most often a rank lost mid-round
  // (its peers see their links to it break): said so, with this rank's name.
  void CheckAcrossRanks(int rc, const char* call, int round) const {
    if (rc == 0 || !data_.job()) return XgboostCheck(rc, call);
    ThrowIo(RankName(data_.job()->rank(), HostName()) + ": XGBoost's collective failed in round " +
            std::to_string(round + 1) + " (" + call + "): " + XgboostLastError() +
            " (did another rank fail or stop? mpirun names a rank that died)");
  }

  bool Boost(int round) {
    RoundReport report{round, "", 0, 0, false, false};
    {
      // Across ranks a round waits on every rank (XGBoost's collective): a
      // rank hung mid-round ends the job after SLUICE_MPI_TIMEOUT.
      std::optional<WatchedWait> watched;
      if (data_.job()) watched.emplace(*data_.job(), "a boosting round (XGBoost's collective)");
      CheckAcrossRanks(XGBoosterUpdateOneIter(booster_, round, data_.train()), "XGBoosterUpdateOneIter", round);
      rounds_run_ = round + 1;
      report = Evaluate(round);
    }
    bool stop = false;
    if (data_.valid()) {
      metric_ = report.metric;
      bool better = best_round_ < 0 || (MetricHigherIsBetter(metric_) ? report.valid_value > best_value_
                                                                      : report.valid_value < best_value_);
      if (better) {
        best_round_ = round;
        best_value_ = report.valid_value;
      } else if (config_.early_stopping_rounds > 0 && round - best_round_ >= config_.early_stopping_rounds) {
        stopped_early_ = stop = true;
      }
    }
    curve_.push_back({{"round", round}, {"metric", report.metric}, {"train", report.train_value},
                      {"valid", report.valid_value}, {"has_valid", report.has_valid}});
    if (observer_) observer_(report);
    if (stop) return true;
    if (config_.prune && report.has_valid && rounds_run_ < config_.rounds && config_.prune(report)) {
      pruned_ = true;
      return true;
    }
    CheckpointAndHonourStop();
    return false;
  }

  // A stop request (SIGTERM) is honoured at the next checkpoint round, at
  // most checkpoint_every rounds on: a checkpoint taken anywhere else would
  // let the resumed model part from the uninterrupted one.
  void CheckpointAndHonourStop() {
    bool interrupted = config_.stop_requested && config_.stop_requested->load();
    const bool at_checkpoint = checkpointing_ && rounds_run_ % config_.checkpoint_every == 0;
    const bool more_to_run = rounds_run_ < config_.rounds;
    // The ranks stop together: a stop asked of one (mpirun forwards a
    // signal to each in its own time) is a stop of all, at the same round.
    constexpr double kMaxStopWaitSeconds = 5;
    const double seconds_per_round = SecondsSince(rounds_start_) / (rounds_run_ - first_round_);
    const int rounds_to_checkpoint = checkpointing_ ? config_.checkpoint_every - rounds_run_ % config_.checkpoint_every : 0;
    bool checkpoint_too_far = rounds_to_checkpoint * seconds_per_round > kMaxStopWaitSeconds;
    if (data_.job()) {
      const auto all = data_.job()->AllGather(std::string{interrupted ? '1' : '0', checkpoint_too_far ? '1' : '0'});
      checkpoint_too_far = all[0][1] == '1';  // rank 0's clock decides
      for (const auto& flags : all) interrupted = interrupted || flags[0] == '1';
    }
    if (at_checkpoint && more_to_run) WriteCheckpoint(rounds_run_);
    if (!interrupted || !more_to_run) return;
    const std::string after = "training stopped by a signal after round " + std::to_string(rounds_run_);
    if (!checkpointing_) ThrowInterrupted(after + " (no checkpoint: train.checkpoint_every is 0)");
    if (at_checkpoint) {
      ThrowInterrupted(after + "; checkpoint written to " + config_.checkpoints->dir() +
                       " (run the same command again to resume)");
    }
    // The next checkpoint round is too far off to wait for (a Spot notice
    // gives two minutes): checkpoint here, off the schedule. A run resumed
    // from it trains the same rounds, but its model is not byte for byte an
    // uninterrupted one's.
    if (checkpoint_too_far) {
      WriteCheckpoint(rounds_run_);
      ThrowInterrupted(after + "; checkpoint written to " + config_.checkpoints->dir() +
                       " off its schedule (the next one was " + std::to_string(rounds_to_checkpoint) +
                       " rounds away): run the same command again to resume");
    }
  }

  std::unique_ptr<Model> Finish(double boosting_seconds) {
    if (stopped_early_) {
      BoosterHandle sliced;
      XgboostCheck(XGBoosterSlice(booster_, 0, best_round_ + 1, 1, &sliced), "XGBoosterSlice");
      XGBoosterFree(booster_);
      booster_ = sliced;
    }
    nlohmann::json facts;
    facts["data_handover_seconds"] = data_.build_seconds();
    facts["boosting_seconds"] = boosting_seconds;
    facts["rounds_run"] = rounds_run_;
    facts["trees"] = stopped_early_ ? best_round_ + 1 : rounds_run_;
    facts["stopped_early"] = stopped_early_;
    if (pruned_) facts["pruned"] = true;
    if (best_round_ >= 0) {
      facts["best_round"] = best_round_;
      facts["valid_metric"] = metric_;
      facts["best_valid_value"] = best_value_;
    }
    facts["params"] = params_;
    if (!resumed_.is_null()) facts["resumed"] = resumed_;
    if (data_.job()) CheckRanksHoldOneModel();
    const size_t outputs = task_ == Task::kMultiClassification ? static_cast<size_t>(config_.num_classes) : 1;
    auto model = std::make_unique<XgboostModel>(booster_, task_, data_.num_features(), facts, outputs);
    booster_ = nullptr;
    return model;
  }

  // Every rank must end with the very same booster (XGBoost's collective
  // agrees on each split): a rank that does not is a fault, not a model.
  void CheckRanksHoldOneModel() const {
    bst_ulong length = 0;
    const char* bytes = nullptr;
    XgboostCheck(XGBoosterSaveModelToBuffer(booster_, R"({"format": "ubj"})", &length, &bytes),
                 "XGBoosterSaveModelToBuffer");
    const std::string digest = std::to_string(Hash64(std::string_view(bytes, length)));
    const auto all = data_.job()->AllGather(digest);
    for (size_t rank = 1; rank < all.size(); ++rank) {
      if (all[rank] != all[0]) ThrowInternal("rank " + std::to_string(rank) + "'s model differs from rank 0's after training");
    }
  }

  const QuantileData& data_;
  const TrainConfig& config_;
  const Task task_;
  const RoundObserver& observer_;
  const bool checkpointing_;
  const bool lead_;  // this process writes checkpoints: rank 0, or the only one
  std::map<std::string, std::string> params_;
  BoosterHandle booster_ = nullptr;
  Clock::time_point rounds_start_;
  int first_round_ = 0;
  int rounds_run_ = 0;
  int best_round_ = -1;
  double best_value_ = 0;
  std::string metric_;
  bool stopped_early_ = false;
  bool pruned_ = false;
  nlohmann::json curve_ = nlohmann::json::array();  // what a checkpoint replays
  nlohmann::json resumed_;
};

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

  std::string DataKey(const TrainConfig& config) const override {
    auto max_bin = config.params.find("max_bin");
    return max_bin == config.params.end() ? std::string() : "max_bin=" + max_bin->second;
  }

  std::unique_ptr<TrainingData> Prepare(DenseMatrix train, DenseMatrix valid, const TrainConfig& config) override {
    auto max_bin = config.params.find("max_bin");
    return std::make_unique<QuantileData>(std::move(train), std::move(valid), config.threads,
                                          max_bin == config.params.end() ? std::string() : max_bin->second, config.job);
  }

  std::unique_ptr<Model> TrainOn(const TrainingData& data, const TrainConfig& config,
                                 const RoundObserver& observer) override {
    const auto& quantile = dynamic_cast<const QuantileData&>(data);
    Task task = TaskOf(config.params);
    // Across ranks each checks its own labels, and all stop if one objects.
    std::string objection;
    try {
      if (task == Task::kBinaryClassification) quantile.labels().CheckBinary();
      if (task == Task::kMultiClassification) quantile.labels().CheckClasses(config.num_classes);
    } catch (const Error& error) {
      if (!quantile.job()) throw;
      objection = error.what();
    }
    if (quantile.job()) {
      const auto all = quantile.job()->AllGather(objection);
      for (size_t rank = 0; rank < all.size(); ++rank) {
        if (!all[rank].empty()) ThrowInputData("rank " + std::to_string(rank) + ": " + all[rank]);
      }
      if (config.prune) ThrowUsage("tune: pruning trials is not done across MPI ranks");
    }
    return BoostingRun(quantile, config, task, observer).Run();
  }

  std::unique_ptr<Model> Load(const std::string& dir, const nlohmann::json& saved) override {
    return XgboostModel::Load(dir, saved);
  }

  bool TrainsAcrossRanks() const override { return true; }
};

}  // namespace

std::unique_ptr<Learner> MakeXgboostLearner() { return std::make_unique<XgboostLearner>(); }

}  // namespace sluice
