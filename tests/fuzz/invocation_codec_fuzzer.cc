// libFuzzer target for the serve payload codecs: any bytes as a POST
// /invocations body, the first byte choosing the format (CSV with or
// without a header, JSON, JSON Lines) and the codec (tabular rows for a
// small fitted prep, or texts for a text model). A bad body must end in an
// InvocationError (answered with a 4xx) or a sluice::Error, never a crash.

#include <cstddef>
#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

#include "common/error.h"
#include "artifact/invocation_codec.h"
#include "artifact/text_codec.h"

namespace {

// The θ of a model trained by tests/e2e/run/small-csv-trains with kind
// one-hot encoded and lat1 standardized.
constexpr const char* kPrep = R"json({"derive": [{"expression": "haversine_km(lat1, lon1, lat2, lon2)", "name": "km"}], "feature_names": ["lat1", "lon1", "lat2", "lon2", "kind=a", "kind=b", "kind=c", "km"], "features": [{"column": "lat1", "fill": null, "impute": "none", "kind": "numeric", "mean": 40.748965031847156, "scale": 0.0290262818249324, "standardize": true}, {"column": "lon1", "fill": null, "impute": "none", "kind": "numeric", "mean": 0.0, "scale": 1.0, "standardize": false}, {"column": "lat2", "fill": null, "impute": "none", "kind": "numeric", "mean": 0.0, "scale": 1.0, "standardize": false}, {"column": "lon2", "fill": null, "impute": "none", "kind": "numeric", "mean": 0.0, "scale": 1.0, "standardize": false}, {"categories": ["a", "b", "c"], "column": "kind", "has_other": false, "kind": "onehot", "max_categories": 32, "other_categories": []}, {"column": "km", "fill": null, "impute": "none", "kind": "numeric", "mean": 0.0, "scale": 1.0, "standardize": false}], "source_schema": [{"name": "lat1", "type": "float64"}, {"name": "lon1", "type": "float64"}, {"name": "lat2", "type": "float64"}, {"name": "lon2", "type": "float64"}, {"name": "kind", "type": "string"}, {"name": "fare", "type": "float64"}], "target": "fare"})json";

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  static const sluice::FittedPrep prep = sluice::FittedPrep::FromJson(nlohmann::json::parse(kPrep));
  static const sluice::InvocationCodec codec(prep, sluice::Schema());
  static const sluice::TextCodec texts("review", {"negative", "positive"});
  const sluice::PayloadFormat formats[] = {sluice::PayloadFormat::kCsv, sluice::PayloadFormat::kJson,
                                           sluice::PayloadFormat::kJsonLines};
  const sluice::PayloadFormat format = formats[(data[0] & 3) % 3];
  const bool csv_header = (data[0] & 4) != 0;
  const std::string_view body(reinterpret_cast<const char*>(data + 1), size - 1);
  try {
    if (data[0] & 8) {
      texts.Decode(format, body, csv_header);
    } else {
      sluice::RecordBatch batch = codec.Decode(format, body, csv_header);
      codec.Encode(format, std::vector<float>(batch.num_rows(), 1.5f));
    }
  } catch (const sluice::InvocationError&) {
  } catch (const sluice::Error&) {
  }
  return 0;
}
