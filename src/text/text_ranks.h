#pragma once
// The ranks of an MPI job training one text model together, as the text
// layer sees them: it knows no MPI, only sums over the ranks that give
// every rank the same bits (cluster/communicator.h provides them). Each
// rank trains on its own share of the rows; what the learners do with the
// sums — averaged gradients for the BiLSTM, averaged weights for ngram —
// is theirs.

#include <cstddef>
#include <functional>

namespace sluice {

struct TextRanks {
  int rank = 0;
  int size = 1;
  std::function<void(float* values, size_t count)> sum_floats;
  std::function<void(double* values, size_t count)> sum_doubles;

  // The sum of one number over the ranks.
  double Sum(double value) const {
    sum_doubles(&value, 1);
    return value;
  }
};

}  // namespace sluice
