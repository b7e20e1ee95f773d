#include "train/xgboost_model.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <limits>

#include "common/atomic_file.h"
#include "common/error.h"
#include "train/xgboost_api.h"

namespace sluice {

namespace {

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

}  // namespace

XgboostModel::XgboostModel(BoosterHandle booster, Task task, size_t num_features, nlohmann::json facts, size_t outputs)
    : booster_(booster), task_(task), num_features_(num_features), outputs_(outputs), facts_(std::move(facts)) {}

XgboostModel::~XgboostModel() { XGBoosterFree(booster_); }

std::unique_ptr<Model> XgboostModel::Load(const std::string& dir, const nlohmann::json& saved) {
  BoosterHandle booster;
  XgboostCheck(XGBoosterCreate(nullptr, 0, &booster), "XGBoosterCreate");
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
    std::string message = XgboostLastError();
    XGBoosterFree(booster);
    ThrowInputData(path + ": cannot load XGBoost model: " + message);
  }
  // A loaded model is called from many threads at once (a batch per pool
  // thread, a request per server worker): each call runs on its caller's
  // thread, as OpenMP threads of their own would oversubscribe the cores.
  XgboostCheck(XGBoosterSetParam(booster, "nthread", "1"), "XGBoosterSetParam");
  Task task = TaskFromName(saved.value("task", "regression"));
  const size_t outputs = task == Task::kMultiClassification ? saved.value("num_class", size_t{0}) : 1;
  if (outputs == 0) {
    XGBoosterFree(booster);
    ThrowInputData(path + ": a multi-class model without num_class");
  }
  return std::make_unique<XgboostModel>(booster, task, saved.at("num_features").get<size_t>(), saved, outputs);
}

void XgboostModel::Predict(const float* features, size_t rows, float* out) const {
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

void XgboostModel::PredictWithXgboost(const float* features, size_t rows, float* out) const {
  std::string interface = XgboostArrayInterface(features, rows, num_features_);
  static const char* kConfig =
      "{\"type\": 0, \"training\": false, \"iteration_begin\": 0, \"iteration_end\": 0, "
      "\"strict_shape\": false, \"cache_id\": 0, \"missing\": NaN}";
  const bst_ulong* shape;
  bst_ulong dims;
  const float* result;
  XgboostCheck(XGBoosterPredictFromDense(booster_, interface.c_str(), kConfig, nullptr, &shape, &dims, &result),
        "XGBoosterPredictFromDense");
  std::copy(result, result + rows * outputs_, out);
}

nlohmann::json XgboostModel::Save(const std::string& dir) const {
  // Through sluice's own writer: atomic, and a full disk named as such
  // (XGBoosterSaveModel reports only "FileStream.Write incomplete").
  bst_ulong length = 0;
  const char* bytes = nullptr;
  XgboostCheck(XGBoosterSaveModelToBuffer(booster_, R"({"format": "json"})", &length, &bytes), "XGBoosterSaveModelToBuffer");
  WriteFileAtomically(dir + "/model.json", std::string_view(bytes, length));
  nlohmann::json saved = facts_;
  saved["file"] = "model.json";
  saved["num_features"] = num_features_;
  saved["task"] = TaskName(task_);
  if (task_ == Task::kMultiClassification) saved["num_class"] = outputs_;
  return saved;
}

std::vector<double> XgboostModel::FeatureImportance() const {
  // Total gain: what the splits on a feature bought over the whole
  // ensemble (the mean "gain" favours features split on rarely). XGBoost
  // names features it never split on not at all, and the rest f0, f1...
  static const char* kConfig = "{\"importance_type\": \"total_gain\"}";
  bst_ulong count = 0, dims = 0;
  const char** names = nullptr;
  const bst_ulong* shape = nullptr;
  const float* scores = nullptr;
  XgboostCheck(XGBoosterFeatureScore(booster_, kConfig, &count, &names, &dims, &shape, &scores), "XGBoosterFeatureScore");
  std::vector<double> importance(num_features_, 0.0);
  for (bst_ulong i = 0; i < count; ++i) {
    if (names[i][0] != 'f') continue;
    char* end = nullptr;
    unsigned long index = std::strtoul(names[i] + 1, &end, 10);
    if (*end == '\0' && index < num_features_) importance[index] = scores[i];
  }
  return importance;
}

// The booster as a native forest, if it scores rows on and around every
// split threshold, and missing values, bit for bit as XGBoost does.
std::unique_ptr<TreeForest> XgboostModel::BuildCheckedForest() const {
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

}  // namespace sluice
