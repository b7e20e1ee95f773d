#include "artifact/text_artifact.h"

#include "artifact/artifact_directory.h"
#include "common/error.h"
#include "text/ngram_features.h"

namespace sluice {

TextArtifact::TextArtifact(std::string text_column, std::string label_column, TokenizerOptions tokenizer,
                           Vocabulary vocabulary, LabelMap labels, uint32_t buckets, NgramModel model)
    : text_column_(std::move(text_column)),
      label_column_(std::move(label_column)),
      tokenizer_(tokenizer),
      vocabulary_(std::move(vocabulary)),
      labels_(std::move(labels)),
      buckets_(buckets),
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
    model_.Save(staged + "/ngram.bin");
    m["model"] = {{"learner", "ngram"}, {"file", "ngram.bin"}, {"buckets", buckets_}, {"dim", model_.dim()},
                  {"num_features", model_.num_features()}, {"classes", model_.num_classes()}};
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
  try {
    const auto& model = manifest.at("model");
    if (model.value("learner", "") != "ngram") ThrowInputData(where + ": unknown text learner '" + model.value("learner", "") + "'");
    auto artifact = std::make_unique<TextArtifact>(
        manifest.at("text_column").get<std::string>(), manifest.value("label_column", ""),
        TokenizerOptions::FromJson(manifest.at("tokenizer")), Vocabulary::FromJson(manifest.at("vocabulary")),
        LabelMap::FromJson(manifest.at("labels")), model.at("buckets").get<uint32_t>(),
        NgramModel::Load(dir + "/" + model.value("file", "ngram.bin")));
    if (artifact->model_.num_classes() != static_cast<int>(artifact->labels_.size()) ||
        artifact->model_.num_features() != artifact->vocabulary_.size() + artifact->buckets_) {
      ThrowInputData(where + ": the model's shape does not match its vocabulary and labels");
    }
    artifact->manifest_ = std::move(manifest);
    return artifact;
  } catch (const nlohmann::json::exception& error) {
    ThrowInputData(where + ": " + error.what());
  }
}

void TextArtifact::Features(const std::vector<std::string>& tokens, std::vector<int32_t>& out) const {
  NgramFeatures(vocabulary_, tokens, buckets_, out);
}

bool TextArtifact::Predict(std::string_view text, std::vector<float>& probabilities, std::string* error) const {
  std::vector<std::string> tokens;
  if (!tokenizer_.Tokenize(text, tokens, error)) return false;
  std::vector<int32_t> features;
  Features(tokens, features);
  probabilities.resize(labels_.size());
  model_.Predict(features.data(), features.size(), probabilities.data());
  return true;
}

}  // namespace sluice
