#include "train/learner.h"

#include "common/error.h"

namespace sluice {

// Built-in learners, each defined in its own file. Listed here rather than
// self-registered from static initializers, which a static library's linker
// would drop.
std::unique_ptr<Learner> MakeXgboostLearner();

namespace {
std::map<std::string, LearnerFactory>& Registry() {
  static std::map<std::string, LearnerFactory> registry = {
      {"xgboost", MakeXgboostLearner},
  };
  return registry;
}
}  // namespace

bool RegisterLearner(const std::string& name, LearnerFactory factory) {
  Registry()[name] = std::move(factory);
  return true;
}

std::vector<std::string> LearnerNames() {
  std::vector<std::string> names;
  for (const auto& [name, factory] : Registry()) names.push_back(name);
  return names;
}

std::unique_ptr<Learner> MakeLearner(const std::string& name) {
  auto found = Registry().find(name);
  if (found == Registry().end()) {
    std::string known;
    for (const auto& known_name : LearnerNames()) known += (known.empty() ? "" : ", ") + known_name;
    ThrowUsage("train.learner: unknown learner '" + name + "' (known: " + known + ")");
  }
  return found->second();
}

std::unique_ptr<Model> Learner::Train(DenseMatrix train, DenseMatrix valid, const TrainConfig& config,
                                      const RoundObserver& observer) {
  auto data = Prepare(std::move(train), std::move(valid), config);
  return TrainOn(*data, config, observer);
}

const char* TaskName(Task task) {
  switch (task) {
    case Task::kRegression: return "regression";
    case Task::kBinaryClassification: return "binary";
    case Task::kMultiClassification: return "multiclass";
  }
  return "regression";
}

Task TaskFromName(const std::string& name) {
  if (name == "binary") return Task::kBinaryClassification;
  if (name == "multiclass") return Task::kMultiClassification;
  return Task::kRegression;
}

}  // namespace sluice
