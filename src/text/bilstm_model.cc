#include "text/bilstm_model.h"

#include <dlfcn.h>
#include <unistd.h>

#include <exception>
#include <filesystem>
#include <mutex>
#include <vector>

#include "common/atomic_file.h"
#include "common/error.h"
#include "common/plugin_path.h"
#include "text/bilstm_backend.h"
#include "text/text_ranks.h"
#include "text/word_vectors.h"

namespace sluice {


const BiLstmBackend& TorchBackend() {
  static std::once_flag once;
  static const BiLstmBackend* backend = nullptr;
  static std::string failure;
  std::call_once(once, [] {
    std::string tried;
    for (const auto& path : PluginCandidates("libsluice_torch.so", "SLUICE_TORCH_PLUGIN")) {
      if (!std::filesystem::exists(path)) {
        tried += (tried.empty() ? "" : ", ") + path;
        continue;
      }
      void* handle = ::dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
      if (!handle) {
        failure = "cannot open " + path + ": " + ::dlerror();
        return;
      }
      using Entry = const BiLstmBackend* (*)();
      auto entry = reinterpret_cast<Entry>(::dlsym(handle, kBiLstmBackendSymbol));
      if (!entry) {
        failure = path + " is not sluice's Torch plugin (no " + kBiLstmBackendSymbol + ")";
        return;
      }
      backend = entry();
      return;
    }
    failure = "the bilstm learner needs sluice's Torch plugin, libsluice_torch.so (built beside sluice); looked in " +
              tried;
  });
  if (!backend) ThrowUsage(failure);
  return *backend;
}

nlohmann::json BiLstmConfig::ToJson() const {
  return {{"vocabulary_size", vocabulary_size}, {"classes", num_classes},   {"dim", dim},
          {"hidden", hidden},                   {"layers", layers},         {"dropout", dropout},
          {"pooling", mean_pooling ? "mean" : "max"}, {"epochs", epochs},    {"batch_size", batch_size},
          {"learning_rate", learning_rate},      {"clip_norm", clip_norm},  {"freeze_vectors", freeze_vectors}};
}

BiLstmConfig BiLstmConfig::FromJson(const nlohmann::json& json) {
  BiLstmConfig c;
  c.vocabulary_size = json.at("vocabulary_size").get<size_t>();
  c.num_classes = json.at("classes").get<int>();
  c.dim = json.at("dim").get<int>();
  c.hidden = json.at("hidden").get<int>();
  c.layers = json.at("layers").get<int>();
  c.dropout = json.value("dropout", 0.0);
  c.mean_pooling = json.value("pooling", "max") == "mean";
  c.epochs = json.value("epochs", 0);
  c.batch_size = json.value("batch_size", 32);
  c.learning_rate = json.value("learning_rate", 0.0);
  c.clip_norm = json.value("clip_norm", 0.0);
  c.freeze_vectors = json.value("freeze_vectors", false);
  if (c.vocabulary_size < 2 || c.vocabulary_size > (size_t{1} << 31) || c.num_classes < 2 || c.num_classes > 100000 ||
      c.dim < 1 || c.dim > 4096 || c.hidden < 1 || c.hidden > 8192 || c.layers < 1 || c.layers > 16) {
    ThrowInputData("implausible bilstm model shape " + json.dump());
  }
  return c;
}

BiLstmModel::BiLstmModel(BiLstmConfig config, std::unique_ptr<BiLstmNetwork> net)
    : config_(config), net_(std::move(net)) {}
BiLstmModel::~BiLstmModel() = default;
BiLstmModel::BiLstmModel(BiLstmModel&&) noexcept = default;
BiLstmModel& BiLstmModel::operator=(BiLstmModel&&) noexcept = default;

BiLstmModel BiLstmModel::Train(const TextExamples& train, const TextExamples& valid, const BiLstmConfig& given,
                               const WordVectors* vectors, const std::function<void(const BiLstmEpoch&)>& on_epoch,
                               const BiLstmCheckpoints* checkpoints, const TextRanks* ranks) {
  BiLstmConfig config = given;
  if (config.num_classes < 2) ThrowInputData("bilstm: at least two classes are needed");
  if (ranks && ranks->size <= 1) ranks = nullptr;
  const double documents = ranks ? ranks->Sum(static_cast<double>(train.size())) : static_cast<double>(train.size());
  if (documents == 0) ThrowInputData("bilstm: no training documents");
  if (vectors) config.dim = vectors->dim;
  const BiLstmBackend& backend = TorchBackend();
  std::unique_ptr<BiLstmNetwork> net;
  try {
    net = backend.Train(train, valid, config, vectors, on_epoch, checkpoints, ranks);
  } catch (const Error&) {
    throw;  // from on_epoch or write
  } catch (const std::exception& error) {
    ThrowInputData(std::string("bilstm: ") + error.what());
  }
  if (!net) {
    ThrowInterrupted(checkpoints && checkpoints->every_steps > 0
                         ? "bilstm: training stopped by a signal; a checkpoint was written (run the same command again to resume)"
                         : "bilstm: training stopped by a signal (no checkpoint: train.checkpoint_every is 0)");
  }
  return BiLstmModel(config, std::move(net));
}

BiLstmModel BiLstmModel::Load(const std::string& path, const BiLstmConfig& config) {
  const BiLstmBackend& backend = TorchBackend();
  try {
    return BiLstmModel(config, backend.Load(path, config));
  } catch (const std::exception& error) {
    ThrowInputData(path + ": " + error.what());
  }
}

void BiLstmModel::Predict(const TextExamples& docs, float* probabilities) const { net_->Predict(docs, probabilities); }

void BiLstmModel::Save(const std::string& path) const {
  std::string bytes;
  try {
    bytes = net_->SaveToBytes();
  } catch (const std::exception& error) {
    ThrowInternal("cannot serialize the bilstm network for " + path + ": " + error.what());
  }
  WriteFileAtomically(path, bytes);
}

nlohmann::json BiLstmModel::Describe() const {
  nlohmann::json out = config_.ToJson();
  out["learner"] = "bilstm";
  out["parameters"] = parameters();
  return out;
}

int64_t BiLstmModel::parameters() const { return net_->parameters(); }

}  // namespace sluice
