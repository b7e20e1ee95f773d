// The text kind of ScoringArtifact: a TextArtifact scoring the text column
// of rows read from files, and the texts of request bodies decoded by a
// TextCodec. Texts are tokenized and scored together on the caller's
// thread; a text model takes no ModelCall.

#include <algorithm>

#include "artifact/scoring_artifact.h"
#include "artifact/text_artifact.h"
#include "artifact/text_codec.h"
#include "common/error.h"
#include "common/format.h"

namespace sluice {

namespace {

class TextRowScorer : public RowScorer {
 public:
  explicit TextRowScorer(const TextArtifact& artifact) : artifact_(artifact), column_(artifact.text_column()) {}

  void Screen(RecordBatch& batch) const override {
    auto index = batch.schema.Find(column_);
    if (!index) ThrowUsage("the input has no column '" + column_ + "', the text the model reads");
    const Column& text = batch.columns[*index];
    std::vector<uint8_t> keep(batch.num_rows(), 1);
    bool any = false;
    for (size_t row = 0; row < batch.num_rows(); ++row) {
      if (text.IsNull(row) || text.String(row).empty()) {
        keep[row] = 0;
        any = true;
        batch.rejects.push_back({batch.lines[row], "column " + column_ + ": empty text", ""});
      }
    }
    if (!any) return;
    std::sort(batch.rejects.begin(), batch.rejects.end(),
              [](const RejectedRow& a, const RejectedRow& b) { return a.line < b.line; });
    batch.Filter(keep);
  }

  void Score(RecordBatch&& batch, std::vector<Column>& out) const override {
    const Column& text = batch.columns[*batch.schema.Find(column_)];
    // The batch's texts encoded, then scored in one model call.
    TextExamples docs;
    std::vector<uint8_t> encoded(batch.num_rows());
    for (size_t row = 0; row < batch.num_rows(); ++row) {
      std::string error;
      encoded[row] = artifact_.Encode(text.String(row), docs, &error);  // the reader rejects invalid UTF-8 first
    }
    const size_t classes = artifact_.labels().size();
    std::vector<float> probabilities(docs.size() * classes);
    artifact_.Predict(docs, probabilities.data());
    const float* p = probabilities.data();
    for (size_t row = 0; row < batch.num_rows(); ++row) {
      if (!encoded[row]) {
        for (auto& column_out : out) column_out.AppendNull();
        continue;
      }
      int best = static_cast<int>(std::max_element(p, p + classes) - p);
      out[0].AppendString(artifact_.labels().Label(best));
      for (size_t c = 0; c < classes; ++c) out[c + 1].AppendDouble(FloatAsDecimalDouble(p[c]));
      p += classes;
    }
  }

 private:
  const TextArtifact& artifact_;
  const std::string column_;
};

class TextScoring : public ScoringArtifact {
 public:
  explicit TextScoring(std::unique_ptr<TextArtifact> artifact)
      : artifact_(std::move(artifact)), codec_(artifact_->text_column(), artifact_->labels().labels()) {}

  const nlohmann::json& manifest() const override { return artifact_->manifest(); }
  const char* kind() const override { return "text"; }

  void InputTypes(const Schema&, std::map<std::string, DataType>* types, std::map<std::string, std::string>*) const override {
    (*types)[artifact_->text_column()] = DataType::kString;
  }

  std::vector<Field> Outputs(const std::string& prediction) const override {
    std::vector<Field> outputs = {{prediction, DataType::kString}};
    for (const auto& label : artifact_->labels().labels()) outputs.push_back({"p_" + label, DataType::kFloat64});
    return outputs;
  }

  std::unique_ptr<RowScorer> ScorerFor(const Schema&) const override {
    return std::make_unique<TextRowScorer>(*artifact_);
  }

  size_t encoded_features() const override { return 0; }
  size_t encoded_outputs() const override { return artifact_->labels().size(); }
  void PredictEncoded(const float*, size_t, float*) const override {
    ThrowInternal("a text model is not called on encoded rows");
  }

  std::string Invoke(PayloadFormat in, PayloadFormat out, std::string_view body, bool csv_header, ModelCall*,
                     uint64_t* rows) const override {
    std::vector<std::string> texts = codec_.Decode(in, body, csv_header);
    TextExamples docs;
    for (size_t i = 0; i < texts.size(); ++i) {
      std::string error;
      if (!artifact_->Encode(texts[i], docs, &error)) {
        throw InvocationError(400, "row " + std::to_string(i + 1) + ": column " + artifact_->text_column() + ": " + error);
      }
    }
    std::vector<float> probabilities(texts.size() * artifact_->labels().size());
    artifact_->Predict(docs, probabilities.data());
    *rows = texts.size();
    return codec_.Encode(out, probabilities);
  }

 private:
  std::unique_ptr<TextArtifact> artifact_;
  TextCodec codec_;
};

}  // namespace

std::unique_ptr<ScoringArtifact> MakeTextScoring(const std::string& dir) {
  return std::make_unique<TextScoring>(TextArtifact::Load(dir));
}

}  // namespace sluice
