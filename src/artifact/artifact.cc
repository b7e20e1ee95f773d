#include "artifact/artifact.h"

#include "artifact/artifact_directory.h"
#include "common/error.h"

namespace sluice {

void Artifact::Save(const std::string& dir, const FittedPrep& prep, const Model& model, nlohmann::json manifest,
                    const nlohmann::json& metrics, const std::vector<std::pair<std::string, std::string>>& extra_files) {
  SaveArtifactDirectory(dir, std::move(manifest), metrics, extra_files, [&](const std::string& staged, nlohmann::json& m) {
    m["input_schema"] = prep.InputSchema().ToJson();
    m["target"] = prep.target();
    m["prep"] = prep.ToJson();
    m["model"] = model.Save(staged);
    m["model"]["learner"] = model.learner();
  });
}

std::unique_ptr<Artifact> Artifact::Load(const std::string& dir) {
  std::string manifest_path = dir + "/sluice-model.json";
  std::unique_ptr<Artifact> artifact(new Artifact());
  artifact->manifest_ = ReadArtifactManifest(dir);
  const auto& manifest = artifact->manifest_;
  int version = manifest.value("format_version", 0);
  if (version != kArtifactFormatVersion) {
    ThrowInputData(manifest_path + ": format version " + std::to_string(version) + ", this sluice reads " +
                   std::to_string(kArtifactFormatVersion));
  }
  if (!manifest.contains("prep") || !manifest.contains("model")) ThrowInputData(manifest_path + ": no prep or model section");
  VerifyArtifactFiles(dir, manifest);
  artifact->prep_ = std::make_unique<FittedPrep>(FittedPrep::FromJson(manifest["prep"]));
  std::string learner = manifest["model"].value("learner", "");
  artifact->model_ = MakeLearner(learner)->Load(dir, manifest["model"]);
  if (artifact->model_->num_features() != artifact->prep_->num_features()) {
    ThrowInputData(manifest_path + ": the model takes " + std::to_string(artifact->model_->num_features()) +
                   " features, prep makes " + std::to_string(artifact->prep_->num_features()));
  }
  return artifact;
}

Artifact::Aligner::Aligner(const Schema& source_schema, const std::string& target, const Schema& input_schema)
    : source_schema_(source_schema) {
  std::string missing;
  for (const auto& field : source_schema.fields()) {
    auto index = input_schema.Find(field.name);
    if (index) {
      if (input_schema.field(*index).type != field.type) {
        ThrowInternal("input column '" + field.name + "' read as " + std::string(DataTypeName(input_schema.field(*index).type)) +
                      ", the model expects " + std::string(DataTypeName(field.type)));
      }
      input_index_.push_back(static_cast<int>(*index));
    } else if (field.name == target) {
      input_index_.push_back(-1);
    } else {
      missing += (missing.empty() ? "" : ", ") + field.name;
    }
  }
  if (!missing.empty()) ThrowUsage("input lacks column(s) the model needs: " + missing);
}

RecordBatch Artifact::Aligner::Align(RecordBatch&& batch) const {
  RecordBatch aligned;
  aligned.schema = source_schema_;
  aligned.lines = std::move(batch.lines);
  aligned.rejects = std::move(batch.rejects);
  aligned.source_name = std::move(batch.source_name);
  aligned.file_index = batch.file_index;
  aligned.source_bytes = batch.source_bytes;
  for (size_t i = 0; i < input_index_.size(); ++i) {
    if (input_index_[i] >= 0) {
      aligned.columns.push_back(std::move(batch.columns[input_index_[i]]));
    } else {
      Column nulls(source_schema_.field(i).type);
      nulls.Reserve(aligned.lines.size());
      for (size_t row = 0; row < aligned.lines.size(); ++row) nulls.AppendNull();
      aligned.columns.push_back(std::move(nulls));
    }
  }
  return aligned;
}

void Artifact::Predict(RecordBatch& aligned, std::vector<float>& scratch, std::vector<float>* out) const {
  prep_->Derive(aligned);
  size_t rows = aligned.num_rows();
  scratch.resize(rows * prep_->num_features());
  prep_->Encode(aligned, scratch.data());
  out->resize(rows * model_->num_outputs());
  model_->Predict(scratch.data(), rows, out->data());
}

}  // namespace sluice
