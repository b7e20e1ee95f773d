#pragma once
// A text classifier's model directory (docs/artifact.md): sluice-model.json
// with "kind": "text", the text and label columns, and θ — tokenizer
// options, vocabulary, label map, n-gram buckets — beside the learner's own
// file (its TextLearner names it: ngram.bin, bilstm.pt). Loading rebuilds
// them; Encode tokenizes raw text with the very tokenizer training used into
// the ids the learner reads, Predict gives class probabilities. Const and
// safe from many threads.

#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "nlohmann/json.hpp"
#include "text/label_map.h"
#include "text/text_classifier.h"
#include "text/text_learner.h"
#include "text/tokenizer.h"
#include "text/vocabulary.h"

namespace sluice {

class TextArtifact {
 public:
  TextArtifact(std::string text_column, std::string label_column, TokenizerOptions tokenizer, Vocabulary vocabulary,
               LabelMap labels, std::shared_ptr<const TextLearner> learner, std::unique_ptr<TextClassifier> model);

  // Writes `dir` atomically; `manifest` holds the run facts.
  void Save(const std::string& dir, nlohmann::json manifest, const nlohmann::json& metrics,
            const std::vector<std::pair<std::string, std::string>>& extra_files) const;
  static std::unique_ptr<TextArtifact> Load(const std::string& dir);
  // Whether `dir` holds a text model (its manifest says "kind": "text").
  static bool IsTextModel(const std::string& dir);

  // The ids the learner reads for already tokenized text, appended to `out`.
  void EncodeTokens(const std::vector<std::string>& tokens, std::vector<int32_t>& out) const;
  // Appends `text` to `docs` as the learner's ids; false with `error` set
  // when the text is not valid UTF-8.
  bool Encode(std::string_view text, TextExamples& docs, std::string* error) const;
  // Class probabilities of every document (docs.size() x classes).
  void Predict(const TextExamples& docs, float* probabilities) const { model_->Predict(docs, probabilities); }
  // Class probabilities of one `text` (labels().size() of them).
  bool Predict(std::string_view text, std::vector<float>& probabilities, std::string* error) const;

  const std::string& text_column() const { return text_column_; }
  const std::string& label_column() const { return label_column_; }
  const Tokenizer& tokenizer() const { return tokenizer_; }
  const LabelMap& labels() const { return labels_; }
  const TextClassifier& model() const { return *model_; }
  const nlohmann::json& manifest() const { return manifest_; }

 private:
  std::string text_column_, label_column_;
  Tokenizer tokenizer_;
  Vocabulary vocabulary_;
  LabelMap labels_;
  std::shared_ptr<const TextLearner> learner_;
  std::unique_ptr<TextClassifier> model_;
  nlohmann::json manifest_;
};

}  // namespace sluice
