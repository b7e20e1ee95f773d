#include "tune/gaussian_process.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "tune/nelder_mead.h"

namespace sluice {
namespace {

TEST(NelderMead, MinimisesRosenbrock) {
  auto rosenbrock = [](const std::vector<double>& x) {
    return 100 * std::pow(x[1] - x[0] * x[0], 2) + std::pow(1 - x[0], 2);
  };
  auto result = MinimizeNelderMead(rosenbrock, {-1.2, 1.0}, 0.5, 5000, 1e-14);
  EXPECT_NEAR(result.x[0], 1.0, 1e-3);
  EXPECT_NEAR(result.x[1], 1.0, 2e-3);
}

TEST(GaussianProcess, InterpolatesASmoothFunctionAndFindsTheIrrelevantDimension) {
  // y depends on the first input only; the second is noise-free clutter.
  std::mt19937_64 rng(3);
  std::uniform_real_distribution<double> uniform(0, 1);
  std::vector<std::vector<double>> x;
  std::vector<double> y;
  for (int i = 0; i < 25; ++i) {
    x.push_back({uniform(rng), uniform(rng)});
    y.push_back(std::sin(6 * x.back()[0]) + 3);
  }
  GaussianProcess gp;
  gp.Fit(x, y, 1);
  double worst = 0;
  for (int i = 0; i < 50; ++i) {
    std::vector<double> point = {uniform(rng), uniform(rng)};
    double mean, variance;
    gp.Predict(point, &mean, &variance);
    worst = std::max(worst, std::abs(mean - (std::sin(6 * point[0]) + 3)));
  }
  EXPECT_LT(worst, 0.1);
  const auto& hyper = gp.hyper_parameters();
  EXPECT_GT(hyper.length_scales[1], 3 * hyper.length_scales[0]);
  // Certain where it has seen data, unsure far from it.
  double mean, at_data, far;
  gp.Predict(x[0], &mean, &at_data);
  GaussianProcess sparse;
  sparse.Fit({{0.1, 0.1}, {0.2, 0.15}, {0.15, 0.2}}, {1.0, 2.0, 1.5}, 1);
  sparse.Predict({0.95, 0.95}, &mean, &far);
  double near_variance;
  sparse.Predict({0.1, 0.1}, &mean, &near_variance);
  EXPECT_LT(at_data, 0.01);
  EXPECT_GT(far, 10 * near_variance);
}

TEST(GaussianProcess, ConditioningOnAPendingPointShrinksItsVariance) {
  GaussianProcess gp;
  gp.Fit({{0.1}, {0.5}, {0.9}}, {1.0, 0.2, 0.8}, 1);
  double mean, before, after;
  gp.Predict({0.3}, &mean, &before);
  GaussianProcess believer = gp.Condition({{0.3}}, {mean});
  double mean_after;
  believer.Predict({0.3}, &mean_after, &after);
  EXPECT_NEAR(mean_after, mean, 1e-3);
  EXPECT_LT(after, before / 5);
}

TEST(ExpectedImprovement, GrowsWithLowerMeanAndWithUncertainty) {
  EXPECT_GT(ExpectedImprovement(0.0, 1.0, 1.0), ExpectedImprovement(0.5, 1.0, 1.0));
  EXPECT_GT(ExpectedImprovement(2.0, 4.0, 1.0), ExpectedImprovement(2.0, 1.0, 1.0));
  EXPECT_NEAR(ExpectedImprovement(0.5, 0.0, 1.0), 0.5, 1e-12);
  EXPECT_EQ(ExpectedImprovement(1.5, 0.0, 1.0), 0.0);
  // Standard normal at its mean: EI = sd * pdf(0).
  EXPECT_NEAR(ExpectedImprovement(1.0, 1.0, 1.0), 1.0 / std::sqrt(2 * M_PI), 1e-12);
}

}  // namespace
}  // namespace sluice
