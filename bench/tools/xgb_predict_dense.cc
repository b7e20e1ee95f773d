// XGBoost's own prediction rate, the anchor of bench/transform-throughput:
// the rows of a `sluice prep` output (already encoded features) in one float
// matrix, scored by XGBoosterPredictFromDense with THREADS threads — no
// reading, no θ, no writing. Best of 3 runs.
//
//   xgb_predict_dense MODEL_DIR PREPARED_DIR THREADS
//
// Prints one JSON line: rows, seconds, rows_per_second.

#include <xgboost/c_api.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "common/thread_pool.h"
#include "pipeline/prepared_data.h"

namespace {

void Check(int code, const char* what) {
  if (code != 0) {
    std::fprintf(stderr, "%s: %s\n", what, XGBGetLastError());
    std::exit(1);
  }
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 4) {
    std::fprintf(stderr, "usage: xgb_predict_dense MODEL_DIR PREPARED_DIR THREADS\n");
    return 2;
  }
  const std::string model_dir = argv[1], prepared_dir = argv[2], threads = argv[3];
  sluice::ThreadPool pool(static_cast<size_t>(std::atoi(argv[3])));
  sluice::PreparedData prepared = sluice::LoadPreparedData(prepared_dir, pool);
  const size_t columns = prepared.fitted->num_features();
  std::vector<float> matrix;
  for (auto& split : prepared.splits) {
    for (auto& block : split.blocks) matrix.insert(matrix.end(), block.values.begin(), block.values.end());
  }
  const size_t rows = matrix.size() / columns;

  BoosterHandle booster;
  Check(XGBoosterCreate(nullptr, 0, &booster), "XGBoosterCreate");
  Check(XGBoosterLoadModel(booster, (model_dir + "/model.json").c_str()), "XGBoosterLoadModel");
  Check(XGBoosterSetParam(booster, "nthread", threads.c_str()), "XGBoosterSetParam");
  char interface[200];
  std::snprintf(interface, sizeof interface,
                "{\"data\": [%llu, true], \"shape\": [%zu, %zu], \"typestr\": \"<f4\", \"version\": 3}",
                static_cast<unsigned long long>(reinterpret_cast<uintptr_t>(matrix.data())), rows, columns);
  const char* config =
      "{\"type\": 0, \"training\": false, \"iteration_begin\": 0, \"iteration_end\": 0, \"strict_shape\": false, \"cache_id\": 0, "
      "\"missing\": NaN}";
  double best = 1e30;
  for (int run = 0; run < 3; ++run) {
    const bst_ulong* shape;
    bst_ulong dims;
    const float* result;
    auto start = std::chrono::steady_clock::now();
    Check(XGBoosterPredictFromDense(booster, interface, config, nullptr, &shape, &dims, &result),
          "XGBoosterPredictFromDense");
    best = std::min(best, std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  }
  XGBoosterFree(booster);
  std::printf("{\"rows\":%zu,\"seconds\":%.4f,\"rows_per_second\":%.0f}\n", rows, best, rows / best);
  return 0;
}
