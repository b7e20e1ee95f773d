#include "artifact/text_artifact.h"

#include "artifact/artifact_directory.h"
#include "common/error.h"

namespace sluice {

TextArtifact::TextArtifact(std::string text_column, std::string label_column, TokenizerOptions tokenizer,
                           Vocabulary vocabulary, LabelMap labels, std::shared_ptr<const TextLearner> learner,
                           std::unique_ptr<TextClassifier> model)
    : text_column_(std::move(text_column)),
      label_column_(std::move(label_column)),
      tokenizer_(tokenizer),
      vocabulary_(std::move(vocabulary)),
      labels_(std::move(labels)),
      learner_(std::move(learner)),
      model_(std::move(model)) {}

void TextArtifact::Save(const std::string& dir, nlohmann::json manifest, const nlohmann::json& metrics,
                        const std::vector<std::pair<std::string, std::string>>& extra_files) const {
  SaveArtifactDirectory(dir, std::move(manifest), metrics, extra_files, [&](const std::string& staged, nlohmann::json& m) {
    m["kind"] = "text";
    m["text_column"] = text_column_;
    m["label_column"] = label_column_;
    m["tokenizer"] = tokenizer_.options().ToJson();
    m["vocabulary"] = vocabulary_.ToJson();
    m["labels"] = labels_.ToJson();
    const std::string file = learner_->file_name();
    model_->Save(staged + "/" + file);
    m["model"] = model_->Describe();
    m["model"]["file"] = file;
    learner_->Describe(m["model"]);
  });
}

bool TextArtifact::IsTextModel(const std::string& dir) {
  return ReadArtifactManifest(dir).value("kind", "") == "text";
}

std::unique_ptr<TextArtifact> TextArtifact::Load(const std::string& dir) {
  nlohmann::json manifest = ReadArtifactManifest(dir);
  const std::string where = dir + "/sluice-model.json";
  if (manifest.value("format_version", 0) != kArtifactFormatVersion) {
    ThrowInputData(where + ": format version " + std::to_string(manifest.value("format_version", 0)) +
                   ", this sluice reads " + std::to_string(kArtifactFormatVersion));
  }
  VerifyArtifactFiles(dir, manifest);
  try {
    const auto& description = manifest.at("model");
    const std::string learner = description.value("learner", "");
    Vocabulary vocabulary = Vocabulary::FromJson(manifest.at("vocabulary"));
    LabelMap labels = LabelMap::FromJson(manifest.at("labels"));
    if (!IsTextLearner(learner)) ThrowInputData(where + ": unknown text learner '" + learner + "'");
    std::shared_ptr<TextLearner> text_learner = MakeTextLearner(learner);
    std::unique_ptr<TextClassifier> model =
        text_learner->Load(dir + "/" + text_learner->file_name(), description, vocabulary, labels.size(), where);
    auto artifact = std::make_unique<TextArtifact>(
        manifest.at("text_column").get<std::string>(), manifest.value("label_column", ""),
        TokenizerOptions::FromJson(manifest.at("tokenizer")), std::move(vocabulary), std::move(labels),
        std::move(text_learner), std::move(model));
    artifact->manifest_ = std::move(manifest);
    return artifact;
  } catch (const nlohmann::json::exception& error) {
    ThrowInputData(where + ": " + error.what());
  }
}

void TextArtifact::EncodeTokens(const std::vector<std::string>& tokens, std::vector<int32_t>& out) const {
  learner_->Encode(vocabulary_, tokens, out);
}

bool TextArtifact::Encode(std::string_view text, TextExamples& docs, std::string* error) const {
  thread_local std::vector<std::string> tokens;
  thread_local std::vector<int32_t> ids;
  tokens.clear();
  ids.clear();
  if (!tokenizer_.Tokenize(text, tokens, error)) return false;
  EncodeTokens(tokens, ids);
  docs.Add(ids, 0);
  return true;
}

bool TextArtifact::Predict(std::string_view text, std::vector<float>& probabilities, std::string* error) const {
  TextExamples docs;
  if (!Encode(text, docs, error)) return false;
  probabilities.resize(labels_.size());
  Predict(docs, probabilities.data());
  return true;
}

}  // namespace sluice
