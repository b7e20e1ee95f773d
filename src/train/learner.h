#pragma once
// One interface, many learners, chosen by name from the pipeline file
// (`train.learner`): a Learner trains a Model from dense matrices and loads
// one back from an artifact directory. A Model's weights are immutable after
// training or loading, so Predict is const and safe from many threads.

#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "nlohmann/json_fwd.hpp"
#include "train/dense_matrix.h"

namespace sluice {

enum class Task { kRegression, kBinaryClassification, kMultiClassification };

// "regression", "binary", "multiclass": as artifacts and summaries record it.
const char* TaskName(Task task);
Task TaskFromName(const std::string& name);

class CheckpointStore;
class Communicator;
struct RoundReport;

struct TrainConfig {
  int rounds = 100;
  int early_stopping_rounds = 0;  // 0: off
  int threads = 1;
  uint64_t seed = 42;
  // Classes of a multi-class target (its labels are 0 .. num_classes - 1).
  int num_classes = 0;
  // Learner parameters, passed through as text (train.params.*).
  std::map<std::string, std::string> params;
  // A checkpoint every `checkpoint_every` rounds into `checkpoints` (null or
  // 0: none); training resumes from the newest matching one found there.
  const CheckpointStore* checkpoints = nullptr;
  int checkpoint_every = 0;
  // Set by a signal handler (SIGTERM, a Spot instance's notice): training
  // stops after the round in progress, writes a checkpoint and throws an
  // interrupted Error.
  const std::atomic<bool>* stop_requested = nullptr;
  // Asked after each round that has a validation value (tuning's early
  // stopping of poor trials): true ends training there, the model keeping
  // the rounds so far and saying it was pruned.
  std::function<bool(const RoundReport&)> prune;
  // The ranks of an MPI job training one model together, each with its own
  // share of the rows (null, or a job of one: this process alone). Every
  // rank prepares and trains with the same config; a learner that cannot
  // train across ranks refuses. Rank 0 alone writes checkpoints; every rank
  // resumes from rank 0's newest.
  Communicator* job = nullptr;
};

// Per round (or epoch): the validation metric's name and value.
struct RoundReport {
  int round;
  std::string metric;
  double train_value = 0;
  double valid_value = 0;
  bool has_train = false;
  bool has_valid = false;
  bool replayed = false;  // a round from before a resume, reported again for the curve
};
using RoundObserver = std::function<void(const RoundReport&)>;

class Model {
 public:
  virtual ~Model() = default;
  virtual std::string learner() const = 0;
  virtual Task task() const = 0;
  virtual size_t num_features() const = 0;
  // Scores per row: 1, or the number of classes of a multi-class model.
  virtual size_t num_outputs() const { return 1; }
  // `features` holds rows x num_features() floats, row-major; writes
  // num_outputs() scores per row (a probability for binary classification,
  // each class's probability for multi-class).
  virtual void Predict(const float* features, size_t rows, float* out) const = 0;
  // Writes the model's own files into `dir` and returns what to record in
  // sluice-model.json to load it again.
  virtual nlohmann::json Save(const std::string& dir) const = 0;
  // Training facts for the run summary (best round, rounds run...).
  virtual nlohmann::json Describe() const = 0;
  // Each feature's importance — for trees the total gain of the splits on
  // it — indexed like the features; empty when the learner has none.
  virtual std::vector<double> FeatureImportance() const { return {}; }
};

// Training data in a learner's own form, built once and trained on many
// times: a tuning search's trials that change only learner parameters share
// one instead of each building it again (XGBoost's quantile DMatrix).
class TrainingData {
 public:
  virtual ~TrainingData() = default;
  virtual size_t num_features() const = 0;
  // Seconds it took to build.
  virtual double build_seconds() const = 0;
};

class Learner {
 public:
  virtual ~Learner() = default;
  // Builds the training data for trainings configured like `config`. Takes
  // the matrices over: a learner that copies them into its own form frees
  // them as soon as it has, so the two never both stay in memory. `valid`
  // may be empty (no validation metric, no early stopping).
  virtual std::unique_ptr<TrainingData> Prepare(DenseMatrix train, DenseMatrix valid, const TrainConfig& config) = 0;
  // What of `config` the data Prepare builds depends on (XGBoost: max_bin):
  // trainings whose keys are equal may share one TrainingData.
  virtual std::string DataKey(const TrainConfig& config) const = 0;
  // Trains on data this learner prepared with an equal DataKey, leaving it
  // as it was for the next training. One training at a time per data.
  virtual std::unique_ptr<Model> TrainOn(const TrainingData& data, const TrainConfig& config,
                                         const RoundObserver& observer) = 0;
  // Prepare, then TrainOn: one training.
  std::unique_ptr<Model> Train(DenseMatrix train, DenseMatrix valid, const TrainConfig& config,
                               const RoundObserver& observer);
  virtual std::unique_ptr<Model> Load(const std::string& dir, const nlohmann::json& saved) = 0;
  // Whether `params` ask for regression, binary or multi-class classification.
  virtual Task TaskOf(const std::map<std::string, std::string>& params) const = 0;
  // Whether `name` is a parameter this learner knows (train.params.<name>):
  // an unknown one is a usage error before anything runs, not a typo that
  // trains with the default.
  virtual bool KnowsParam(const std::string& name) const = 0;
  // Whether it trains one model across the ranks of an MPI job (TrainConfig::job).
  virtual bool TrainsAcrossRanks() const { return false; }
};

using LearnerFactory = std::function<std::unique_ptr<Learner>()>;
// Registers a further learner under `name` (tests, plug-ins); built-in ones are listed in learner.cc.
bool RegisterLearner(const std::string& name, LearnerFactory factory);
// Throws a usage error listing the known names when `name` is not one.
std::unique_ptr<Learner> MakeLearner(const std::string& name);
std::vector<std::string> LearnerNames();

}  // namespace sluice
