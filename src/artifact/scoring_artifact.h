#pragma once
// A model directory loaded for scoring, whatever its kind — tabular (θ and a
// learner's model, artifact.h) or text (tokenizer, vocabulary and a text
// classifier, text_artifact.h) — behind one interface: raw rows in,
// predictions out. `sluice transform` scores record batches through a
// RowScorer; `sluice serve` scores request bodies through Invoke, handing
// the model call to a batcher it shares among requests. Neither asks which
// kind it holds; a new kind is a new implementation here.
//
// Const and safe from many threads.

#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "artifact/invocation_codec.h"
#include "data/column.h"
#include "data/record_batch.h"
#include "data/schema.h"
#include "nlohmann/json.hpp"

namespace sluice {

// How the model is called on encoded rows: directly, or through a server's
// batcher that serves concurrent requests with one call (serve/request_batcher.h).
class ModelCall {
 public:
  virtual ~ModelCall() = default;
  // `rows` encoded rows, ScoringArtifact::encoded_features() floats each,
  // to encoded_outputs() scores each.
  virtual void Predict(const float* features, size_t rows, float* out) = 0;
};

// Scores batches read with one input schema.
class RowScorer {
 public:
  virtual ~RowScorer() = default;
  // Moves the rows the model cannot score (no value in any column it reads,
  // an empty text) into batch.rejects with the reason, in line order.
  virtual void Screen(RecordBatch& batch) const = 0;
  // Appends one value per row of `batch` to each output column (Outputs()).
  virtual void Score(RecordBatch&& batch, std::vector<Column>& out) const = 0;
};

class ScoringArtifact {
 public:
  // Loads `dir`, of the kind its sluice-model.json says.
  static std::unique_ptr<ScoringArtifact> Load(const std::string& dir);
  virtual ~ScoringArtifact() = default;

  virtual const nlohmann::json& manifest() const = 0;
  // "tabular" or "text", as GET /models reports it.
  virtual const char* kind() const = 0;

  // Rows (transform, predict): the types, and declared timestamp formats,
  // to read the columns of `input_schema` the model reads as.
  virtual void InputTypes(const Schema& input_schema, std::map<std::string, DataType>* types,
                          std::map<std::string, std::string>* formats) const = 0;
  // The output columns: the prediction named `prediction` (for a classifier
  // the most likely class), then each class's probability p_<class>.
  virtual std::vector<Field> Outputs(const std::string& prediction) const = 0;
  // A scorer for batches with the schema `input_schema` (read with InputTypes).
  virtual std::unique_ptr<RowScorer> ScorerFor(const Schema& input_schema) const = 0;

  // Request bodies (serve). The model call on encoded rows, which a server
  // may batch: its width and scores per row; 0 features when the model is
  // not called on encoded rows (a text model scores on the request's thread).
  virtual size_t encoded_features() const = 0;
  virtual size_t encoded_outputs() const = 0;
  virtual void PredictEncoded(const float* features, size_t rows, float* out) const = 0;
  // The answer, in format `out`, to a body of rows in format `in` (with a
  // header line when `csv_header`); `rows` gets how many were scored. The
  // model is called through `call`, or directly when it is null. A body that
  // does not decode throws an InvocationError naming the row.
  virtual std::string Invoke(PayloadFormat in, PayloadFormat out, std::string_view body, bool csv_header,
                             ModelCall* call, uint64_t* rows) const = 0;
};

}  // namespace sluice
