#pragma once
// The payloads of a text model's invocations: request bodies carry texts —
// text/csv (one text a row, a single field, or with `?header=true` a header
// naming the text column among others), application/json
// ({"instances": [{"review": "..."}, ...]}, a list, or one object; a bare
// string is a text too) or application/jsonlines — and replies give each
// text's label and class probabilities: CSV `label,p_<class>...`, JSON
// {"predictions": [{"label": ..., "probabilities": {class: p, ...}}]},
// JSON Lines one such object a line. A body that does not decode gives an
// InvocationError naming the row.

#include <string>
#include <string_view>
#include <vector>

#include "artifact/invocation_codec.h"

namespace sluice {

class TextCodec {
 public:
  TextCodec(std::string text_column, std::vector<std::string> labels)
      : text_column_(std::move(text_column)), labels_(std::move(labels)) {}

  std::vector<std::string> Decode(PayloadFormat format, std::string_view body, bool csv_header) const;
  // `probabilities`: texts x classes, row-major.
  std::string Encode(PayloadFormat format, const std::vector<float>& probabilities) const;

 private:
  std::string text_column_;
  std::vector<std::string> labels_;
};

}  // namespace sluice
