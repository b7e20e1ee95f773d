#pragma once
// The `ngram` learner: fastText's supervised model, sluice's own. A document
// is a bag of feature ids (text/ngram_features); its vector is the mean of
// their embeddings; a linear layer and softmax give class probabilities.
// Trained by SGD on the softmax loss with a learning rate decaying linearly
// to zero. By default on one thread: the same seed and data give the same
// model, bit for bit. `hogwild` lets several threads update the shared
// weights without locks (as fastText does; relaxed atomic loads and stores,
// so the races are by design and defined): faster on many cores, but the
// order of updates — and so the model — differs from run to run.

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "text/text_classifier.h"
#include "text/text_ranks.h"

namespace sluice {

struct NgramConfig {
  size_t num_features = 0;  // vocabulary + buckets
  int num_classes = 2;
  int dim = 64;
  int epochs = 10;
  double learning_rate = 0.5;
  // Threads that train at once; more than one only with `hogwild`.
  int threads = 1;
  bool hogwild = false;
  uint64_t seed = 42;
  // Shuffle the examples every epoch; off, each thread reads its contiguous
  // share in input order (fastText's way; poor for input sorted by label).
  bool shuffle = true;
};

class NgramModel : public TextClassifier {
 public:
  // `on_epoch(epoch, mean_loss)` after each epoch (may be empty).
  //
  // With `ranks` (an MPI job's, more than one): model averaging per epoch.
  // Every rank starts from the same weights (the same seed), runs an epoch
  // of SGD over its own share with its own learning-rate schedule, and the
  // ranks then average their weights, each weighted by its share of the
  // examples, and start the next epoch from the average. Chosen over
  // averaging gradients: SGD here updates the rows of one example's
  // features at a time, and a sum over the ranks per example would cost
  // more than the example; per epoch the model goes over the network once.
  static NgramModel Train(const TextExamples& examples, const NgramConfig& config,
                          const std::function<void(int, double)>& on_epoch, const TextRanks* ranks = nullptr);
  // Class probabilities of one document into `probabilities` (num_classes).
  void Predict(const int32_t* ids, size_t count, float* probabilities) const;

  const char* learner() const override { return "ngram"; }
  void Predict(const TextExamples& docs, float* probabilities) const override;
  // A binary file: a header, then the two weight matrices.
  void Save(const std::string& path) const override;
  nlohmann::json Describe() const override;
  static NgramModel Load(const std::string& path);

  int num_classes() const override { return classes_; }
  int dim() const { return dim_; }
  size_t num_features() const { return features_; }

 private:
  size_t features_ = 0;
  int classes_ = 0, dim_ = 0;
  std::vector<float> input_;   // features x dim: the embeddings
  std::vector<float> output_;  // classes x dim: the linear layer
};

}  // namespace sluice
