// The sensitivity S is the derivative of the unrolled inner map (central
// finite differences), and as T → ∞ at θ*(w) the round hypergradient equals
// the implicit-function hypergradient ∇Φ(w).
#include <gtest/gtest.h>

#include <cmath>

#include "horizon/metrics.hpp"
#include "reference/reference.hpp"
#include "support.hpp"

namespace horizon {
namespace {

struct Case {
  int d, K;
  bool diagonal;
  double noise;
  InnerScheduleKind schedule;
};

class SensitivityFD : public ::testing::TestWithParam<Case> {};

TEST_P(SensitivityFD, MatchesCentralDifferencesOfUnrolledMap) {
  const Case c = GetParam();
  const QuadraticProblem p = test::random_problem(c.d, c.K, c.diagonal, 1000 + c.d * 10 + c.K);
  AlgorithmConfig cfg = test::basic_config(0.4, 1.0);
  cfg.noise_sigma = c.noise;
  cfg.inner.kind = c.schedule;
  cfg.inner.gamma = 0.1;
  const RunSpec spec{7, 42};
  const std::int64_t n0 = 13;  // a round that does not start at n = 0
  std::vector<double> theta(c.d), w(c.K);
  for (int i = 0; i < c.d; ++i) theta[i] = 0.3 * std::sin(1.0 + i);
  double sum = 0;
  for (int j = 0; j < c.K; ++j) sum += (w[j] = 1.0 + 0.5 * j);
  for (double& x : w) x /= sum;

  const reference::RoundProbe base = reference::probe_round(p, cfg, spec, theta, w, n0);
  const double eps = 1e-5;
  for (int j = 0; j < c.K; ++j) {
    // θ_T is a polynomial in w; perturb w_j off the simplex (the map is defined on R^K).
    std::vector<double> wp = w, wm = w;
    wp[j] += eps;
    wm[j] -= eps;
    const auto plus = reference::probe_round(p, cfg, spec, theta, wp, n0);
    const auto minus = reference::probe_round(p, cfg, spec, theta, wm, n0);
    double scale = 0;
    for (int i = 0; i < c.d; ++i) scale = std::max(scale, std::abs(base.S[i * c.K + j]));
    for (int i = 0; i < c.d; ++i) {
      const double fd = (plus.theta[i] - minus.theta[i]) / (2 * eps);
      EXPECT_NEAR(base.S[i * c.K + j], fd, 1e-6 * scale) << "i=" << i << " j=" << j;
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Shapes, SensitivityFD,
                         ::testing::Values(Case{1, 2, true, 0.0, InnerScheduleKind::constant},
                                           Case{5, 3, false, 0.0, InnerScheduleKind::constant},
                                           Case{7, 4, false, 0.3, InnerScheduleKind::inverse_time},
                                           Case{33, 2, true, 0.3, InnerScheduleKind::constant},
                                           Case{6, 1, false, 0.1, InnerScheduleKind::constant}),
                         [](const auto& info) {  // readable, stable CTest names
                           const Case& c = info.param;
                           return std::to_string(info.index) + "_d" + std::to_string(c.d) + "_K" + std::to_string(c.K) +
                                  (c.diagonal ? "_diagonal" : "_dense") + (c.noise > 0 ? "_noisy" : "_exact");
                         });

TEST(ImplicitLimit, LongHorizonAtThetaStarGivesImplicitHypergradient) {
  for (bool diagonal : {false, true}) {
    const QuadraticProblem p = test::random_problem(6, 3, diagonal, 77, 0.3, 1.0);
    const std::vector<double> w = {0.2, 0.5, 0.3};
    const MixtureMetrics m = Evaluator(p).mixture(w.data());
    AlgorithmConfig cfg = test::basic_config(0.9, 1.0);
    // (1 − η μ_w)^T with μ_w ≥ 0.3, η = 0.9: T = 400 gives < 1e-40.
    const auto probe = reference::probe_round(p, cfg, {400, 0}, m.theta_star, w, 0);
    double scale = 0;
    for (double g : m.grad) scale = std::max(scale, std::abs(g));
    for (int j = 0; j < 3; ++j) EXPECT_NEAR(probe.h[j], m.grad[j], 1e-10 * scale) << "diagonal=" << diagonal;
    // θ stays at θ*(w) (Σ_j w_j ∇f_j(θ*) = 0).
    for (int i = 0; i < 6; ++i) EXPECT_NEAR(probe.theta[i], m.theta_star[i], 1e-12);
  }
}

TEST(ImplicitLimit, ShortHorizonIsBiased) {
  // The limit test above can fail: a short horizon gives a visibly different h.
  const QuadraticProblem p = test::random_problem(6, 3, false, 77, 0.3, 1.0);
  const std::vector<double> w = {0.2, 0.5, 0.3};
  const MixtureMetrics m = Evaluator(p).mixture(w.data());
  const auto probe = reference::probe_round(p, test::basic_config(0.9, 1.0), {2, 0}, m.theta_star, w, 0);
  double diff = 0;
  for (int j = 0; j < 3; ++j) diff = std::max(diff, std::abs(probe.h[j] - m.grad[j]));
  EXPECT_GT(diff, 1e-3);
}

TEST(Metrics, HypergradientMatchesFiniteDifferencesOfPhi) {
  const QuadraticProblem p = test::random_problem(5, 3, false, 5);
  const Evaluator eval(p);
  const std::vector<double> w = {0.3, 0.3, 0.4};
  const MixtureMetrics m = eval.mixture(w.data());
  for (int j = 0; j < 3; ++j) {
    std::vector<double> wp = w, wm = w;
    wp[j] += 1e-6;
    wm[j] -= 1e-6;
    const double fd = (eval.mixture(wp.data()).phi - eval.mixture(wm.data()).phi) / 2e-6;
    EXPECT_NEAR(m.grad[j], fd, 1e-7 * (1 + std::abs(fd)));
  }
  // fw_gap = ⟨g, w⟩ − min g ≥ 0.
  EXPECT_GE(m.fw_gap, 0.0);
}

}  // namespace
}  // namespace horizon
