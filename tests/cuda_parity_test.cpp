// CUDA backend vs the CPU reference on whole trajectories: θ and w at every
// checkpoint (and the metrics scored from them), divergence flags, odd sizes.
// Every GPU test skips when no CUDA device is usable (GTEST_SKIP with the
// reason); the kernels' bodies are replayed on the host, against the
// reference, by the KernelReplay suites (tests/kernel_replay_*_test.cpp).
//
// Tolerances, |gpu − cpu| ≤ tol · (1 + |cpu|):
//  * double, tol = 1e-10. Both backends run the same algorithm on the same
//    Philox draws (bit-identical by construction, rng.hpp); they differ only
//    in rounding: FMA contraction on the GPU (the CPU is built with
//    -ffp-contract=off), the summation order of h (a tree on the GPU), CUDA's
//    exp (≤ 1 ulp) vs glibc's, and on the GEMM path cuBLAS's summation order
//    and H_w S computed as Σ_j w_j (A_j S). Each is a few ε = 1.1e-16 per
//    operation, at most d·ε ≈ 1e-14 per dot product here. The inner step is
//    a contraction (η = 0.3 < 2/L, |1 − ηλ| ≤ 0.94 for λ ∈ [0.2, 1]), so a
//    perturbation decays instead of accumulating: the state error stays
//    within ~(1/(1 − 0.94))·1e-14 ≈ 2e-13, and the exponentiated/projected
//    weight updates are Lipschitz in h with constant ≤ α = 0.5. 1e-10 leaves
//    a factor ~500 of headroom; any algorithmic slip (a missed or extra step,
//    a wrong noise draw, a stale H_w) moves results by ≥ 1e-4.
//  * float, tol = 2e-3. Same argument with ε_f = 6e-8 and the CPU in double:
//    per step ≤ d·ε_f ≈ 1e-6 (d ≤ 13 here), amplified by ≤ 1/(1 − 0.94) ≈ 17
//    through the contraction and by the ≤ 10 outer rounds of these short
//    runs: ≈ 2e-4; a factor 10 of headroom.
#if HORIZON_HAS_CUDA

#include <gtest/gtest.h>

#include <cmath>
#include <sstream>
#include <string>
#include <tuple>
#include <vector>

#include "horizon/backend.hpp"
#include "horizon/cuda_backend.hpp"
#include "horizon/devices.hpp"
#include "reference/reference.hpp"
#include "support.hpp"

namespace horizon {
namespace {

constexpr double kDoubleTol = 1e-10;
constexpr double kFloatTol = 2e-3;

// Runs with horizons T = 1, 2, …, 9, 1, 2, … and distinct seeds: with
// kBudgets (1, 6, 17, 40, 53) every T ≥ 2 misses some N, and from 5 runs on
// every budget but N = 1 has a run with T ∤ N (CudaParitySpecs checks
// both, without a GPU).
std::vector<RunSpec> make_specs(int runs, std::uint64_t seed0 = 11) {
  std::vector<RunSpec> specs;
  for (int r = 0; r < runs; ++r) specs.push_back({1 + r % 9, seed0 + static_cast<std::uint64_t>(r)});
  return specs;
}

const std::vector<std::int64_t> kBudgets = {1, 6, 17, 40, 53};

// make_specs gives what its comment claims (the suites below rely on it).
TEST(CudaParitySpecs, CoverEveryHorizonAndTNotDividingN) {
  std::vector<bool> seen(10, false);
  for (const RunSpec& s : make_specs(9)) seen[s.T] = true;
  for (int T = 1; T <= 9; ++T) EXPECT_TRUE(seen[T]) << "T = " << T;
  for (int runs : {5, 7, 33, 65})
    for (std::int64_t N : kBudgets) {
      if (N == 1) continue;
      bool some = false;
      for (const RunSpec& s : make_specs(runs)) some = some || N % s.T != 0;
      EXPECT_TRUE(some) << runs << " runs, N = " << N;
    }
}

bool close(double gpu, double cpu, double tol) {
  if (std::isnan(cpu) || std::isnan(gpu)) return std::isnan(cpu) && std::isnan(gpu);
  return std::fabs(gpu - cpu) <= tol * (1 + std::fabs(cpu));
}

// "" when the two result sets agree; otherwise the first disagreement and a count.
std::string compare(const std::vector<RunResult>& cpu, const std::vector<RunResult>& gpu, double tol) {
  std::ostringstream first;
  long bad = 0;
  double worst = 0;
  auto report = [&](std::size_t r, std::size_t c, const std::string& what, double g, double x) {
    if (bad++ == 0)
      first << "run " << r << " (T=" << cpu[r].spec.T << ", seed=" << cpu[r].spec.seed << ") N="
            << cpu[r].checkpoints[c].N << " " << what << ": gpu " << g << " vs cpu " << x;
  };
  if (cpu.size() != gpu.size()) return "run counts differ";
  for (std::size_t r = 0; r < cpu.size(); ++r) {
    if (cpu[r].spec.T != gpu[r].spec.T || cpu[r].spec.seed != gpu[r].spec.seed) return "specs out of order";
    if (cpu[r].checkpoints.size() != gpu[r].checkpoints.size()) return "checkpoint counts differ";
    for (std::size_t c = 0; c < cpu[r].checkpoints.size(); ++c) {
      const Checkpoint &x = cpu[r].checkpoints[c], &g = gpu[r].checkpoints[c];
      if (x.N != g.N || x.rounds != g.rounds || x.steps != g.steps) {
        report(r, c, "N/rounds/steps", static_cast<double>(g.rounds), static_cast<double>(x.rounds));
        continue;
      }
      if (x.diverged != g.diverged) {
        report(r, c, "diverged", g.diverged, x.diverged);
        continue;
      }
      // A checkpoint after a divergence carries NaN θ, w of full size on
      // both backends.
      if (x.theta.size() != g.theta.size() || x.w.size() != g.w.size()) {
        report(r, c, "theta/w size", static_cast<double>(g.theta.size()), static_cast<double>(x.theta.size()));
        continue;
      }
      if (x.diverged) continue;
      for (std::size_t i = 0; i < x.theta.size(); ++i) {
        worst = std::max(worst, std::fabs(g.theta[i] - x.theta[i]) / (1 + std::fabs(x.theta[i])));
        if (!close(g.theta[i], x.theta[i], tol)) report(r, c, "theta[" + std::to_string(i) + "]", g.theta[i], x.theta[i]);
      }
      for (std::size_t j = 0; j < x.w.size(); ++j) {
        worst = std::max(worst, std::fabs(g.w[j] - x.w[j]) / (1 + std::fabs(x.w[j])));
        if (!close(g.w[j], x.w[j], tol)) report(r, c, "w[" + std::to_string(j) + "]", g.w[j], x.w[j]);
      }
      if (!close(g.val_loss, x.val_loss, tol)) report(r, c, "val_loss", g.val_loss, x.val_loss);
      if (!close(g.phi, x.phi, tol)) report(r, c, "phi", g.phi, x.phi);
      if (!close(g.fw_gap, x.fw_gap, tol)) report(r, c, "fw_gap", g.fw_gap, x.fw_gap);
    }
  }
  if (bad == 0) return "";
  std::ostringstream out;
  out << bad << " mismatches (tol " << tol << ", worst relative error " << worst << "); first: " << first.str();
  return out.str();
}

class CudaParity : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string why;
    devices_ = cuda_devices(&why);
    if (devices_.empty()) GTEST_SKIP() << why;
  }
  std::unique_ptr<Backend> gpu(CudaBackendOptions opts = {}) const { return make_cuda_backend(devices_.front(), opts); }
  static std::vector<RunResult> cpu_run(const QuadraticProblem& p, const AlgorithmConfig& cfg,
                                        const std::vector<RunSpec>& specs, const std::vector<std::int64_t>& budgets) {
    return make_cpu_backend(0)->run(p, cfg, specs, budgets);
  }
  std::vector<DeviceInfo> devices_;
};

// ---------------------------------------------------------------- the size grid

// (diagonal, d, K, runs)
class CudaParityGrid : public CudaParity, public ::testing::WithParamInterface<std::tuple<bool, int, int, int>> {};

TEST_P(CudaParityGrid, WholeTrajectoriesMatchCpu) {
  const auto [diagonal, d, K, runs] = GetParam();
  const QuadraticProblem p = test::random_problem(d, K, diagonal, 100 + d * 7 + K);
  AlgorithmConfig cfg = test::basic_config(0.3, 0.5);
  cfg.noise_sigma = 0.1;
  const std::vector<RunSpec> specs = make_specs(runs);
  const auto cpu = cpu_run(p, cfg, specs, kBudgets);
  const auto gpu_results = gpu()->run(p, cfg, specs, kBudgets);
  EXPECT_EQ(compare(cpu, gpu_results, kDoubleTol), "");
}

INSTANTIATE_TEST_SUITE_P(Sizes, CudaParityGrid,
                         ::testing::Combine(::testing::Bool(), ::testing::Values(5, 37, 70), ::testing::Values(1, 2, 5),
                                            ::testing::Values(1, 7, 33, 65)),
                         [](const ::testing::TestParamInfo<std::tuple<bool, int, int, int>>& info) {
                           return std::string(std::get<0>(info.param) ? "diagonal" : "dense") + "_d" +
                                  std::to_string(std::get<1>(info.param)) + "_K" +
                                  std::to_string(std::get<2>(info.param)) + "_runs" +
                                  std::to_string(std::get<3>(info.param));
                         });

// ---------------------------------------------------------------- the GEMM path, forced

// (d, K, runs) on small dense problems, which the automatic choice gives to
// the fused kernel. One case per test, so that a sanitizer run (scripts/gpu-check)
// can take a single one.
class CudaParityGemm : public CudaParity, public ::testing::WithParamInterface<std::tuple<int, int, int>> {};

TEST_P(CudaParityGemm, GemmPathForcedOnSmallProblems) {
  const auto [d, K, runs] = GetParam();
  const QuadraticProblem p = test::random_problem(d, K, false, 300 + d + K);
  AlgorithmConfig cfg = test::basic_config();
  cfg.noise_sigma = 0.1;
  CudaBackendOptions opts;
  opts.path = CudaBackendOptions::Path::gemm;
  const std::vector<RunSpec> specs = make_specs(runs);
  EXPECT_EQ(compare(cpu_run(p, cfg, specs, kBudgets), gpu(opts)->run(p, cfg, specs, kBudgets), kDoubleTol), "");
}

INSTANTIATE_TEST_SUITE_P(Sizes, CudaParityGemm,
                         ::testing::Combine(::testing::Values(5, 13, 37), ::testing::Values(1, 3),
                                            ::testing::Values(1, 7, 33)),
                         [](const ::testing::TestParamInfo<std::tuple<int, int, int>>& info) {
                           return "d" + std::to_string(std::get<0>(info.param)) + "_K" +
                                  std::to_string(std::get<1>(info.param)) + "_runs" +
                                  std::to_string(std::get<2>(info.param));
                         });

// ---------------------------------------------------------------- algorithm options

TEST_F(CudaParity, UpdateRulesSchedulesAndNoise) {
  for (bool diagonal : {true, false})
    for (UpdateKind update : {UpdateKind::exponentiated, UpdateKind::projected})
      for (double sigma : {0.0, 0.2})
        for (int schedule = 0; schedule < 3; ++schedule) {
          const QuadraticProblem p = test::random_problem(13, 3, diagonal, 5);
          AlgorithmConfig cfg = test::basic_config(0.4, 0.7);
          cfg.update = update;
          cfg.noise_sigma = sigma;
          if (schedule >= 1) {
            cfg.inner.kind = InnerScheduleKind::inverse_time;
            cfg.inner.gamma = 0.05;
            cfg.inner.restart = schedule == 1;
            cfg.outer.kind = OuterScheduleKind::inv_sqrt;
          }
          const std::vector<RunSpec> specs = make_specs(7);
          const std::vector<std::int64_t> budgets = {2, 9, 30, 61};
          const std::string diff = compare(cpu_run(p, cfg, specs, budgets), gpu()->run(p, cfg, specs, budgets), kDoubleTol);
          EXPECT_EQ(diff, "") << (diagonal ? "diagonal" : "dense") << ", " << to_string(update) << ", sigma " << sigma
                              << ", schedule " << schedule;
        }
}

TEST_F(CudaParity, WeightsStartingOnAVertex) {
  for (bool diagonal : {true, false}) {
    QuadraticProblem p = test::random_problem(6, 3, diagonal, 9);
    p.w0 = {1.0, 0.0, 0.0};
    for (UpdateKind update : {UpdateKind::exponentiated, UpdateKind::projected}) {
      AlgorithmConfig cfg = test::basic_config();
      cfg.update = update;
      cfg.noise_sigma = 0.1;
      const std::vector<RunSpec> specs = make_specs(5);
      EXPECT_EQ(compare(cpu_run(p, cfg, specs, kBudgets), gpu()->run(p, cfg, specs, kBudgets), kDoubleTol), "")
          << (diagonal ? "diagonal" : "dense") << ", " << to_string(update);
    }
  }
}

// Horizons at and beyond the largest budget (zero weight updates), N = T.
TEST_F(CudaParity, HorizonsAtAndBeyondTheBudget) {
  for (bool diagonal : {true, false}) {
    const QuadraticProblem p = test::random_problem(9, 2, diagonal, 21);
    AlgorithmConfig cfg = test::basic_config();
    cfg.noise_sigma = 0.05;
    const std::vector<RunSpec> specs = {{1, 1}, {10, 2}, {20, 3}, {21, 4}, {500, 5}};
    const std::vector<std::int64_t> budgets = {1, 10, 20, 21};
    EXPECT_EQ(compare(cpu_run(p, cfg, specs, budgets), gpu()->run(p, cfg, specs, budgets), kDoubleTol), "")
        << (diagonal ? "diagonal" : "dense");
  }
}

// ---------------------------------------------------------------- divergence

TEST_F(CudaParity, DivergingRunsAreFlaggedIdentically) {
  for (bool diagonal : {true, false})
    for (bool force_gemm : {false, true}) {
      if (diagonal && force_gemm) continue;
      const QuadraticProblem p = test::random_problem(11, 3, diagonal, 4);
      AlgorithmConfig cfg = test::basic_config(50.0, 0.5);  // η far above 2/L = 2
      cfg.noise_sigma = 0.1;
      const std::vector<RunSpec> specs = {{1, 1}, {3, 2}, {8, 3}, {40, 4}, {1000, 5}};
      const std::vector<std::int64_t> budgets = {1, 2, 10, 100, 400};
      const auto cpu = cpu_run(p, cfg, specs, budgets);
      bool some_diverged = false;
      for (const RunResult& r : cpu)
        for (const Checkpoint& c : r.checkpoints) some_diverged = some_diverged || c.diverged;
      ASSERT_TRUE(some_diverged) << "the planted divergence did not happen on the CPU";
      CudaBackendOptions opts;
      if (force_gemm) opts.path = CudaBackendOptions::Path::gemm;
      // Values before the blow-up are huge; compare them with a looser bound
      // (the unstable iteration amplifies rounding like the values themselves).
      EXPECT_EQ(compare(cpu, gpu(opts)->run(p, cfg, specs, budgets), 1e-8), "")
          << (diagonal ? "diagonal" : force_gemm ? "dense, GEMM path" : "dense, fused path");
    }
}

// ---------------------------------------------------------------- paths and variants

TEST_F(CudaParity, FusedPathForcedWhereItDoesNotFitThrows) {
  const QuadraticProblem p = test::random_problem(200, 8, false, 1);
  CudaBackendOptions opts;
  opts.path = CudaBackendOptions::Path::fused;
  EXPECT_THROW(gpu(opts)->run(p, test::basic_config(), make_specs(2), {4}), std::runtime_error);
}

// K > 8 and d > 512 take the diagonal kernel's general variant (state in global memory).
TEST_F(CudaParity, DiagonalGeneralVariant) {
  for (auto [d, K] : {std::pair<int, int>{9, 11}, {1030, 2}, {601, 9}}) {
    const QuadraticProblem p = test::random_problem(d, K, true, 77 + d);
    AlgorithmConfig cfg = test::basic_config();
    cfg.noise_sigma = 0.1;
    const std::vector<RunSpec> specs = make_specs(7);
    EXPECT_EQ(compare(cpu_run(p, cfg, specs, kBudgets), gpu()->run(p, cfg, specs, kBudgets), kDoubleTol), "")
        << "d " << d << ", K " << K;
  }
}

// A larger dense problem on the automatic path (GEMM past the shared-memory limit).
TEST_F(CudaParity, DenseLargeDimensionAutomaticPath) {
  const QuadraticProblem p = test::random_problem(150, 4, false, 8);
  AlgorithmConfig cfg = test::basic_config();
  cfg.noise_sigma = 0.1;
  const std::vector<RunSpec> specs = make_specs(9);
  const std::vector<std::int64_t> budgets = {3, 20, 33};
  EXPECT_EQ(compare(cpu_run(p, cfg, specs, budgets), gpu()->run(p, cfg, specs, budgets), kDoubleTol), "");
}

// Enough runs that tiles hold several runs: the dense fused kernel packs
// ⌈runs / SMs⌉ runs per block, the diagonal kernel switches to 128-thread
// blocks of 128/P runs once runs·P ≥ 256·SMs (10000·4 covers up to 156 SMs).
TEST_F(CudaParity, ManyRunsPerBlock) {
  for (auto [diagonal, d, runs] : {std::tuple<bool, int, int>{false, 5, 700}, {false, 12, 1500}, {true, 6, 10000}}) {
    const QuadraticProblem p = test::random_problem(d, 2, diagonal, 31 + d);
    AlgorithmConfig cfg = test::basic_config();
    cfg.noise_sigma = 0.1;
    const std::vector<RunSpec> specs = make_specs(runs);
    const std::vector<std::int64_t> budgets = {3, 20, 41};
    EXPECT_EQ(compare(cpu_run(p, cfg, specs, budgets), gpu()->run(p, cfg, specs, budgets), kDoubleTol), "")
        << (diagonal ? "diagonal" : "dense") << ", d " << d << ", runs " << runs;
  }
}

// ---------------------------------------------------------------- forks and batches

// Checkpoint N of a many-budget run equals a standalone run with budget N.
TEST_F(CudaParity, ForkEqualsStandaloneRun) {
  for (bool diagonal : {true, false})
    for (auto path : {CudaBackendOptions::Path::automatic, CudaBackendOptions::Path::gemm}) {
      if (diagonal && path == CudaBackendOptions::Path::gemm) continue;
      const QuadraticProblem p = test::random_problem(10, 3, diagonal, 12);
      AlgorithmConfig cfg = test::basic_config();
      cfg.noise_sigma = 0.1;
      CudaBackendOptions opts;
      opts.path = path;
      const auto backend = gpu(opts);
      const std::vector<RunSpec> specs = make_specs(6);
      const auto all = backend->run(p, cfg, specs, kBudgets);
      for (std::size_t c = 0; c < kBudgets.size(); ++c) {
        const auto alone = backend->run(p, cfg, specs, {kBudgets[c]});
        for (std::size_t r = 0; r < specs.size(); ++r) {
          const Checkpoint &a = all[r].checkpoints[c], &b = alone[r].checkpoints[0];
          ASSERT_EQ(a.theta.size(), b.theta.size());
          for (std::size_t i = 0; i < a.theta.size(); ++i) EXPECT_TRUE(close(a.theta[i], b.theta[i], 1e-12));
          for (std::size_t j = 0; j < a.w.size(); ++j) EXPECT_TRUE(close(a.w[j], b.w[j], 1e-12));
        }
      }
    }
}

// Results do not depend on how the runs are cut into batches.
TEST_F(CudaParity, BatchingDoesNotChangeResults) {
  for (bool diagonal : {true, false}) {
    const QuadraticProblem p = test::random_problem(21, 3, diagonal, 3);
    AlgorithmConfig cfg = test::basic_config();
    cfg.noise_sigma = 0.1;
    const std::vector<RunSpec> specs = make_specs(33);
    CudaBackendOptions small;
    small.max_batch_runs = 4;
    EXPECT_EQ(compare(gpu()->run(p, cfg, specs, kBudgets), gpu(small)->run(p, cfg, specs, kBudgets), 1e-12), "")
        << (diagonal ? "diagonal" : "dense");
  }
}

// ---------------------------------------------------------------- single precision

TEST_F(CudaParity, SinglePrecisionWithinFloatTolerance) {
  for (bool diagonal : {true, false})
    for (auto path : {CudaBackendOptions::Path::automatic, CudaBackendOptions::Path::gemm}) {
      if (diagonal && path == CudaBackendOptions::Path::gemm) continue;
      const QuadraticProblem p = test::random_problem(13, 3, diagonal, 14);
      AlgorithmConfig cfg = test::basic_config();
      cfg.noise_sigma = 0.1;
      CudaBackendOptions opts;
      opts.single_precision = true;
      opts.path = path;
      const std::vector<RunSpec> specs = make_specs(7);
      const std::vector<std::int64_t> budgets = {1, 7, 24, 40};
      EXPECT_EQ(compare(cpu_run(p, cfg, specs, budgets), gpu(opts)->run(p, cfg, specs, budgets), kFloatTol), "")
          << (diagonal ? "diagonal" : "dense") << (path == CudaBackendOptions::Path::gemm ? ", GEMM path" : "");
    }
}

TEST_F(CudaParity, DescriptionNamesDeviceAndPrecision) {
  const std::string dbl = gpu()->description();
  EXPECT_NE(dbl.find(devices_.front().name), std::string::npos) << dbl;
  EXPECT_NE(dbl.find("double"), std::string::npos) << dbl;
  CudaBackendOptions opts;
  opts.single_precision = true;
  EXPECT_NE(gpu(opts)->description().find("single"), std::string::npos);
  EXPECT_EQ(gpu()->name(), "cuda");
}

}  // namespace
}  // namespace horizon

#endif  // HORIZON_HAS_CUDA
