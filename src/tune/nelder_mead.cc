#include "tune/nelder_mead.h"

#include <algorithm>
#include <cmath>
#include <numeric>

namespace sluice {

NelderMeadResult MinimizeNelderMead(const std::function<double(const std::vector<double>&)>& f,
                                    const std::vector<double>& start, double step, int max_evaluations,
                                    double tolerance) {
  const size_t n = start.size();
  const double dims = static_cast<double>(std::max<size_t>(n, 1));
  // Gao & Han (2012): coefficients that keep the simplex from collapsing in higher dimensions.
  const double reflect = 1.0, expand = 1.0 + 2.0 / dims, contract = 0.75 - 1.0 / (2.0 * dims),
               shrink = 1.0 - 1.0 / dims;
  int evaluations = 0;
  auto eval = [&](const std::vector<double>& x) {
    ++evaluations;
    double value = f(x);
    return std::isnan(value) ? INFINITY : value;
  };
  std::vector<std::vector<double>> simplex(n + 1, start);
  std::vector<double> values(n + 1);
  for (size_t vertex = 1; vertex <= n; ++vertex) simplex[vertex][vertex - 1] += step;
  for (size_t vertex = 0; vertex <= n; ++vertex) values[vertex] = eval(simplex[vertex]);
  std::vector<size_t> order(n + 1);
  std::vector<double> centroid(n), trial(n), trial2(n);
  auto along = [&](double t, std::vector<double>& out) {
    for (size_t d = 0; d < n; ++d) out[d] = centroid[d] + t * (simplex[order[n]][d] - centroid[d]);
  };
  while (evaluations < max_evaluations) {
    std::iota(order.begin(), order.end(), 0);
    std::sort(order.begin(), order.end(), [&](size_t a, size_t b) { return values[a] < values[b]; });
    const double best = values[order[0]], worst = values[order[n]];
    if (std::isfinite(worst) && std::abs(worst - best) <= tolerance * (std::abs(best) + tolerance)) break;
    std::fill(centroid.begin(), centroid.end(), 0.0);
    for (size_t k = 0; k < n; ++k) {
      for (size_t d = 0; d < n; ++d) centroid[d] += simplex[order[k]][d] / dims;
    }
    along(-reflect, trial);
    double reflected = eval(trial);
    const double second_worst = values[order[n - (n > 0 ? 1 : 0)]];
    if (reflected < best) {
      along(-reflect * expand, trial2);
      double expanded = eval(trial2);
      if (expanded < reflected) {
        simplex[order[n]] = trial2;
        values[order[n]] = expanded;
      } else {
        simplex[order[n]] = trial;
        values[order[n]] = reflected;
      }
      continue;
    }
    if (reflected < second_worst) {
      simplex[order[n]] = trial;
      values[order[n]] = reflected;
      continue;
    }
    // Contract: outside when the reflection beat the worst, inside otherwise.
    const bool outside = reflected < worst;
    along(outside ? -reflect * contract : contract, trial2);
    double contracted = eval(trial2);
    if (contracted < (outside ? reflected : worst)) {
      simplex[order[n]] = trial2;
      values[order[n]] = contracted;
      continue;
    }
    for (size_t k = 1; k <= n; ++k) {
      auto& vertex = simplex[order[k]];
      for (size_t d = 0; d < n; ++d) vertex[d] = simplex[order[0]][d] + shrink * (vertex[d] - simplex[order[0]][d]);
      values[order[k]] = eval(vertex);
    }
  }
  size_t best = static_cast<size_t>(std::min_element(values.begin(), values.end()) - values.begin());
  return {simplex[best], values[best], evaluations};
}

}  // namespace sluice
