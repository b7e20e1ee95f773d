// The tabular kind of ScoringArtifact: an Artifact (θ and a learner's model)
// scoring rows read from files and request bodies decoded by an
// InvocationCodec. θ runs on the caller's thread; only the model call goes
// through a ModelCall, which a server may share among requests.

#include <algorithm>

#include "artifact/artifact.h"
#include "artifact/scoring_artifact.h"
#include "common/format.h"

namespace sluice {

namespace {

// Rows decoded, encoded and scored together within one request: a request's
// memory is its body, its predictions and one slice, whatever the rows.
constexpr size_t kSliceRows = 4096;

void SortRejects(RecordBatch& batch) {
  std::sort(batch.rejects.begin(), batch.rejects.end(),
            [](const RejectedRow& a, const RejectedRow& b) { return a.line < b.line; });
}

class TabularRowScorer : public RowScorer {
 public:
  TabularRowScorer(const Artifact& artifact, const Schema& input_schema)
      : artifact_(artifact), aligner_(artifact.prep().source_schema(), artifact.prep().target(), input_schema) {
    const FittedPrep& prep = artifact.prep();
    for (const auto& field : prep.source_schema().fields()) {
      if (field.name != prep.target()) inputs_.push_back(field.name);
    }
  }

  // A row with no value in any column the model reads would get the model's
  // answer for "nothing known", a confident-looking number: it is rejected.
  void Screen(RecordBatch& batch) const override {
    std::vector<const Column*> columns;
    for (const auto& input : inputs_) {
      if (auto index = batch.schema.Find(input)) columns.push_back(&batch.columns[*index]);
    }
    std::vector<uint8_t> keep(batch.num_rows(), 0);
    for (const Column* column : columns) {
      const auto& valid = column->valid();
      for (size_t row = 0; row < keep.size(); ++row) keep[row] |= valid[row];
    }
    bool any = false;
    for (size_t row = 0; row < keep.size(); ++row) {
      if (keep[row]) continue;
      any = true;
      batch.rejects.push_back({batch.lines[row], "no input values: every column the model reads is empty", ""});
    }
    if (!any) return;
    SortRejects(batch);
    batch.Filter(keep);
  }

  void Score(RecordBatch&& batch, std::vector<Column>& out) const override {
    RecordBatch aligned = aligner_.Align(std::move(batch));
    std::vector<float> scratch, scores;
    artifact_.Predict(aligned, scratch, &scores);
    const std::vector<std::string>& labels = artifact_.prep().labels();
    if (labels.empty()) {
      for (float score : scores) out[0].AppendDouble(FloatAsDecimalDouble(score));
      return;
    }
    const size_t classes = labels.size();
    for (size_t row = 0; row < scores.size() / classes; ++row) {
      const float* p = scores.data() + row * classes;
      out[0].AppendString(labels[static_cast<size_t>(std::max_element(p, p + classes) - p)]);
      for (size_t c = 0; c < classes; ++c) out[c + 1].AppendDouble(FloatAsDecimalDouble(p[c]));
    }
  }

 private:
  const Artifact& artifact_;
  Artifact::Aligner aligner_;
  std::vector<std::string> inputs_;
};

class TabularScoring : public ScoringArtifact {
 public:
  explicit TabularScoring(std::unique_ptr<Artifact> artifact) : artifact_(std::move(artifact)) {
    // Request rows may carry every column of the training data (raw_schema);
    // the ones the model does not read are ignored.
    const nlohmann::json& manifest = artifact_->manifest();
    Schema raw_schema = manifest.contains("raw_schema") ? Schema::FromJson(manifest["raw_schema"])
                                                        : artifact_->prep().source_schema();
    codec_ = std::make_unique<InvocationCodec>(artifact_->prep(), raw_schema);
  }

  const nlohmann::json& manifest() const override { return artifact_->manifest(); }
  const char* kind() const override { return "tabular"; }

  void InputTypes(const Schema& input_schema, std::map<std::string, DataType>* types,
                  std::map<std::string, std::string>* formats) const override {
    for (const auto& field : artifact_->prep().source_schema().fields()) {
      if (!input_schema.Find(field.name)) continue;
      (*types)[field.name] = field.type;
      if (!field.format.empty()) (*formats)[field.name] = field.format;
    }
  }

  std::vector<Field> Outputs(const std::string& prediction) const override {
    const std::vector<std::string>& labels = artifact_->prep().labels();
    if (labels.empty()) return {{prediction, DataType::kFloat64}};
    std::vector<Field> outputs = {{prediction, DataType::kString}};
    for (const auto& label : labels) outputs.push_back({std::string("p_").append(label), DataType::kFloat64});
    return outputs;
  }

  std::unique_ptr<RowScorer> ScorerFor(const Schema& input_schema) const override {
    return std::make_unique<TabularRowScorer>(*artifact_, input_schema);
  }

  size_t encoded_features() const override { return artifact_->prep().num_features(); }
  size_t encoded_outputs() const override { return artifact_->model().num_outputs(); }
  void PredictEncoded(const float* features, size_t rows, float* out) const override {
    artifact_->model().Predict(features, rows, out);
  }

  std::string Invoke(PayloadFormat in, PayloadFormat out, std::string_view body, bool csv_header, ModelCall* call,
                     uint64_t* rows) const override {
    const FittedPrep& prep = artifact_->prep();
    const size_t outputs = encoded_outputs();
    std::vector<float> features, predictions;
    uint64_t scored = 0;
    codec_->DecodeInSlices(in, body, csv_header, kSliceRows, [&](RecordBatch&& batch) {
      prep.Derive(batch);
      const size_t n = batch.num_rows();
      features.resize(n * prep.num_features());
      prep.Encode(batch, features.data());
      predictions.resize((scored + n) * outputs);
      float* scores = predictions.data() + scored * outputs;
      if (call) {
        call->Predict(features.data(), n, scores);
      } else {
        PredictEncoded(features.data(), n, scores);
      }
      scored += n;
    });
    *rows = scored;
    return codec_->Encode(out, predictions);
  }

 private:
  std::unique_ptr<Artifact> artifact_;
  std::unique_ptr<InvocationCodec> codec_;
};

}  // namespace

std::unique_ptr<ScoringArtifact> MakeTabularScoring(const std::string& dir) {
  return std::make_unique<TabularScoring>(Artifact::Load(dir));
}

}  // namespace sluice
