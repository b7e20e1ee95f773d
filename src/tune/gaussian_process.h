#pragma once
// A Gaussian-process regression surrogate for Bayesian search: a Matérn 5/2
// kernel with one length scale per input dimension (ARD), a signal variance
// and a noise variance. Fit() standardises the targets and chooses the
// hyper-parameters by maximising the log marginal likelihood plus weak
// log-normal priors (a MAP estimate: with a dozen points an unregularised
// fit chases noise), from several starts. Inputs are expected in [0, 1].

#include <cstddef>
#include <cstdint>
#include <vector>

namespace sluice {

class GaussianProcess {
 public:
  struct HyperParameters {
    std::vector<double> length_scales;
    double signal_variance = 1.0;  // of the standardised targets
    double noise_variance = 1e-2;
  };

  // Fits hyper-parameters and the posterior to `x` (n points of equal
  // dimension) and `y` (n values). `seed` picks the random starts.
  void Fit(const std::vector<std::vector<double>>& x, const std::vector<double>& y, uint64_t seed);
  // The posterior given further points, with this fit's hyper-parameters and
  // target scaling (the "kriging believer": pending trials enter with the
  // mean predicted for them, so proposals made meanwhile look elsewhere).
  GaussianProcess Condition(const std::vector<std::vector<double>>& x_more, const std::vector<double>& y_more) const;

  // The posterior mean and variance at `x`, in the units of y.
  void Predict(const std::vector<double>& x, double* mean, double* variance) const;

  const HyperParameters& hyper_parameters() const { return hyper_; }
  double log_marginal_likelihood() const { return log_likelihood_; }
  size_t size() const { return x_.size(); }

 private:
  double Kernel(const std::vector<double>& a, const std::vector<double>& b) const;
  // Factorises K + noise·I for the current hyper-parameters; false when it is not positive definite.
  bool Factorize();

  HyperParameters hyper_;
  std::vector<std::vector<double>> x_;
  std::vector<double> y_;  // standardised
  double y_mean_ = 0, y_scale_ = 1;
  std::vector<double> cholesky_;  // lower triangle, row-major n x n
  std::vector<double> alpha_;     // (K + noise·I)^-1 y
  double log_likelihood_ = 0;
};

// Expected improvement below `best` of a normal posterior (mean, variance),
// for minimisation.
double ExpectedImprovement(double mean, double variance, double best);

}  // namespace sluice
