#pragma once
// Derivative-free minimisation of a small smooth function (Nelder and Mead's
// simplex, with the adaptive coefficients of Gao and Han for higher
// dimensions). Used to fit the Gaussian process's hyper-parameters and to
// polish acquisition maxima; both have a handful of dimensions.

#include <functional>
#include <vector>

namespace sluice {

struct NelderMeadResult {
  std::vector<double> x;
  double value;
  int evaluations;
};

// Starts from `start` with a simplex of edge `step`; stops after
// `max_evaluations` or when the simplex's values agree within `tolerance`.
// `f` may return +infinity for points outside its domain.
NelderMeadResult MinimizeNelderMead(const std::function<double(const std::vector<double>&)>& f,
                                    const std::vector<double>& start, double step, int max_evaluations,
                                    double tolerance = 1e-8);

}  // namespace sluice
