// KernelReplay suites for the diagonal quadratic kernel: its body
// (kernels/quadratic_diagonal_body.hpp) replayed on the host over whole
// batches, in the solver's exact launch shape (diagonal_launch_shape: group
// size P, block size, runs per block, KMAX and the global-memory variant),
// compared with the CPU reference (reference::run_quadratic). Needs no CUDA.
//
// What must be bitwise, and what may differ by rounding:
//  * Every per-coordinate operation of the body (gradient, noise, the
//    sensitivity and inner steps, (H_w)_ii) follows the reference's order,
//    and the replay is built without FMA contraction. The one difference is
//    h_j = Σ_i S_ij gv_i: a tree (each thread's pair, then the xor butterfly
//    over the P threads, then the warps) where the reference adds in i order.
//    So θ, w are bitwise equal (a) when a run's coordinates are one thread's
//    (d ≤ 2: one thread, P = 1, its own two terms added in i order) and for
//    d = 3 (P = 2: (S_0g_0 + S_1g_1) + S_2g_2, the padding adding nothing),
//    (b) when no round ever ends (T > N_max: w = w0, θ never sees h), and (c)
//    when h cannot move w (K = 1, exponentiated: w ← w·e^{−α(h−h)}/w = 1).
//  * Otherwise, double (tolerance(d)): |Δh_j| ≤ 2(d−1)·ε·Σ_i |S_ij gv_i|,
//    both sums being within (d−1)·ε·Σ|terms| of the exact one (ε = 1.1e-16).
//    Here |S_ij| ≤ T·η·max|ĝ| ≲ 9·0.3·2 ≈ 5 and |gv_i| ≲ 2: |Δh| ≲ 20·d²·ε
//    per round. The weight update is Lipschitz in h with constant ≤ 2α = 1
//    (exponentiated, in log w; the projection is 1-Lipschitz: α), the inner
//    step is a contraction (λ(H_w) ∈ [μ, L] = [0.2, 1], η ≤ 0.3: |1 − ηλ| ≤
//    1 − ημ), so a change of w moves θ by ≤ η·|ĝ|·|Δw|/(ημ) ≲ 10·|Δw|, and the ≤ 53
//    rounds add up: tolerance(d) = 20·d²·ε·10·53 (1.2e-8 at d = 100), with a
//    floor of 1e-12. This assumes the outer iteration itself does not
//    amplify a perturbation of w. Its gain grows like α·d (h sums d terms
//    that depend on w): with α = 0.5 it holds up to d = 100 (measured worst
//    relative errors: 2e-16 at d = 5, 2e-14 at d = 64, 2e-11 at d = 100), but
//    at d = 1030 the projected update with constant α is chaotic (measured:
//    1e-2; w jumps between faces of the simplex as near-tied h_j swap
//    order), where only bitwise equality could be asserted. So for d > 100
//    the cases scale α by 100/d (outer_scale), keeping α·d at its d = 100
//    value. Any algorithmic slip (a missed or extra step, a wrong noise draw
//    or index, a stale H_w, a wrong round boundary) moves results by ≥ 1e-4.
//  * float (kFloatTol): the replay in float against the reference in double.
//    The float arithmetic itself rounds each of the ≈ 2K + 5 operations of a
//    coordinate's step at ε_f = 6e-8 relative: ≤ 27·ε_f ≈ 1.6e-6 per step
//    for K ≤ 11, kept within ×1/(ημ) = ×17 by the contraction: ≲ 3e-5.
//    The float rounding of h reaches θ through w as in the double case; its
//    a priori bound (20·d²·ε_f per round) is far from sharp, and the whole
//    measured worst relative error over these cases is 4e-7. kFloatTol =
//    5e-5 covers the arithmetic bound with room; a slip still fails it.
//  * The diverging runs (η = 50) overflow to ±inf at the same step as the
//    reference; such entries must be equal (compare_with_reference treats
//    equal infinities as equal).
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <ostream>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "../kernels/block_exec.hpp"
#include "../kernels/quadratic_diagonal_body.hpp"
#include "kernel_replay_support.hpp"
#include "reference/reference.hpp"
#include "support.hpp"

namespace horizon {
namespace {

using cuda::DiagonalShape;

constexpr int kSMs = 132;  // an H100/H200: small batches get 32-thread blocks
constexpr double kEps = 2.220446049250313e-16 / 2;
constexpr double kFloatTol = 5e-5;

// The double tolerance for dimension d, and the factor on α past d = 100
// (the header's reasoning).
double tolerance(int d) { return std::max(1e-12, 20.0 * d * d * kEps * 10 * 53); }
double outer_scale(int d) { return d > 100 ? 100.0 / d : 1.0; }

// The body over a whole batch, in the solver's launch shape, all arrays on
// the host. Scalar: the kernel's precision.
template <class Scalar>
test::ReplayOutput replay_diagonal(const QuadraticProblem& p, const AlgorithmConfig& cfg,
                                   const std::vector<RunSpec>& specs, const std::vector<std::int64_t>& budgets,
                                   int multiprocessors = kSMs) {
  const int runs = static_cast<int>(specs.size()), C = static_cast<int>(budgets.size()), d = p.d, K = p.K;
  const DiagonalShape shape = cuda::diagonal_launch_shape(d, K, runs, multiprocessors);
  const cuda::DiagonalArrays arrays = cuda::diagonal_arrays(p);
  auto scalars = [](const std::vector<double>& v) { return std::vector<Scalar>(v.begin(), v.end()); };
  const std::vector<Scalar> a = scalars(arrays.a), c = scalars(arrays.c), av = scalars(arrays.av),
                            cv = scalars(arrays.cv), theta0 = scalars(arrays.theta0), w0 = scalars(p.w0);
  std::vector<std::int64_t> T(runs);
  std::vector<std::uint64_t> seed(runs);
  for (int r = 0; r < runs; ++r) {
    T[r] = specs[r].T;
    seed[r] = specs[r].seed;
  }
  const std::size_t slots = static_cast<std::size_t>(runs) * C;
  std::vector<Scalar> out_theta(slots * d), out_w(slots * K), state, weights;
  std::vector<int> reached(slots, 0);
  if (shape.kmax == 0) {
    state.assign(static_cast<std::size_t>(runs) * cuda::diagonal_state_scalars(d, K), Scalar(0));
    weights.assign(cuda::diagonal_weight_scalars(shape, K), Scalar(0));
  }
  cuda::DiagonalArgs<Scalar> A = cuda::diagonal_args<Scalar>(d, K, runs, budgets, cfg, shape);
  A.a = a.data();
  A.c = c.data();
  A.av = av.data();
  A.cv = cv.data();
  A.theta0 = theta0.data();
  A.w0 = w0.data();
  A.T = T.data();
  A.seed = seed.data();
  A.budgets = budgets.data();
  A.out_theta = out_theta.data();
  A.out_w = out_w.data();
  A.out_reached = reached.data();
  A.state = state.data();
  A.weights = weights.data();
  const std::size_t shared = cuda::diagonal_shared_layout<Scalar>(shape, d, K, cuda::diagonal_noisy(cfg)).bytes;
  cuda::with_diagonal_kmax(shape.kmax, [&](auto kmax) {
    constexpr int KMAX = decltype(kmax)::value;
    cuda::replay_grid<cuda::DiagonalState<Scalar, KMAX>>(
        shape.grid, shape.block, shared, [&](auto& blk) { cuda::diagonal_body<Scalar, KMAX>(blk, A); });
  });
  test::ReplayOutput out;
  out.runs = runs;
  out.checkpoints = C;
  out.d = d;
  out.K = K;
  out.theta.assign(out_theta.begin(), out_theta.end());
  out.w.assign(out_w.begin(), out_w.end());
  out.reached = reached;
  return out;
}

// ---------------------------------------------------------------- launch shapes

// The shapes the cases below replay (and the solver launches).
TEST(KernelReplay, DiagonalLaunchShapes) {
  struct Want {
    int d, K, runs, sms, kmax, group, block, runs_per_block, grid;
  };
  for (const Want& c : std::vector<Want>{
           {1, 1, 8, kSMs, 1, 1, 32, 32, 1},        // one thread per run
           {5, 3, 7, kSMs, 4, 4, 32, 8, 1},         // P = 4, a partial block
           {5, 2, 65, 1, 2, 4, 128, 32, 3},         // 128-thread blocks of 32 runs
           {33, 3, 65, 1, 4, 32, 128, 4, 17},       // a warp per run, 4 runs per block
           {64, 3, 33, 1, 4, 32, 128, 4, 9},        // the largest warp-sized group
           {64, 3, 33, kSMs, 4, 32, 32, 1, 33},     // few runs: 32-thread blocks
           {100, 2, 7, kSMs, 2, 64, 64, 1, 7},      // a block-spanning group
           {13, 5, 7, kSMs, 8, 8, 32, 4, 2},        // KMAX = 8
           {9, 11, 7, kSMs, 0, 8, 32, 4, 2},        // K > 8: global memory
           {1030, 2, 3, kSMs, 0, 256, 256, 1, 3},   // d > 512: several pairs per thread
           {601, 9, 2, kSMs, 0, 256, 256, 1, 2}}) {
    const DiagonalShape s = cuda::diagonal_launch_shape(c.d, c.K, c.runs, c.sms);
    EXPECT_EQ(s.kmax, c.kmax) << "d " << c.d << ", K " << c.K;
    EXPECT_EQ(s.group, c.group) << "d " << c.d << ", K " << c.K;
    EXPECT_EQ(s.block, c.block) << "d " << c.d << ", runs " << c.runs;
    EXPECT_EQ(s.runs_per_block, c.runs_per_block) << "d " << c.d << ", runs " << c.runs;
    EXPECT_EQ(s.grid, c.grid) << "d " << c.d << ", runs " << c.runs;
  }
  // d = 512, K = 8 in double with noise: 2·8·512 doubles of noise, past the
  // 48 KiB a block gets without opting in (launch_kernel opts in).
  const DiagonalShape big = cuda::diagonal_launch_shape(512, 8, 1, kSMs);
  EXPECT_EQ(big.kmax, 8);
  EXPECT_GT(cuda::diagonal_shared_layout<double>(big, 512, 8, true).bytes, std::size_t{48 * 1024});
  // Without noise: 8 doubles of scratch (64 bytes), 2 × 3 int flags, aligned to 16.
  EXPECT_EQ(cuda::diagonal_shared_layout<double>(big, 512, 8, false).bytes, std::size_t{96});
}

// ---------------------------------------------------------------- sizes × configs

struct SizeCase {
  const char* name;
  int d, K, runs, sms;
  bool same_T;  // all runs share T = 4 (the block's common clock), else T = 1 … 9 mixed (the flags)
};

void PrintTo(const SizeCase& c, std::ostream* os) { *os << c.name; }

class KernelReplayDiagonal : public ::testing::TestWithParam<SizeCase> {};

// Every config (both updates × three schedules × noise on/off) on the size's
// batch, checkpoints {1, 6, 6, 17, 40, 53}.
TEST_P(KernelReplayDiagonal, MatchesTheReference) {
  const SizeCase& sc = GetParam();
  const QuadraticProblem p = test::random_problem(sc.d, sc.K, true, 100 + 7 * sc.d + sc.K);
  std::vector<RunSpec> specs = test::replay_specs(sc.runs);
  if (sc.same_T)
    for (RunSpec& s : specs) s.T = 4;
  const double tol = tolerance(sc.d);
  for (test::ReplayConfig rc : test::replay_configs()) {
    rc.cfg.outer.alpha0 *= outer_scale(sc.d);
    const test::ReplayOutput out = replay_diagonal<double>(p, rc.cfg, specs, test::replay_budgets(), sc.sms);
    EXPECT_EQ(test::compare_with_reference(p, rc.cfg, specs, test::replay_budgets(), out, tol), "") << rc.name;
  }
}

INSTANTIATE_TEST_SUITE_P(
    KernelReplay, KernelReplayDiagonal,
    ::testing::Values(SizeCase{"d5_K3_runs7", 5, 3, 7, kSMs, false}, SizeCase{"d5_K1_runs33", 5, 1, 33, kSMs, false},
                      SizeCase{"d5_K2_runs65_tiles", 5, 2, 65, 1, false},
                      SizeCase{"d5_K2_runs65_tiles_same_T", 5, 2, 65, 1, true},
                      SizeCase{"d33_K3_runs65_tiles", 33, 3, 65, 1, false},
                      SizeCase{"d64_K3_runs33_tiles", 64, 3, 33, 1, false},
                      SizeCase{"d64_K3_runs33_same_T", 64, 3, 33, 1, true}, SizeCase{"d100_K2_runs7", 100, 2, 7, kSMs, false},
                      SizeCase{"d13_K5_runs7", 13, 5, 7, kSMs, false}, SizeCase{"d1_K2_runs1", 1, 2, 1, kSMs, false},
                      SizeCase{"d9_K11_global", 9, 11, 7, kSMs, false},
                      SizeCase{"d1030_K2_global_pairs", 1030, 2, 3, kSMs, false},
                      SizeCase{"d601_K9_global", 601, 9, 2, kSMs, false}),
    [](const ::testing::TestParamInfo<SizeCase>& info) { return std::string(info.param.name); });

// ---------------------------------------------------------------- the schedule

// What tests/cuda_parity_test.cpp's host replica of this kernel covered: the
// horizons T ∈ {1, 2, 3, 7, 10, 53, 54, 1000} (T = N, T > N, T ∤ N) as the
// runs of one batch, budgets with repeats and N = 1, both updates, the three
// schedules, noise on and off, and η = 50 (runs that diverge and leave
// checkpoints unreached). Bitwise for d ≤ 3 (see the header), within
// tolerance(d) for d = 5, 7, 9.
TEST(KernelReplay, DiagonalScheduleAndDivergence) {
  long checked = 0, unreached = 0;
  for (int d : {1, 2, 3, 5, 7, 9})
    for (int K : {1, 2, 3}) {
      const QuadraticProblem p = test::random_problem(d, K, true, 3 + d + 10 * K);
      const double tol = d <= 3 ? 0.0 : tolerance(d);
      for (double eta : {0.3, 50.0})
        for (UpdateKind update : {UpdateKind::exponentiated, UpdateKind::projected})
          for (int schedule = 0; schedule < 3; ++schedule)
            for (double sigma : {0.0, 0.1}) {
              AlgorithmConfig cfg = test::basic_config(eta, 0.5);
              cfg.update = update;
              cfg.noise_sigma = sigma;
              if (schedule >= 1) {
                cfg.inner.kind = InnerScheduleKind::inverse_time;
                cfg.inner.gamma = 0.05;
                cfg.inner.restart = schedule == 1;
                cfg.outer.kind = OuterScheduleKind::inv_sqrt;
              }
              std::vector<RunSpec> specs;
              for (std::int64_t T : {1, 2, 3, 7, 10, 53, 54, 1000}) specs.push_back({T, 42 + static_cast<std::uint64_t>(T)});
              for (const std::vector<std::int64_t>& budgets :
                   {std::vector<std::int64_t>{1, 6, 17, 40, 53}, {3, 3, 8, 9, 9, 200}, {10}, {7, 14, 21}}) {
                const test::ReplayOutput out = replay_diagonal<double>(p, cfg, specs, budgets);
                ASSERT_EQ(test::compare_with_reference(p, cfg, specs, budgets, out, tol), "")
                    << "d " << d << ", K " << K << ", eta " << eta << ", " << to_string(update) << ", schedule "
                    << schedule << ", sigma " << sigma << ", budgets ending " << budgets.back();
                for (int r : out.reached) {
                  ++checked;
                  unreached += r == 0;
                }
              }
            }
    }
  EXPECT_GT(unreached, 0) << "the diverging runs should leave checkpoints unreached";
  EXPECT_GT(checked, 2 * unreached);
}

// Bitwise for any d where h cannot reach θ: no round ends (T > N_max = 53),
// or K = 1 with the exponentiated update (w stays 1). Covers the block-
// spanning groups and the global-memory variant bit for bit.
TEST(KernelReplay, DiagonalBitwiseWhereHCannotReachTheta) {
  const std::vector<std::int64_t>& budgets = test::replay_budgets();
  for (auto [d, K] : {std::pair<int, int>{5, 3}, {33, 2}, {64, 3}, {100, 4}, {100, 1}, {9, 11}, {1030, 1}, {601, 9}}) {
    const QuadraticProblem p = test::random_problem(d, K, true, 500 + d + K);
    for (const test::ReplayConfig& rc : test::replay_configs()) {
      if (K == 1 && rc.cfg.update != UpdateKind::exponentiated) continue;
      std::vector<RunSpec> specs = test::replay_specs(K == 1 ? 5 : 3);
      if (K > 1)
        for (std::size_t r = 0; r < specs.size(); ++r) specs[r].T = 54 + 100 * static_cast<std::int64_t>(r);
      const test::ReplayOutput out = replay_diagonal<double>(p, rc.cfg, specs, budgets);
      EXPECT_EQ(test::compare_with_reference(p, rc.cfg, specs, budgets, out, 0.0), "")
          << "d " << d << ", K " << K << ", " << rc.name;
    }
  }
}

// Larger diverging batches: P = 16 threads per run (two runs per block), η
// far above 2/L: the runs must stop in the same round as the reference. In
// the second batch every run diverges, so whole blocks leave early (after
// the barrier that finds no live run). The blow-up would amplify the
// rounding of h like the values themselves (relative error preserved: the
// CUDA parity suite's 1e-8), but the exponentiated update snaps w to a
// vertex exactly (e^{−α·Δh} underflows to 0 for the huge h), so the reached
// checkpoints measure bitwise equal here.
TEST(KernelReplay, DiagonalDivergingRunsStopInTheSameRound) {
  const QuadraticProblem p = test::random_problem(33, 3, true, 4);
  const std::vector<std::int64_t> budgets = {1, 2, 10, 100, 400};
  for (double sigma : {0.0, 0.1})
    for (const std::vector<RunSpec>& specs :
         {std::vector<RunSpec>{{1, 1}, {3, 2}, {8, 3}, {40, 4}, {1000, 5}},
          std::vector<RunSpec>{{1, 1}, {2, 2}, {3, 3}, {3, 4}, {2, 5}, {2, 6}, {4, 7}}}) {
      AlgorithmConfig cfg = test::basic_config(50.0, 0.5);
      cfg.noise_sigma = sigma;
      const test::ReplayOutput out = replay_diagonal<double>(p, cfg, specs, budgets);
      int unreached = 0;
      for (int r : out.reached) unreached += r == 0;
      EXPECT_GT(unreached, 0) << "the planted divergence did not happen";
      EXPECT_EQ(test::compare_with_reference(p, cfg, specs, budgets, out, 1e-8), "")
          << specs.size() << " runs, sigma " << sigma;
    }
}

// ---------------------------------------------------------------- single precision

// Scalar = float (the noise still drawn in double, rounded once), against the
// double reference within kFloatTol (see the header).
TEST(KernelReplay, DiagonalSinglePrecision) {
  for (auto [d, K, runs] : {std::tuple<int, int, int>{13, 3, 7}, {33, 2, 9}, {9, 11, 3}}) {
    const QuadraticProblem p = test::random_problem(d, K, true, 14 + d);
    for (const test::ReplayConfig& rc : test::replay_configs()) {
      const std::vector<RunSpec> specs = test::replay_specs(runs);
      const std::vector<std::int64_t> budgets = {1, 7, 24, 40};
      const test::ReplayOutput out = replay_diagonal<float>(p, rc.cfg, specs, budgets);
      EXPECT_EQ(test::compare_with_reference(p, rc.cfg, specs, budgets, out, kFloatTol), "")
          << "d " << d << ", K " << K << ", " << rc.name;
    }
  }
}

}  // namespace
}  // namespace horizon
