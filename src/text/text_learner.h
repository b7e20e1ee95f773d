#pragma once
// One interface, many text learners, chosen by name (train.learner), as
// train/learner.h does for tabular ones. A TextLearner owns everything that
// differs between learners: its train.params settings, the ids it reads for
// a tokenized document (its encoding: hashed n-gram features for `ngram`,
// word ids in order for `bilstm`), its training, and its file in the model
// directory. Adding a learner is a new file here and a line in
// text_learner.cc; the text run, the artifact and serve do not change.

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "nlohmann/json.hpp"
#include "text/text_classifier.h"
#include "text/text_ranks.h"
#include "text/vocabulary.h"

namespace sluice {

// What a text run hands a learner to train on.
struct TextTraining {
  const TextExamples* train = nullptr;
  const TextExamples* valid = nullptr;  // may be empty
  const Vocabulary* vocabulary = nullptr;
  int num_classes = 0;
  int threads = 1;
  uint64_t seed = 42;
  std::function<void(const std::string&)> log;
  const std::atomic<bool>* stop_requested = nullptr;
  // For a learner that takes checkpoints (takes_checkpoints()): the newest
  // checkpoint's bytes to resume from (empty: from the start), every how
  // many steps to write one (0: never), and the writer, which returns true
  // when training should stop there (a signal).
  std::string resume;
  int64_t checkpoint_every = 0;
  std::function<bool(int64_t steps, const std::string& blob)> write_checkpoint;
  // The ranks of an MPI job training one model, `train` and `valid` being
  // this rank's share (null: this process alone).
  const TextRanks* ranks = nullptr;
};

struct TrainedText {
  std::unique_ptr<TextClassifier> model;
  nlohmann::json summary;                            // the run summary's "model"
  nlohmann::json curve = nlohmann::json::array();  // a point an epoch
};

class TextLearner {
 public:
  virtual ~TextLearner() = default;
  virtual const char* name() const = 0;

  // Its own train.params keys, as messages list them ("dim, epochs, ...").
  virtual const char* param_names() const = 0;
  // Sets the setting `name` (train.params.`key`, its learner prefix cut off)
  // to `value`; false when it is not one of this learner's. A bad value is a
  // usage error naming `key`.
  virtual bool SetParam(const std::string& key, const std::string& name, const std::string& value) = 0;
  // Its settings as set, by name.
  virtual nlohmann::json Params() const = 0;

  // Appends the ids it reads for `tokens` to `out`; training and scoring
  // both go through here, so they cannot disagree.
  virtual void Encode(const Vocabulary& vocabulary, const std::vector<std::string>& tokens,
                      std::vector<int32_t>& out) const = 0;
  // The width of its input: the features its ids index.
  virtual size_t num_features(const Vocabulary& vocabulary) const = 0;

  // Whether it writes checkpoints (TextTraining's checkpoint fields).
  virtual bool takes_checkpoints() const { return false; }
  virtual TrainedText Train(const TextTraining& training) const = 0;

  // Its file in the model directory.
  virtual const char* file_name() const = 0;
  // Adds what its encoding needs to the manifest's "model" section (ngram:
  // buckets), beside the model's own Describe().
  virtual void Describe(nlohmann::json& section) const {}
  // Reads back the model Save wrote to `file` and the settings Describe
  // recorded in `section`; a model whose shape does not fit `vocabulary`
  // and `classes` is an input-data error naming `where`.
  virtual std::unique_ptr<TextClassifier> Load(const std::string& file, const nlohmann::json& section,
                                               const Vocabulary& vocabulary, size_t classes,
                                               const std::string& where) = 0;
};

// A learner with its default settings; a usage error listing the known
// names when `name` is not one.
std::unique_ptr<TextLearner> MakeTextLearner(const std::string& name);
bool IsTextLearner(const std::string& name);
std::vector<std::string> TextLearnerNames();

}  // namespace sluice
