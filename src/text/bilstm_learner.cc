// The `bilstm` text learner: a bidirectional LSTM over word ids in order
// (text/bilstm_model.h), optionally from pretrained word vectors, with
// checkpoints every train.checkpoint_every mini-batches.

#include <cmath>
#include <cstdio>

#include "common/error.h"
#include "common/format.h"
#include "text/bilstm_model.h"
#include "text/param_value.h"
#include "text/text_learner.h"
#include "text/word_vectors.h"

namespace sluice {

namespace {

class BiLstmLearner : public TextLearner {
 public:
  const char* name() const override { return "bilstm"; }
  const char* param_names() const override {
    return "dim, epochs, learning_rate, hidden, layers, dropout, pooling, batch_size, clip_norm, vectors, "
           "freeze_vectors";
  }

  bool SetParam(const std::string& key, const std::string& name, const std::string& value) override {
    BiLstmConfig& c = config_;
    if (name == "dim") {
      c.dim = static_cast<int>(ParamNumber(key, value, 1, 4096));
    } else if (name == "epochs") {
      c.epochs = static_cast<int>(ParamNumber(key, value, 1, 10000));
    } else if (name == "learning_rate") {
      c.learning_rate = ParamNumber(key, value, 1e-7, 10);
    } else if (name == "hidden") {
      c.hidden = static_cast<int>(ParamNumber(key, value, 1, 8192));
    } else if (name == "layers") {
      c.layers = static_cast<int>(ParamNumber(key, value, 1, 16));
    } else if (name == "dropout") {
      c.dropout = ParamNumber(key, value, 0, 0.95);
    } else if (name == "pooling") {
      if (value != "max" && value != "mean") ThrowUsage("train.params." + key + ": expected max or mean, got '" + value + "'");
      c.mean_pooling = value == "mean";
    } else if (name == "batch_size") {
      c.batch_size = static_cast<int>(ParamNumber(key, value, 1, 65536));
    } else if (name == "clip_norm") {
      c.clip_norm = ParamNumber(key, value, 0, 1e6);
    } else if (name == "vectors") {
      if (value.empty()) ThrowUsage("train.params." + key + ": an empty path");
      vectors_ = value;
    } else if (name == "freeze_vectors") {
      c.freeze_vectors = ParamFlag(key, value);
    } else {
      return false;
    }
    return true;
  }

  nlohmann::json Params() const override {
    nlohmann::json params = config_.ToJson();
    params["vectors"] = vectors_;
    return params;
  }

  void Encode(const Vocabulary& vocabulary, const std::vector<std::string>& tokens,
              std::vector<int32_t>& out) const override {
    vocabulary.Encode(tokens, out);
  }

  size_t num_features(const Vocabulary& vocabulary) const override { return vocabulary.size(); }

  bool takes_checkpoints() const override { return true; }

  TrainedText Train(const TextTraining& training) const override {
    BiLstmConfig config = config_;
    config.vocabulary_size = training.vocabulary->size();
    config.num_classes = training.num_classes;
    config.threads = training.threads;
    config.seed = training.seed;
    std::unique_ptr<WordVectors> vectors;
    if (!vectors_.empty()) {
      vectors = std::make_unique<WordVectors>(WordVectors::Read(vectors_, *training.vocabulary));
      training.log("bilstm: " + FormatCount(static_cast<int64_t>(vectors->found_count)) + " of " +
                   FormatCount(static_cast<int64_t>(training.vocabulary->size() - 2)) +
                   " words have a pretrained vector (" + std::to_string(vectors->dim) + " wide) in " + vectors_);
    }
    BiLstmCheckpoints checkpoints;
    checkpoints.resume = training.resume;
    checkpoints.every_steps = static_cast<int>(training.checkpoint_every);
    checkpoints.write = training.write_checkpoint;
    const std::atomic<bool>* stop_requested = training.stop_requested;
    checkpoints.stop_requested = [stop_requested] { return stop_requested && stop_requested->load(); };
    TrainedText trained;
    int64_t tokens = 0;
    double epoch_seconds = 0;
    auto model = std::make_unique<BiLstmModel>(BiLstmModel::Train(
        *training.train, *training.valid, config, vectors.get(),
        [&](const BiLstmEpoch& e) {
          tokens += e.tokens;
          epoch_seconds += e.seconds;
          trained.curve.push_back(EpochPoint(e, config.epochs, training.log));
        },
        &checkpoints, training.ranks));
    trained.summary = model->Describe();
    if (training.ranks && training.ranks->size > 1) trained.summary["data_parallel_ranks"] = training.ranks->size;
    trained.summary["tokens_per_second"] = epoch_seconds > 0 ? static_cast<double>(tokens) / epoch_seconds : 0.0;
    if (vectors) trained.summary["pretrained_vectors"] = {{"file", vectors_}, {"found", vectors->found_count}};
    trained.model = std::move(model);
    return trained;
  }

  const char* file_name() const override { return "bilstm.pt"; }

  std::unique_ptr<TextClassifier> Load(const std::string& file, const nlohmann::json& section,
                                       const Vocabulary& vocabulary, size_t classes, const std::string& where) override {
    config_ = BiLstmConfig::FromJson(section);
    auto model = std::make_unique<BiLstmModel>(BiLstmModel::Load(file, config_));
    if (model->config().vocabulary_size != vocabulary.size() || model->num_classes() != static_cast<int>(classes)) {
      ThrowInputData(where + ": the model's shape does not match its vocabulary and labels");
    }
    return model;
  }

 private:
  // An epoch's point of the curve, and its log line.
  static nlohmann::json EpochPoint(const BiLstmEpoch& e, int epochs, const std::function<void(const std::string&)>& log) {
    const double tokens_per_second = static_cast<double>(e.tokens) / e.seconds;
    nlohmann::json point = {
        {"epoch", e.epoch}, {"train_loss", e.train_loss}, {"seconds", e.seconds}, {"tokens_per_second", tokens_per_second}};
    char line[160];
    if (std::isfinite(e.valid_loss)) {
      point["valid_loss"] = e.valid_loss;
      point["valid_accuracy"] = e.valid_accuracy;
      std::snprintf(line, sizeof line, "bilstm: epoch %d/%d  loss %.4f  valid loss %.4f  valid accuracy %.4f  %.0f tokens/s",
                    e.epoch + 1, epochs, e.train_loss, e.valid_loss, e.valid_accuracy, tokens_per_second);
    } else {
      std::snprintf(line, sizeof line, "bilstm: epoch %d/%d  loss %.4f  %.0f tokens/s", e.epoch + 1, epochs, e.train_loss,
                    tokens_per_second);
    }
    log(line);
    return point;
  }

  BiLstmConfig config_;
  std::string vectors_;  // a word2vec / GloVe text file
};

}  // namespace

std::unique_ptr<TextLearner> MakeBiLstmLearner() { return std::make_unique<BiLstmLearner>(); }

}  // namespace sluice
