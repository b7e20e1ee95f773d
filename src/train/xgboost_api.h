#pragma once
// What every use of libxgboost's C API in sluice shares: one checking
// wrapper (a failing call throws an Error carrying XGBoost's own message,
// without the stack trace it appends) and dense rows described as an array
// interface, which XGBoost reads in place.

#include <xgboost/c_api.h>

#include <cstddef>
#include <string>

namespace sluice {

// XGBoost's last error message, its stack trace cut off.
std::string XgboostLastError();

// Throws an internal Error naming `call` when `rc` is not 0.
void XgboostCheck(int rc, const char* call);

// The array interface (version 3) of `rows` x `columns` row-major float32 at `data`.
std::string XgboostArrayInterface(const float* data, size_t rows, size_t columns);

}  // namespace sluice
