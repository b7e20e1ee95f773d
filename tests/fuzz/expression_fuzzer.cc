// libFuzzer target for the expression language: any text parsed, bound to a
// schema of every type and evaluated on a small batch with nulls. Bad text
// must end in a sluice::Error (a usage error naming the position), never a
// crash, a stack overflow, UB or a leak.

#include <cstddef>
#include <cstdint>
#include <string>

#include "common/error.h"
#include "data/expression.h"

namespace {

sluice::RecordBatch MakeBatch() {
  sluice::RecordBatch batch;
  batch.schema = sluice::Schema({{"x", sluice::DataType::kFloat64},
                                 {"n", sluice::DataType::kInt64},
                                 {"s", sluice::DataType::kString},
                                 {"t", sluice::DataType::kTimestamp},
                                 {"b", sluice::DataType::kBool}});
  batch.columns = {sluice::Column(sluice::DataType::kFloat64), sluice::Column(sluice::DataType::kInt64),
                   sluice::Column(sluice::DataType::kString), sluice::Column(sluice::DataType::kTimestamp),
                   sluice::Column(sluice::DataType::kBool)};
  const double xs[] = {1.5, -0.0, 1e308, -7};
  const int64_t ns[] = {0, -1, INT64_MAX, INT64_MIN};
  for (int row = 0; row < 4; ++row) {
    batch.columns[0].AppendDouble(xs[row]);
    batch.columns[1].AppendInt(ns[row]);
    batch.columns[2].AppendString(row % 2 ? "" : "text");
    batch.columns[3].AppendInt(ns[row] / 4);
    batch.columns[4].AppendInt(row % 2);
    batch.lines.push_back(row + 1);
  }
  for (auto& column : batch.columns) column.AppendNull();
  batch.lines.push_back(5);
  return batch;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const sluice::RecordBatch batch = MakeBatch();
  const std::string text(reinterpret_cast<const char*>(data), size);
  try {
    auto expression = sluice::Expression::Compile(text, batch.schema, "prep.derive.fuzz");
    expression->Evaluate(batch);
  } catch (const sluice::Error&) {
  }
  return 0;
}
