#pragma once
// The payloads of POST /invocations (the SageMaker inference container
// contract): request bodies in text/csv (rows in the model's input column
// order, no header unless asked), application/json ({"instances": [...]} or
// one object) or application/jsonlines, decoded into a batch laid out as the
// model's source schema; predictions encoded as CSV, JSON or JSON Lines.
// A body that does not decode gives an InvocationError naming the row and
// column, which the server answers with a 4xx.

#include <functional>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "data/record_batch.h"
#include "prep/fitted_prep.h"

namespace sluice {

class TextCodec;

class InvocationError : public std::runtime_error {
 public:
  InvocationError(int status, const std::string& message) : std::runtime_error(message), status_(status) {}
  int status() const { return status_; }

 private:
  int status_;
};

enum class PayloadFormat { kCsv, kJson, kJsonLines };

// From a Content-Type or Accept value ("text/csv; charset=utf-8"); throws 415.
PayloadFormat ParsePayloadFormat(std::string_view media_type, const char* header_name);
const char* MediaType(PayloadFormat format);

// Calls `line(text)` for each line of a JSON Lines body that is not blank.
template <typename Line>
void ForEachJsonLine(std::string_view body, Line&& line) {
  size_t pos = 0;
  while (pos < body.size()) {
    size_t end = body.find('\n', pos);
    if (end == std::string_view::npos) end = body.size();
    std::string_view text = body.substr(pos, end - pos);
    pos = end + 1;
    if (text.find_first_not_of(" \t\r") != std::string_view::npos) line(text);
  }
}

class InvocationCodec {
 public:
  // `raw_schema`: every column of the training data (the artifact's
  // raw_schema); rows may carry all of them, and the ones the model does not
  // read are ignored. Empty: rows carry exactly the model's input columns.
  InvocationCodec(const FittedPrep& prep, const Schema& raw_schema);

  // Rows of the body as a batch in the model's source-schema layout (the
  // target column, absent, is all nulls).
  RecordBatch Decode(PayloadFormat format, std::string_view body, bool csv_header) const;
  // The same, handed to `slice` a run of at most `max_rows` rows at a time,
  // in order: a large body is scored without its decoded whole in memory.
  void DecodeInSlices(PayloadFormat format, std::string_view body, bool csv_header, size_t max_rows,
                      const std::function<void(RecordBatch&&)>& slice) const;
  std::string Encode(PayloadFormat format, const std::vector<float>& predictions) const;

 private:
  void DecodeCsv(std::string_view body, bool header, size_t max_rows,
                 const std::function<void(RecordBatch&&)>& slice) const;
  void DecodeJson(std::string_view body, bool lines, size_t max_rows,
                  const std::function<void(RecordBatch&&)>& slice) const;
  RecordBatch ToSourceLayout(RecordBatch&& input) const;
  // A row with no value in any column the model reads would be answered
  // with the model's guess for "nothing known": it is a 400 instead.
  void RejectRowsWithoutValues(const RecordBatch& batch) const;

  Schema source_schema_;
  Schema input_schema_;
  Schema raw_input_schema_;  // raw columns less the target
  std::string target_;
  std::shared_ptr<const TextCodec> class_codec_;  // a multi-class model's answers
};

}  // namespace sluice
