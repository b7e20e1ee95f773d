#pragma once
// The seam between sluice and LibTorch. The BiLSTM's network lives in a
// plugin, libsluice_torch.so (src/torch/), opened with dlopen the first time
// a bilstm model is trained or loaded: LibTorch's static initialisers cost
// 0.4 s at the start of every process linked with it, which every sluice
// command would pay otherwise. The plugin reports failures as
// std::exception; BiLstmModel turns them into sluice errors.

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "text/bilstm_model.h"
#include "text/text_ranks.h"

namespace sluice {

// A trained network. Predict is const and safe from many threads.
class BiLstmNetwork {
 public:
  virtual ~BiLstmNetwork() = default;
  virtual void Predict(const TextExamples& docs, float* probabilities) const = 0;
  // The network's weights as a Torch archive; sluice writes the file.
  virtual std::string SaveToBytes() const = 0;
  virtual int64_t parameters() const = 0;
};

class BiLstmBackend {
 public:
  virtual ~BiLstmBackend() = default;
  // `config.dim` is the vectors' width when `vectors` is given. Returns
  // null when `checkpoints->write` asked training to stop. `ranks` (null:
  // this process alone) trains data-parallel: `train` and `valid` are this
  // rank's share (BiLstmModel::Train says how).
  virtual std::unique_ptr<BiLstmNetwork> Train(const TextExamples& train, const TextExamples& valid,
                                               const BiLstmConfig& config, const WordVectors* vectors,
                                               const std::function<void(const BiLstmEpoch&)>& on_epoch,
                                               const BiLstmCheckpoints* checkpoints, const TextRanks* ranks) const = 0;
  virtual std::unique_ptr<BiLstmNetwork> Load(const std::string& path, const BiLstmConfig& config) const = 0;
};

// The plugin's entry point: `extern "C" const BiLstmBackend* sluice_bilstm_backend()`.
inline constexpr const char* kBiLstmBackendSymbol = "sluice_bilstm_backend";

// The backend, the plugin opened on first use: $SLUICE_TORCH_PLUGIN, else
// libsluice_torch.so beside the executable, else ../lib/sluice/ from it.
// A usage error naming the places looked in when none opens.
const BiLstmBackend& TorchBackend();

}  // namespace sluice
