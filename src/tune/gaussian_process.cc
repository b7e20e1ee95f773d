#include "tune/gaussian_process.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <random>

#include "tune/nelder_mead.h"

namespace sluice {

namespace {

constexpr double kSqrt5 = 2.23606797749979;
constexpr double kLog2Pi = 1.8378770664093453;
// Hyper-parameter bounds (inputs in [0, 1], targets standardised) and the
// priors' centres and spreads, all in log space.
constexpr double kMinLengthScale = 0.01, kMaxLengthScale = 20.0;
constexpr double kMinSignal = 0.05, kMaxSignal = 20.0;
constexpr double kMinNoise = 1e-6, kMaxNoise = 1.0;
const double kLengthPriorMean = std::log(0.5), kLengthPriorSd = 1.0;
const double kSignalPriorMean = 0.0, kSignalPriorSd = 1.0;
const double kNoisePriorMean = std::log(1e-3), kNoisePriorSd = 2.0;
constexpr double kJitter = 1e-9;

double LogNormalPrior(double log_value, double mean, double sd) {
  double z = (log_value - mean) / sd;
  return -0.5 * z * z;
}

}  // namespace

double GaussianProcess::Kernel(const std::vector<double>& a, const std::vector<double>& b) const {
  double squared = 0;
  for (size_t d = 0; d < a.size(); ++d) {
    double scaled = (a[d] - b[d]) / hyper_.length_scales[d];
    squared += scaled * scaled;
  }
  double r = std::sqrt(squared);
  return hyper_.signal_variance * (1.0 + kSqrt5 * r + 5.0 / 3.0 * squared) * std::exp(-kSqrt5 * r);
}

bool GaussianProcess::Factorize() {
  const size_t n = x_.size();
  cholesky_.assign(n * n, 0.0);
  for (size_t i = 0; i < n; ++i) {
    for (size_t j = 0; j <= i; ++j) {
      double sum = Kernel(x_[i], x_[j]);
      if (i == j) sum += hyper_.noise_variance + kJitter;
      for (size_t k = 0; k < j; ++k) sum -= cholesky_[i * n + k] * cholesky_[j * n + k];
      if (i == j) {
        if (sum <= 0) return false;
        cholesky_[i * n + i] = std::sqrt(sum);
      } else {
        cholesky_[i * n + j] = sum / cholesky_[j * n + j];
      }
    }
  }
  // alpha = L^-T L^-1 y
  alpha_ = y_;
  for (size_t i = 0; i < n; ++i) {
    for (size_t k = 0; k < i; ++k) alpha_[i] -= cholesky_[i * n + k] * alpha_[k];
    alpha_[i] /= cholesky_[i * n + i];
  }
  double fit = 0, log_det = 0;
  for (size_t i = 0; i < n; ++i) {
    fit += alpha_[i] * alpha_[i];
    log_det += std::log(cholesky_[i * n + i]);
  }
  log_likelihood_ = -0.5 * fit - log_det - 0.5 * static_cast<double>(n) * kLog2Pi;
  for (size_t i = n; i-- > 0;) {
    for (size_t k = i + 1; k < n; ++k) alpha_[i] -= cholesky_[k * n + i] * alpha_[k];
    alpha_[i] /= cholesky_[i * n + i];
  }
  return true;
}

void GaussianProcess::Fit(const std::vector<std::vector<double>>& x, const std::vector<double>& y, uint64_t seed) {
  x_ = x;
  const size_t n = y.size();
  const size_t dims = x.empty() ? 0 : x[0].size();
  y_mean_ = n ? std::accumulate(y.begin(), y.end(), 0.0) / static_cast<double>(n) : 0.0;
  double spread = 0;
  for (double value : y) spread += (value - y_mean_) * (value - y_mean_);
  y_scale_ = n > 1 ? std::sqrt(spread / static_cast<double>(n - 1)) : 1.0;
  if (!(y_scale_ > 1e-12)) y_scale_ = 1.0;
  y_.resize(n);
  for (size_t i = 0; i < n; ++i) y_[i] = (y[i] - y_mean_) / y_scale_;

  // theta = log(length scales..., signal variance, noise variance)
  auto unpack = [&](const std::vector<double>& theta) {
    hyper_.length_scales.resize(dims);
    for (size_t d = 0; d < dims; ++d) hyper_.length_scales[d] = std::exp(theta[d]);
    hyper_.signal_variance = std::exp(theta[dims]);
    hyper_.noise_variance = std::exp(theta[dims + 1]);
  };
  auto objective = [&](const std::vector<double>& theta) {
    for (size_t d = 0; d < dims; ++d) {
      if (theta[d] < std::log(kMinLengthScale) || theta[d] > std::log(kMaxLengthScale)) return double(INFINITY);
    }
    if (theta[dims] < std::log(kMinSignal) || theta[dims] > std::log(kMaxSignal)) return double(INFINITY);
    if (theta[dims + 1] < std::log(kMinNoise) || theta[dims + 1] > std::log(kMaxNoise)) return double(INFINITY);
    unpack(theta);
    if (!Factorize()) return double(INFINITY);
    double prior = LogNormalPrior(theta[dims], kSignalPriorMean, kSignalPriorSd) +
                   LogNormalPrior(theta[dims + 1], kNoisePriorMean, kNoisePriorSd);
    for (size_t d = 0; d < dims; ++d) prior += LogNormalPrior(theta[d], kLengthPriorMean, kLengthPriorSd);
    return -(log_likelihood_ + prior);
  };

  std::mt19937_64 rng(seed);
  std::normal_distribution<double> normal(0.0, 1.0);
  std::vector<double> best_theta;
  double best_value = INFINITY;
  const int starts = 4;
  for (int start = 0; start < starts; ++start) {
    std::vector<double> theta(dims + 2);
    for (size_t d = 0; d < dims; ++d) {
      theta[d] = start == 0 ? kLengthPriorMean : kLengthPriorMean + 0.7 * normal(rng);
    }
    theta[dims] = start == 0 ? kSignalPriorMean : kSignalPriorMean + 0.5 * normal(rng);
    theta[dims + 1] = start == 0 ? std::log(1e-2) : std::log(1e-3) + normal(rng);
    for (size_t d = 0; d < dims; ++d) {
      theta[d] = std::clamp(theta[d], std::log(kMinLengthScale) + 0.1, std::log(kMaxLengthScale) - 0.1);
    }
    theta[dims + 1] = std::clamp(theta[dims + 1], std::log(kMinNoise) + 0.1, std::log(kMaxNoise) - 0.1);
    auto result = MinimizeNelderMead(objective, theta, 0.5, 150 * static_cast<int>(dims + 2), 1e-7);
    if (result.value < best_value) {
      best_value = result.value;
      best_theta = result.x;
    }
  }
  if (best_theta.empty()) {
    // Nothing factorised (duplicate points and no noise?): fall back to the priors' centres with ample noise.
    best_theta.assign(dims + 2, kLengthPriorMean);
    best_theta[dims] = 0.0;
    best_theta[dims + 1] = std::log(0.1);
  }
  unpack(best_theta);
  Factorize();
}

GaussianProcess GaussianProcess::Condition(const std::vector<std::vector<double>>& x_more,
                                           const std::vector<double>& y_more) const {
  GaussianProcess conditioned = *this;
  for (size_t i = 0; i < x_more.size(); ++i) {
    conditioned.x_.push_back(x_more[i]);
    conditioned.y_.push_back((y_more[i] - y_mean_) / y_scale_);
  }
  if (!conditioned.Factorize()) return *this;
  return conditioned;
}

void GaussianProcess::Predict(const std::vector<double>& x, double* mean, double* variance) const {
  const size_t n = x_.size();
  std::vector<double> k(n);
  double mu = 0;
  for (size_t i = 0; i < n; ++i) {
    k[i] = Kernel(x, x_[i]);
    mu += k[i] * alpha_[i];
  }
  // v = L^-1 k; variance = k(x, x) - v·v
  double explained = 0;
  for (size_t i = 0; i < n; ++i) {
    for (size_t j = 0; j < i; ++j) k[i] -= cholesky_[i * n + j] * k[j];
    k[i] /= cholesky_[i * n + i];
    explained += k[i] * k[i];
  }
  double var = std::max(hyper_.signal_variance - explained, 1e-12);
  *mean = y_mean_ + y_scale_ * mu;
  *variance = var * y_scale_ * y_scale_;
}

double ExpectedImprovement(double mean, double variance, double best) {
  double sd = std::sqrt(std::max(variance, 0.0));
  if (sd < 1e-12) return std::max(best - mean, 0.0);
  double z = (best - mean) / sd;
  double cdf = 0.5 * std::erfc(-z / std::sqrt(2.0));
  double pdf = std::exp(-0.5 * z * z) / std::sqrt(2.0 * M_PI);
  return (best - mean) * cdf + sd * pdf;
}

}  // namespace sluice
