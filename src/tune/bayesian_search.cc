// The `bayesian` strategy: a space-filling start (a Latin hypercube of a few
// points), then each trial at the maximum of expected improvement under a
// Gaussian process (tune/gaussian_process.h) fitted to every finished trial.
//
// - Losses are modelled on a log scale when all are positive (errors such as
//   RMSE span orders of magnitude between a poor and a good trial, and the
//   GP's stationary kernel fits their logarithm far better).
// - A failed trial enters with the worst loss seen, so the search moves away
//   from where trials fail rather than proposing the same point again.
// - Trials still running enter with the mean the GP predicts for them (the
//   kriging believer): their neighbourhood looks explored, so K parallel
//   proposals spread out instead of piling onto one optimum.
// - The acquisition is maximised over random points of the cube and
//   perturbations of the best trials so far, each snapped to a point the
//   space can take (ints rounded, one choice per categorical), then polished
//   around the best few; points already tried or running are skipped.

#include <algorithm>
#include <cmath>
#include <numeric>
#include <set>

#include "common/hash.h"
#include "tune/gaussian_process.h"
#include "tune/search_strategy.h"

namespace sluice {

namespace {

class BayesianSearch : public SearchStrategy {
 public:
  BayesianSearch(const SearchSpace& space, const StrategyOptions& options)
      : space_(space), seed_(options.seed), initial_(options.initial_points) {
    if (initial_ <= 0) initial_ = std::clamp(static_cast<int>(space.size()) + 1, 3, 10);
    design_ = LatinHypercube(initial_);
  }

  std::optional<ParamValues> Propose(const SearchHistory& history, int trial) override {
    std::vector<const Observation*> finished;
    for (const auto& observation : history.done) {
      if (!std::isnan(observation.loss)) finished.push_back(&observation);
    }
    std::set<std::string> tried;
    for (const auto& observation : history.done) tried.insert(PointKey(observation.values));
    for (const auto& values : history.pending) tried.insert(PointKey(values));
    std::mt19937_64 rng(MixInt(static_cast<uint64_t>(trial), seed_ ^ 0xba7e5ULL));

    if (static_cast<int>(finished.size()) < initial_) {
      if (trial < initial_ && !tried.count(PointKey(design_[trial]))) return design_[trial];
      for (int attempt = 0; attempt < 1000; ++attempt) {
        ParamValues values = space_.Sample(rng);
        if (!tried.count(PointKey(values))) return values;
      }
      return std::nullopt;
    }

    // The surrogate's data: finished trials, failed ones at the worst loss.
    bool log_scale = std::all_of(finished.begin(), finished.end(), [](const Observation* o) { return o->loss > 0; });
    auto transform = [&](double loss) { return log_scale ? std::log(loss) : loss; };
    double worst = -INFINITY, best = INFINITY;
    for (const auto* observation : finished) {
      worst = std::max(worst, transform(observation->loss));
      best = std::min(best, transform(observation->loss));
    }
    std::vector<std::vector<double>> x;
    std::vector<double> y;
    for (const auto& observation : history.done) {
      x.push_back(Encode(observation.values));
      y.push_back(std::isnan(observation.loss) ? worst : transform(observation.loss));
    }
    GaussianProcess gp;
    gp.Fit(x, y, MixInt(static_cast<uint64_t>(trial), seed_));
    if (!history.pending.empty()) {
      std::vector<std::vector<double>> pending_x;
      std::vector<double> pending_y;
      for (const auto& values : history.pending) {
        pending_x.push_back(Encode(values));
        double mean, variance;
        gp.Predict(pending_x.back(), &mean, &variance);
        pending_y.push_back(mean);
      }
      gp = gp.Condition(pending_x, pending_y);
    }
    auto acquisition = [&](const std::vector<double>& point) {
      double mean, variance;
      gp.Predict(point, &mean, &variance);
      return ExpectedImprovement(mean, variance, best);
    };

    // Candidates: the cube at random, and the best trials' neighbourhoods.
    struct Candidate {
      double score;
      std::vector<double> unit;
      ParamValues values;
    };
    std::vector<Candidate> candidates;
    std::set<std::string> seen;
    auto consider = [&](const std::vector<double>& unit) {
      ParamValues values = space_.Decode(unit.data());
      std::string key = PointKey(values);
      if (tried.count(key) || !seen.insert(key).second) return;
      std::vector<double> snapped = Encode(values);
      candidates.push_back({acquisition(snapped), std::move(snapped), std::move(values)});
    };
    std::uniform_real_distribution<double> uniform(0.0, 1.0);
    const size_t dims = space_.dims();
    const int random_points = 1000 + 200 * static_cast<int>(dims);
    for (int point = 0; point < random_points; ++point) {
      std::vector<double> unit(dims);
      for (auto& coordinate : unit) coordinate = uniform(rng);
      consider(unit);
    }
    std::vector<size_t> order(history.done.size());
    std::iota(order.begin(), order.end(), 0);
    std::sort(order.begin(), order.end(), [&](size_t a, size_t b) { return y[a] < y[b]; });
    for (size_t rank = 0; rank < std::min<size_t>(5, order.size()); ++rank) {
      for (double spread : {0.02, 0.07, 0.2}) {
        for (int point = 0; point < 40; ++point) consider(Perturb(x[order[rank]], spread, rng));
      }
    }
    if (candidates.empty()) return std::nullopt;
    std::sort(candidates.begin(), candidates.end(), [](const Candidate& a, const Candidate& b) { return a.score > b.score; });
    // Polish the best few with shrinking local steps.
    Candidate chosen = candidates.front();
    for (size_t top = 0; top < std::min<size_t>(3, candidates.size()); ++top) {
      Candidate current = candidates[top];
      for (double spread = 0.05; spread > 0.003; spread *= 0.5) {
        for (int step = 0; step < 25; ++step) {
          std::vector<double> unit = Perturb(current.unit, spread, rng);
          ParamValues values = space_.Decode(unit.data());
          std::string key = PointKey(values);
          if (tried.count(key)) continue;
          std::vector<double> snapped = Encode(values);
          double score = acquisition(snapped);
          if (score > current.score) current = {score, std::move(snapped), std::move(values)};
        }
      }
      if (current.score > chosen.score) chosen = current;
    }
    return chosen.values;
  }

 private:
  std::vector<double> Encode(const ParamValues& values) const {
    std::vector<double> unit(space_.dims());
    space_.Encode(values, unit.data());
    return unit;
  }

  // Numeric coordinates moved by a normal step; a categorical switches choice now and then.
  std::vector<double> Perturb(const std::vector<double>& unit, double spread, std::mt19937_64& rng) const {
    std::vector<double> out = unit;
    std::normal_distribution<double> normal(0.0, spread);
    std::uniform_real_distribution<double> uniform(0.0, 1.0);
    size_t dim = 0;
    for (const auto& param : space_.params()) {
      if (param.kind == ParamKind::kCategorical) {
        if (uniform(rng) < std::min(0.5, spread * 2)) {
          size_t choice = std::uniform_int_distribution<size_t>(0, param.choices.size() - 1)(rng);
          for (size_t k = 0; k < param.choices.size(); ++k) out[dim + k] = k == choice ? 1.0 : 0.0;
        }
        dim += param.choices.size();
      } else {
        out[dim] = std::clamp(out[dim] + normal(rng), 0.0, 1.0);
        ++dim;
      }
    }
    return out;
  }

  // `count` points, each parameter's range cut into `count` strata and each
  // stratum used once (categoricals cycle through their choices).
  std::vector<ParamValues> LatinHypercube(int count) const {
    std::mt19937_64 rng(MixInt(0x1a7, seed_));
    std::uniform_real_distribution<double> uniform(0.0, 1.0);
    std::vector<std::vector<double>> units(count, std::vector<double>(space_.dims(), 0.0));
    size_t dim = 0;
    for (const auto& param : space_.params()) {
      std::vector<int> strata(count);
      std::iota(strata.begin(), strata.end(), 0);
      std::shuffle(strata.begin(), strata.end(), rng);
      for (int point = 0; point < count; ++point) {
        if (param.kind == ParamKind::kCategorical) {
          units[point][dim + static_cast<size_t>(strata[point]) % param.choices.size()] = 1.0;
        } else {
          units[point][dim] = (strata[point] + uniform(rng)) / count;
        }
      }
      dim += param.kind == ParamKind::kCategorical ? param.choices.size() : 1;
    }
    std::vector<ParamValues> design;
    for (const auto& unit : units) design.push_back(space_.Decode(unit.data()));
    return design;
  }

  SearchSpace space_;
  uint64_t seed_;
  int initial_;
  std::vector<ParamValues> design_;
};

}  // namespace

std::unique_ptr<SearchStrategy> MakeBayesianSearch(const SearchSpace& space, const StrategyOptions& options) {
  return std::make_unique<BayesianSearch>(space, options);
}

}  // namespace sluice
