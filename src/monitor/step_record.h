#pragma once
// What a run measures as it goes, apart from where it is kept: a step's
// record (its name, status, times and the resources it used) and a point of
// a training curve. The run store (history/run_store.h) keeps them; the
// metrics file (run_metrics_file.h) exports them.

#include <string>

#include "monitor/resource_sampler.h"

namespace sluice {

struct StepRecord {
  std::string name;
  std::string status;  // running, succeeded, cached, failed
  double started = 0, finished = 0;  // Unix seconds
  ResourceUse use;
  std::string error;
};

struct CurvePoint {
  std::string series;  // valid-rmse, train-rmse, valid-loss...
  int step = 0;
  double value = 0;
};

}  // namespace sluice
