// Trajectories written out by hand (scalar arithmetic, docs/algorithm.md §2) against
// the CPU reference: 1-D with two rounds and a leftover step, 2-D dense with
// a projected update.
#include <gtest/gtest.h>

#include <cmath>

#include "horizon/backend.hpp"
#include "horizon/metrics.hpp"
#include "horizon/schedule.hpp"
#include "reference/reference.hpp"

namespace horizon {
namespace {

// f_1 = ½·2(θ−1)², f_2 = ½·0.5(θ+2)², f_v = ½·1(θ−0.5)², θ0 = 0.3, w0 = (0.5, 0.5).
QuadraticProblem one_d() {
  QuadraticProblem p;
  p.d = 1;
  p.K = 2;
  p.diagonal = true;
  p.names = {"a", "b"};
  p.domains = {{{2.0}, {1.0}}, {{0.5}, {-2.0}}};
  p.validation = {{1.0}, {0.5}};
  p.theta0 = {0.3};
  p.w0 = {0.5, 0.5};
  validate(p);
  return p;
}

TEST(HandTrajectory, OneDimensionTwoRoundsAndLeftover) {
  const QuadraticProblem p = one_d();
  AlgorithmConfig cfg;
  cfg.inner.eta0 = 0.2;
  cfg.outer.alpha0 = 0.7;
  // T = 2, N = 5: two rounds of two steps, then one leftover step.
  const double eta = 0.2, alpha = 0.7;
  double th = 0.3, w1 = 0.5, w2 = 0.5;
  for (int round = 0; round < 2; ++round) {
    double s1 = 0, s2 = 0;
    const double hw = 2.0 * w1 + 0.5 * w2;
    for (int t = 0; t < 2; ++t) {
      const double g1 = 2.0 * (th - 1.0), g2 = 0.5 * (th + 2.0);
      s1 = s1 - eta * (hw * s1 + g1);
      s2 = s2 - eta * (hw * s2 + g2);
      th = th - eta * (g1 * w1 + g2 * w2);
    }
    const double gv = 1.0 * (th - 0.5);
    const double h1 = s1 * gv, h2 = s2 * gv, hmin = std::min(h1, h2);
    w1 *= std::exp(-alpha * (h1 - hmin));
    w2 *= std::exp(-alpha * (h2 - hmin));
    const double z = w1 + w2;
    w1 /= z;
    w2 /= z;
  }
  th = th - eta * (2.0 * (th - 1.0) * w1 + 0.5 * (th + 2.0) * w2);

  const RunResult r = reference::run_quadratic(p, cfg, {2, 0}, {5});
  ASSERT_EQ(r.checkpoints.size(), 1u);
  const Checkpoint& c = r.checkpoints[0];
  EXPECT_EQ(c.rounds, 2);
  EXPECT_EQ(c.steps, 5);
  EXPECT_NEAR(c.theta[0], th, 1e-15);
  EXPECT_NEAR(c.w[0], w1, 1e-15);
  EXPECT_NEAR(c.w[1], w2, 1e-15);

  // Metrics: θ*(w) = Σ w a c / Σ w a, Φ = ½ (θ* − 0.5)².
  Checkpoint scored = c;
  Evaluator(p).score(scored);
  const double ts = (w1 * 2.0 * 1.0 + w2 * 0.5 * -2.0) / (w1 * 2.0 + w2 * 0.5);
  EXPECT_NEAR(scored.phi, 0.5 * (ts - 0.5) * (ts - 0.5), 1e-15);
  EXPECT_NEAR(scored.val_loss, 0.5 * (th - 0.5) * (th - 0.5), 1e-15);
}

TEST(HandTrajectory, TwoDimensionDenseProjected) {
  QuadraticProblem p;
  p.d = 2;
  p.K = 2;
  p.names = {"a", "b"};
  p.domains = {{{2.0, 0.5, 0.5, 1.0}, {1.0, 0.0}}, {{1.0, -0.2, -0.2, 3.0}, {0.0, 1.0}}};
  p.validation = {{1.0, 0.0, 0.0, 1.0}, {0.4, 0.6}};
  p.theta0 = {0.0, 0.0};
  p.w0 = {0.9, 0.1};
  validate(p);
  AlgorithmConfig cfg;
  cfg.inner.eta0 = 0.1;
  cfg.outer.alpha0 = 5.0;
  cfg.update = UpdateKind::projected;
  // T = 1, N = 1: one step and one projected update.
  const double eta = 0.1;
  const double g1[2] = {2.0 * 1 * (0 - 1.0) + 0.5 * (0 - 0.0), 0.5 * (0 - 1.0) + 1.0 * (0 - 0.0)};
  const double g2[2] = {1.0 * (0 - 0.0) - 0.2 * (0 - 1.0), -0.2 * (0 - 0.0) + 3.0 * (0 - 1.0)};
  // S starts at 0, so S = −η G; θ = −η (0.9 g1 + 0.1 g2).
  const double th[2] = {-eta * (0.9 * g1[0] + 0.1 * g2[0]), -eta * (0.9 * g1[1] + 0.1 * g2[1])};
  const double gv[2] = {th[0] - 0.4, th[1] - 0.6};
  const double h1 = -eta * (g1[0] * gv[0] + g1[1] * gv[1]);
  const double h2 = -eta * (g2[0] * gv[0] + g2[1] * gv[1]);
  // Projection of (0.9 − 5 h1, 0.1 − 5 h2) onto the 2-simplex.
  double v1 = 0.9 - 5.0 * h1, v2 = 0.1 - 5.0 * h2;
  double tau = (v1 + v2 - 1.0) / 2.0;
  double p1 = v1 - tau, p2 = v2 - tau;
  if (p1 < 0) p1 = 0, p2 = 1;
  if (p2 < 0) p2 = 0, p1 = 1;
  const RunResult r = reference::run_quadratic(p, cfg, {1, 0}, {1});
  const Checkpoint& c = r.checkpoints[0];
  EXPECT_NEAR(c.theta[0], th[0], 1e-15);
  EXPECT_NEAR(c.theta[1], th[1], 1e-15);
  EXPECT_NEAR(c.w[0], p1, 1e-14);
  EXPECT_NEAR(c.w[1], p2, 1e-14);
}

TEST(HandTrajectory, HorizonAtLeastBudgetMeansNoWeightUpdate) {
  const QuadraticProblem p = one_d();
  AlgorithmConfig cfg;
  cfg.inner.eta0 = 0.2;
  const RunResult r = reference::run_quadratic(p, cfg, {10, 0}, {3, 10});
  EXPECT_EQ(r.checkpoints[0].rounds, 0);
  EXPECT_EQ(r.checkpoints[0].w, p.w0);
  EXPECT_EQ(r.checkpoints[1].rounds, 1);  // T = N: one round, so one update
  EXPECT_NE(r.checkpoints[1].w, p.w0);
  // Three plain steps at w0.
  double th = 0.3;
  for (int n = 0; n < 3; ++n) th -= 0.2 * (0.5 * 2.0 * (th - 1.0) + 0.5 * 0.5 * (th + 2.0));
  EXPECT_NEAR(r.checkpoints[0].theta[0], th, 1e-15);
}

TEST(HandTrajectory, InverseTimeScheduleRestartsEachRound) {
  InnerSchedule s;
  s.kind = InnerScheduleKind::inverse_time;
  s.eta0 = 1.0;
  s.gamma = 0.5;
  EXPECT_DOUBLE_EQ(inner_rate(s, 2, 10), 1.0 / 2.0);
  s.restart = false;
  EXPECT_DOUBLE_EQ(inner_rate(s, 2, 10), 1.0 / 6.0);
  OuterSchedule o;
  o.kind = OuterScheduleKind::inv_sqrt;
  o.alpha0 = 3.0;
  EXPECT_DOUBLE_EQ(outer_rate(o, 3), 1.5);
}

}  // namespace
}  // namespace horizon
