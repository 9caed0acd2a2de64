// One trajectory with checkpoints equals standalone runs with those budgets
// (bitwise, docs/algorithm.md §2), and results do not depend on the thread count.
#include <gtest/gtest.h>

#include "horizon/backend.hpp"
#include "support.hpp"

namespace horizon {
namespace {

void expect_same(const Checkpoint& a, const Checkpoint& b) {
  EXPECT_EQ(a.N, b.N);
  EXPECT_EQ(a.rounds, b.rounds);
  EXPECT_EQ(a.steps, b.steps);
  EXPECT_EQ(a.theta, b.theta) << "N=" << a.N;  // bitwise: operator== on doubles
  EXPECT_EQ(a.w, b.w) << "N=" << a.N;
  EXPECT_EQ(a.diverged, b.diverged);
  if (!a.diverged) {
    EXPECT_EQ(a.val_loss, b.val_loss);
    EXPECT_EQ(a.phi, b.phi);
    EXPECT_EQ(a.fw_gap, b.fw_gap);
  }
}

struct ForkCase {
  bool diagonal;
  UpdateKind update;
  double noise;
  InnerScheduleKind schedule;
  bool restart;
};

class Fork : public ::testing::TestWithParam<ForkCase> {};

TEST_P(Fork, CheckpointsEqualStandaloneRuns) {
  const ForkCase fc = GetParam();
  const QuadraticProblem p = test::random_problem(7, 3, fc.diagonal, 31);
  AlgorithmConfig cfg = test::basic_config(0.5, 0.8);
  cfg.update = fc.update;
  cfg.noise_sigma = fc.noise;
  cfg.inner.kind = fc.schedule;
  cfg.inner.gamma = 0.05;
  cfg.inner.restart = fc.restart;
  cfg.outer.kind = OuterScheduleKind::inv_sqrt;
  const std::vector<std::int64_t> budgets = {1, 6, 7, 37, 100, 253};
  auto backend = make_cpu_backend(1);
  for (std::int64_t T : {1, 3, 7, 50, 300}) {
    const RunSpec spec{T, 9};
    const RunResult forked = backend->run(p, cfg, {spec}, budgets).front();
    ASSERT_EQ(forked.checkpoints.size(), budgets.size());
    for (std::size_t i = 0; i < budgets.size(); ++i) {
      const RunResult alone = backend->run(p, cfg, {spec}, {budgets[i]}).front();
      SCOPED_TRACE("T=" + std::to_string(T));
      expect_same(forked.checkpoints[i], alone.checkpoints[0]);
    }
  }
}

INSTANTIATE_TEST_SUITE_P(
    Variants, Fork,
    ::testing::Values(ForkCase{false, UpdateKind::exponentiated, 0.0, InnerScheduleKind::constant, true},
                      ForkCase{false, UpdateKind::projected, 0.2, InnerScheduleKind::inverse_time, true},
                      ForkCase{true, UpdateKind::exponentiated, 0.2, InnerScheduleKind::inverse_time, false},
                      ForkCase{true, UpdateKind::projected, 0.0, InnerScheduleKind::constant, true}));

TEST(Threads, ResultsIndependentOfThreadCount) {
  const QuadraticProblem p = test::random_problem(9, 4, false, 12);
  AlgorithmConfig cfg = test::basic_config(0.4, 0.6);
  cfg.noise_sigma = 0.3;
  std::vector<RunSpec> specs;
  for (std::int64_t T : {1, 2, 5, 16})
    for (std::uint64_t s = 0; s < 9; ++s) specs.push_back({T, 100 + s});
  const std::vector<std::int64_t> budgets = {10, 77, 160};
  const auto one = make_cpu_backend(1)->run(p, cfg, specs, budgets);
  for (int threads : {2, 3, 8}) {
    const auto many = make_cpu_backend(threads)->run(p, cfg, specs, budgets);
    ASSERT_EQ(many.size(), one.size());
    for (std::size_t r = 0; r < one.size(); ++r) {
      EXPECT_EQ(many[r].spec.T, one[r].spec.T);
      EXPECT_EQ(many[r].spec.seed, one[r].spec.seed);
      for (std::size_t c = 0; c < budgets.size(); ++c) expect_same(many[r].checkpoints[c], one[r].checkpoints[c]);
    }
  }
}

TEST(Noise, SeedsDifferAndNoiseChangesTheRun) {
  const QuadraticProblem p = test::random_problem(4, 2, true, 3);
  AlgorithmConfig cfg = test::basic_config();
  auto b = make_cpu_backend(1);
  const auto exact = b->run(p, cfg, {{4, 0}, {4, 1}}, {40});
  EXPECT_EQ(exact[0].checkpoints[0].theta, exact[1].checkpoints[0].theta);
  cfg.noise_sigma = 0.1;
  const auto noisy = b->run(p, cfg, {{4, 0}, {4, 1}}, {40});
  EXPECT_NE(noisy[0].checkpoints[0].theta, noisy[1].checkpoints[0].theta);
  EXPECT_NE(noisy[0].checkpoints[0].theta, exact[0].checkpoints[0].theta);
}

TEST(Divergence, LargeInnerRateIsFlaggedNotFatal) {
  const QuadraticProblem p = test::random_problem(5, 3, false, 8, 0.5, 2.0);
  AlgorithmConfig cfg = test::basic_config(50.0, 1.0);  // η far above 2/L = 1
  const auto r = make_cpu_backend(1)->run(p, cfg, {{4, 0}, {2000, 0}}, {8, 4000});
  for (const RunResult& run : r)
    for (const Checkpoint& c : run.checkpoints) {
      if (c.N == 8) continue;  // (ηL)^8 is still finite: not yet diverged
      EXPECT_TRUE(c.diverged) << "T=" << run.spec.T << " N=" << c.N;
      EXPECT_TRUE(std::isnan(c.val_loss));
      EXPECT_TRUE(std::isnan(c.phi));
      EXPECT_EQ(c.steps, c.N);
    }
}

}  // namespace
}  // namespace horizon
