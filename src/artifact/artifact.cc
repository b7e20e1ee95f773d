#include "artifact/artifact.h"

#include <unistd.h>

#include <filesystem>

#include "common/atomic_file.h"
#include "common/error.h"
#include "sluice_version.h"

namespace sluice {

namespace fs = std::filesystem;

void Artifact::Save(const std::string& dir, const FittedPrep& prep, const Model& model, nlohmann::json manifest,
                    const nlohmann::json& metrics, const std::vector<std::pair<std::string, std::string>>& extra_files) {
  fs::path final_dir = fs::absolute(dir).lexically_normal();
  if (final_dir.filename().empty()) final_dir = final_dir.parent_path();
  std::error_code ec;
  fs::create_directories(final_dir.parent_path(), ec);
  std::string staged = final_dir.string() + ".staging-" + std::to_string(::getpid());
  fs::remove_all(staged, ec);
  if (!fs::create_directories(staged, ec) && ec) ThrowIo("cannot create " + staged + ": " + ec.message());
  try {
    manifest["format_version"] = kArtifactFormatVersion;
    manifest["sluice_version"] = SLUICE_VERSION;
    manifest["input_schema"] = prep.InputSchema().ToJson();
    manifest["target"] = prep.target();
    manifest["prep"] = prep.ToJson();
    manifest["model"] = model.Save(staged);
    manifest["model"]["learner"] = model.learner();
    manifest["metrics"] = metrics;
    WriteFileAtomically(staged + "/sluice-model.json", manifest.dump(2) + "\n");
    WriteFileAtomically(staged + "/metrics.json", metrics.dump(2) + "\n");
    for (const auto& [name, path] : extra_files) {
      fs::rename(path, staged + "/" + name, ec);
      if (ec) ThrowIo("cannot move " + path + " into the artifact: " + ec.message());
    }
    ReplaceDirectory(staged, final_dir.string());
  } catch (...) {
    fs::remove_all(staged, ec);
    throw;
  }
}

std::unique_ptr<Artifact> Artifact::Load(const std::string& dir) {
  std::string manifest_path = dir + "/sluice-model.json";
  if (!fs::exists(manifest_path)) ThrowUsage(dir + ": not a sluice model (no sluice-model.json)");
  std::unique_ptr<Artifact> artifact(new Artifact());
  try {
    artifact->manifest_ = nlohmann::json::parse(ReadFileToString(manifest_path));
  } catch (const nlohmann::json::exception& error) {
    ThrowInputData(manifest_path + ": " + error.what());
  }
  const auto& manifest = artifact->manifest_;
  int version = manifest.value("format_version", 0);
  if (version != kArtifactFormatVersion) {
    ThrowInputData(manifest_path + ": format version " + std::to_string(version) + ", this sluice reads " +
                   std::to_string(kArtifactFormatVersion));
  }
  if (!manifest.contains("prep") || !manifest.contains("model")) ThrowInputData(manifest_path + ": no prep or model section");
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
  out->resize(rows);
  model_->Predict(scratch.data(), rows, out->data());
}

}  // namespace sluice
