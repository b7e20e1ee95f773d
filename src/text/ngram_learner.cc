// The `ngram` text learner: fastText's supervised model (text/ngram_model.h)
// over the vocabulary's words and `buckets` hashed word pairs
// (text/ngram_features.h).

#include <cstdio>

#include "common/error.h"
#include "text/ngram_features.h"
#include "text/ngram_model.h"
#include "text/param_value.h"
#include "text/text_learner.h"

namespace sluice {

namespace {

class NgramLearner : public TextLearner {
 public:
  const char* name() const override { return "ngram"; }
  const char* param_names() const override { return "dim, epochs, learning_rate, buckets, shuffle, hogwild"; }

  bool SetParam(const std::string& key, const std::string& name, const std::string& value) override {
    if (name == "dim") {
      config_.dim = static_cast<int>(ParamNumber(key, value, 1, 1024));
    } else if (name == "epochs") {
      config_.epochs = static_cast<int>(ParamNumber(key, value, 1, 10000));
    } else if (name == "learning_rate") {
      config_.learning_rate = ParamNumber(key, value, 1e-6, 100);
    } else if (name == "buckets") {
      buckets_ = static_cast<uint32_t>(ParamNumber(key, value, 0, 1 << 26));
    } else if (name == "shuffle") {
      config_.shuffle = ParamFlag(key, value);
    } else if (name == "hogwild") {
      config_.hogwild = ParamFlag(key, value);
    } else {
      return false;
    }
    return true;
  }

  nlohmann::json Params() const override {
    return {{"dim", config_.dim},         {"epochs", config_.epochs},   {"learning_rate", config_.learning_rate},
            {"buckets", buckets_},        {"shuffle", config_.shuffle}, {"hogwild", config_.hogwild}};
  }

  void Encode(const Vocabulary& vocabulary, const std::vector<std::string>& tokens,
              std::vector<int32_t>& out) const override {
    NgramFeatures(vocabulary, tokens, buckets_, out);
  }

  size_t num_features(const Vocabulary& vocabulary) const override { return vocabulary.size() + buckets_; }

  TrainedText Train(const TextTraining& training) const override {
    NgramConfig config = config_;
    config.num_features = num_features(*training.vocabulary);
    config.num_classes = training.num_classes;
    config.threads = training.threads;
    config.seed = training.seed;
    training.log(config.hogwild ? "ngram: Hogwild on " + std::to_string(training.threads) + " threads (faster; runs differ)"
                                : std::string("ngram: 1 thread, reproducible (train.params.ngram.hogwild: true trains "
                                              "on every thread, faster, not reproducible)"));
    TrainedText trained;
    trained.model = std::make_unique<NgramModel>(NgramModel::Train(*training.train, config, [&](int epoch, double loss) {
      trained.curve.push_back({{"epoch", epoch}, {"train_loss", loss}});
      char line[96];
      std::snprintf(line, sizeof line, "ngram: epoch %d/%d  loss %.4f", epoch + 1, config.epochs, loss);
      training.log(line);
      // Across ranks all stop, or none: a stop asked of one is asked of all.
      double stop = training.stop_requested && training.stop_requested->load() ? 1 : 0;
      if (training.ranks && training.ranks->size > 1) stop = training.ranks->Sum(stop);
      if (stop > 0 && epoch + 1 < config.epochs) {
        ThrowInterrupted("ngram: training stopped by a signal after epoch " + std::to_string(epoch + 1));
      }
    }, training.ranks));
    if (training.ranks && training.ranks->size > 1) {
      training.log("ngram: model averaging across " + std::to_string(training.ranks->size) + " ranks, once an epoch");
    }
    trained.summary = {{"learner", "ngram"},
                       {"classes", training.num_classes},
                       {"dim", config.dim},
                       {"epochs", config.epochs},
                       {"features", config.num_features},
                       {"threads", config.hogwild ? config.threads : 1},
                       {"hogwild", config.hogwild}};
    if (training.ranks && training.ranks->size > 1) trained.summary["averaged_across_ranks"] = training.ranks->size;
    return trained;
  }

  const char* file_name() const override { return "ngram.bin"; }
  void Describe(nlohmann::json& section) const override { section["buckets"] = buckets_; }

  std::unique_ptr<TextClassifier> Load(const std::string& file, const nlohmann::json& section,
                                       const Vocabulary& vocabulary, size_t classes, const std::string& where) override {
    buckets_ = section.at("buckets").get<uint32_t>();
    auto model = std::make_unique<NgramModel>(NgramModel::Load(file));
    if (model->num_features() != num_features(vocabulary) || model->num_classes() != static_cast<int>(classes)) {
      ThrowInputData(where + ": the model's shape does not match its vocabulary and labels");
    }
    return model;
  }

 private:
  NgramConfig config_;
  uint32_t buckets_ = 200000;  // hashed word pairs
};

}  // namespace

std::unique_ptr<TextLearner> MakeNgramLearner() { return std::make_unique<NgramLearner>(); }

}  // namespace sluice
