#pragma once
// The `bilstm` learner on LibTorch: word ids → embedding → bidirectional
// LSTM (layers, hidden size, dropout between layers) over packed sequences
// (padding never enters a direction) → max- or mean-pooling over the real
// time steps → dropout → linear → softmax. Trained with Adam on the
// cross-entropy, gradients clipped by global norm, in mini-batches bucketed
// by length (a shuffled window of batches is sorted by length and cut, the
// batches then shuffled) so padding is small. The weights of the epoch with
// the lowest validation loss are kept when a validation split exists.
// The network itself is in the LibTorch plugin (text/bilstm_backend.h),
// opened on first use; this is the whole interface.

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "text/text_classifier.h"

namespace sluice {

struct WordVectors;
struct TextRanks;
class BiLstmNetwork;

struct BiLstmConfig {
  size_t vocabulary_size = 0;  // ids, padding (0) and unknown (1) included
  int num_classes = 2;
  int dim = 100;  // embedding width (a pretrained file's width wins)
  int hidden = 128;
  int layers = 1;
  double dropout = 0.3;
  bool mean_pooling = false;  // max-pooling otherwise
  int epochs = 5;
  int batch_size = 32;
  double learning_rate = 2e-3;
  double clip_norm = 5.0;  // 0: no clipping
  bool freeze_vectors = false;
  int threads = 1;
  uint64_t seed = 42;

  nlohmann::json ToJson() const;
  static BiLstmConfig FromJson(const nlohmann::json& json);
};

struct BiLstmEpoch {
  int epoch = 0;
  double train_loss = 0;
  double valid_loss = 0, valid_accuracy = 0;  // NaN without a validation split
  double seconds = 0;
  int64_t tokens = 0;  // real (unpadded) tokens trained on
};

// Checkpoints of a training in progress: every `every_steps` mini-batches
// the whole training state — weights, Adam's moments and step counts, the
// best epoch's weights, the data position (epoch, batch, the shuffling
// stream as it was when the epoch's batches were drawn), Torch's random
// stream (dropout), the epochs so far — goes to `write` as one opaque blob.
// Training given a blob in `resume` continues from it exactly: with one
// thread the final weights equal an uninterrupted training's, bit for bit.
struct BiLstmCheckpoints {
  int every_steps = 0;
  std::string resume;  // a blob `write` received before (empty: from the start)
  // Keeps a blob; returns true when training should stop there (a signal).
  std::function<bool(int64_t steps, const std::string& blob)> write;
  // Asked after every mini-batch: true stops training there (a signal), with
  // a checkpoint written first when every_steps is set.
  std::function<bool()> stop_requested;
};

class BiLstmModel : public TextClassifier {
 public:
  ~BiLstmModel() override;
  BiLstmModel(BiLstmModel&&) noexcept;
  BiLstmModel& operator=(BiLstmModel&&) noexcept;

  // `vectors` (may be null) initialise the embedding rows they cover;
  // `checkpoints` (may be null) are written and resumed from as it says.
  // Stopped through `checkpoints->write`, it throws an interrupted Error.
  //
  // With `ranks` (an MPI job's, more than one), data-parallel as Horovod
  // trains: rank 0's initial weights go to every rank; each mini-batch step
  // every rank computes the summed loss's gradients on a batch of its own
  // share, and one fused sum over the ranks (every trainable tensor's
  // gradient, the rows, the loss) gives each rank the global batch's mean
  // gradient, so all take the same clipped Adam step. A rank whose share has
  // run out of batches adds nothing. Validation loss and accuracy are summed
  // over the ranks. At the end the ranks check that they hold the same
  // weights. Each rank writes its own checkpoints (its data position and
  // shuffling stream are its own), at the same steps as the others.
  static BiLstmModel Train(const TextExamples& train, const TextExamples& valid, const BiLstmConfig& config,
                           const WordVectors* vectors, const std::function<void(const BiLstmEpoch&)>& on_epoch,
                           const BiLstmCheckpoints* checkpoints = nullptr, const TextRanks* ranks = nullptr);
  // The weights in Torch's archive format, the shape from `config`.
  static BiLstmModel Load(const std::string& path, const BiLstmConfig& config);

  const char* learner() const override { return "bilstm"; }
  int num_classes() const override { return config_.num_classes; }
  void Predict(const TextExamples& docs, float* probabilities) const override;
  void Save(const std::string& path) const override;
  nlohmann::json Describe() const override;
  const BiLstmConfig& config() const { return config_; }
  int64_t parameters() const;

 private:
  BiLstmModel(BiLstmConfig config, std::unique_ptr<BiLstmNetwork> net);

  BiLstmConfig config_;
  std::unique_ptr<BiLstmNetwork> net_;
};

}  // namespace sluice
