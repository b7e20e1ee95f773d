#include "train/xgboost_api.h"

#include <cstdint>
#include <cstdio>

#include "common/error.h"

namespace sluice {

std::string XgboostLastError() {
  std::string message = XGBGetLastError();
  size_t trace = message.find("\nStack trace:");
  if (trace != std::string::npos) message.resize(trace);
  return message;
}

void XgboostCheck(int rc, const char* call) {
  if (rc != 0) ThrowInternal(std::string("xgboost ") + call + ": " + XgboostLastError());
}

std::string XgboostArrayInterface(const float* data, size_t rows, size_t columns) {
  char buffer[160];
  std::snprintf(buffer, sizeof buffer,
                "{\"data\": [%llu, true], \"shape\": [%zu, %zu], \"typestr\": \"<f4\", \"version\": 3}",
                static_cast<unsigned long long>(reinterpret_cast<uintptr_t>(data)), rows, columns);
  return buffer;
}

}  // namespace sluice
