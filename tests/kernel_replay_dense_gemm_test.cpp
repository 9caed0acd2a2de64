// KernelReplay suites for the dense GEMM path: the driver loop
// (kernels/quadratic_dense_gemm_driver.hpp) with its kernel bodies
// (kernels/quadratic_dense_gemm_body.hpp) replayed on the CPU — the same
// step loop, GEMM skipping and launch shapes as the device — against the CPU
// reference (reference::run_quadratic), whole trajectories. Needs no CUDA.
//
// Tolerances, |replay − reference| ≤ tol·(1 + |reference|):
//  * double, kDoubleTol = 1e-11. The replay's GEMMs keep the reference's
//    l-ascending order from +0 and the noise is the same double σξ, so Ĝ,
//    ∇f_v and the inner step are the reference's bit for bit; θ inside a
//    round never depends on S. Two sums differ by association only:
//    H_w S = Σ_j w_j (A_j S) against (Σ_j w_j A_j) S, and h, a tree over
//    the block's threads against the sequential sum. Each is ≤ (K + d)·ε ≈
//    2e-14 relative per entry here (d ≤ 180, ε = 1.1e-16). S's recursion is
//    a contraction (η = 0.3 < 2/L, |1 − ηλ| ≤ 0.94), so S's error stays
//    ≤ 17× that, ≈ 4e-13; h inherits it, the weight updates are Lipschitz
//    in h with constant ≤ α = 0.5, and θ then moves with w through the same
//    contraction: ≲ 1e-12 after the ≤ 53 rounds here (measured worst:
//    8.4e-15). 1e-11 leaves a factor ≥ 10 over the bound; a slip (missed
//    noise, stale w or Z, wrong step size, a skipped round end) moves
//    results by ≥ 1e-4.
//  * float vs the double reference, kFloatTol = 1e-4: every operation
//    rounds to ε_f = 6e-8, ≤ d·ε_f ≈ 6e-6 relative per step at d = 100,
//    ×17 through the contraction ≈ 1e-4 as a worst case (errors of random
//    sign grow like √d, not d: measured worst 1.1e-6). The parity suite's
//    2e-3 also covers the GPU's FMA, exp and cuBLAS orders, which the
//    replay does not have.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <string>
#include <tuple>
#include <vector>

#include "kernel_replay_support.hpp"
#include "kernels/quadratic_dense_gemm_body.hpp"
#include "kernels/quadratic_dense_gemm_driver.hpp"
#include "reference/reference.hpp"
#include "support.hpp"

namespace horizon {
namespace {

constexpr double kDoubleTol = 1e-11;
constexpr double kFloatTol = 1e-4;

template <class Scalar>
test::ReplayOutput replay(const QuadraticProblem& p, const AlgorithmConfig& cfg, const std::vector<RunSpec>& specs,
                          const std::vector<std::int64_t>& budgets) {
  const auto raw = cuda::replay_dense_gemm<Scalar>(p, cfg, budgets, specs.data(), static_cast<int>(specs.size()));
  test::ReplayOutput out;
  out.runs = static_cast<int>(specs.size());
  out.checkpoints = static_cast<int>(budgets.size());
  out.d = p.d;
  out.K = p.K;
  out.theta.assign(raw.theta.begin(), raw.theta.end());
  out.w.assign(raw.w.begin(), raw.w.end());
  out.reached = raw.reached;
  return out;
}

test::ReplayConfig config_named(const std::string& name) {
  for (const test::ReplayConfig& c : test::replay_configs())
    if (c.name == name) return c;
  ADD_FAILURE() << "no replay config " << name;
  return {};
}

// ---------------------------------------------------------------- every config

// All 12 configs (both updates × three schedules × noise on/off) on a small
// problem; 33 runs take T = 1 … 9 three times over (T ∤ N for most of the
// budgets 1, 6, 6, 17, 40, 53).
TEST(KernelReplay, DenseGemmEveryConfigMatchesTheReference) {
  const QuadraticProblem p = test::random_problem(5, 3, false, 41);
  const std::vector<RunSpec> specs = test::replay_specs(33);
  for (const test::ReplayConfig& c : test::replay_configs())
    EXPECT_EQ(test::compare_with_reference(p, c.cfg, specs, test::replay_budgets(),
                                           replay<double>(p, c.cfg, specs, test::replay_budgets()), kDoubleTol),
              "")
        << c.name;
}

// ---------------------------------------------------------------- sizes

// (d, K, runs). The coordinate kernels' blocks: d = 5 one warp; 33, 64 two
// warps (the round end's group_sum crosses warps); 100 four; 180 six. d = 100
// and 180 (K = 2) lie above the dense fused path's shared-memory limit
// ((K + 1)·d² + 5dK + 2d + 3K doubles ≤ 227 KiB on sm_90: d ≤ 96 for K = 2),
// where the backend takes this path by itself. runs 1, 7, 9, 65 (33: above).
using SizeCase = std::tuple<int, int, int>;
class KernelReplayDenseGemm : public ::testing::TestWithParam<SizeCase> {};

TEST_P(KernelReplayDenseGemm, MatchesTheReference) {
  const auto [d, K, runs] = GetParam();
  const QuadraticProblem p = test::random_problem(d, K, false, 500 + 7 * d + K);
  const std::vector<RunSpec> specs = test::replay_specs(runs, 3 + d);
  for (const char* name : {"exponentiated_inverse_time_inv_sqrt_noisy", "projected_constant_noisy",
                           "projected_inverse_time_no_restart_exact"}) {
    const test::ReplayConfig c = config_named(name);
    EXPECT_EQ(test::compare_with_reference(p, c.cfg, specs, test::replay_budgets(),
                                           replay<double>(p, c.cfg, specs, test::replay_budgets()), kDoubleTol),
              "")
        << name;
  }
}

INSTANTIATE_TEST_SUITE_P(KernelReplay, KernelReplayDenseGemm,
                         ::testing::Values(SizeCase{5, 1, 1}, SizeCase{5, 2, 65}, SizeCase{33, 5, 7},
                                           SizeCase{64, 3, 9}, SizeCase{100, 2, 7}, SizeCase{180, 2, 3}),
                         [](const ::testing::TestParamInfo<SizeCase>& info) {
                           return "d" + std::to_string(std::get<0>(info.param)) + "_K" +
                                  std::to_string(std::get<1>(info.param)) + "_runs" +
                                  std::to_string(std::get<2>(info.param));
                         });

// Horizons at and beyond the largest budget (no weight update at all: the
// driver skips the Z GEMM and the round ends from some step on, or
// throughout), N = T, and a budget list with one entry.
TEST(KernelReplay, DenseGemmHorizonsAtAndBeyondTheBudget) {
  const QuadraticProblem p = test::random_problem(9, 2, false, 21);
  const test::ReplayConfig c = config_named("exponentiated_constant_noisy");
  for (const std::vector<RunSpec>& specs :
       {std::vector<RunSpec>{{1, 1}, {10, 2}, {20, 3}, {21, 4}, {500, 5}}, std::vector<RunSpec>{{22, 6}, {500, 7}}})
    for (const std::vector<std::int64_t>& budgets : {std::vector<std::int64_t>{1, 10, 20, 21}, {21}})
      EXPECT_EQ(test::compare_with_reference(p, c.cfg, specs, budgets, replay<double>(p, c.cfg, specs, budgets),
                                             kDoubleTol),
                "")
          << specs.size() << " runs, " << budgets.size() << " budgets";
}

// Runs listed with the larger horizons first and no T = 1, so the driver's
// schedule (which GEMMs and round-end kernels some run needs at step n)
// matters: for N_max = 60 the last step in a round is 55 (T = 7), after
// which the Z GEMM is skipped, and round ends fall on few steps. A driver
// that skipped a needed GEMM or round end (or read only some runs' T)
// would leave stale values behind.
TEST(KernelReplay, DenseGemmSkipsOnlyTheUnneededGemms) {
  const QuadraticProblem p = test::random_problem(7, 3, false, 23);
  const std::vector<RunSpec> specs = {{100, 1}, {53, 2}, {25, 3}, {9, 4}, {7, 5}};
  const std::vector<std::int64_t> budgets = {5, 25, 53, 56, 60};
  for (const char* name : {"exponentiated_constant_noisy", "projected_inverse_time_no_restart_exact"}) {
    const test::ReplayConfig c = config_named(name);
    EXPECT_EQ(test::compare_with_reference(p, c.cfg, specs, budgets, replay<double>(p, c.cfg, specs, budgets),
                                           kDoubleTol),
              "")
        << name;
  }
}

// ---------------------------------------------------------------- divergence

// η = 50, far beyond 2/L: runs blow up. The replay must flag each run no
// later than the reference (the header of quadratic_dense_gemm_body.hpp:
// only rounding at the overflow threshold could flag it earlier) and agree
// before. The values before the blow-up are huge and the unstable iteration
// amplifies the re-association's rounding with them: 1e-8, as the parity
// suite's divergence test (measured worst 1e-14).
// Equal (infinities, NaN with NaN: θ may overflow in the leftover steps,
// which no round end checks, on both sides), or within tol relatively.
bool near(double x, double ref, double tol) {
  if (x == ref || (std::isnan(x) && std::isnan(ref))) return true;
  return std::fabs(x - ref) <= tol * (1 + std::fabs(ref));
}

TEST(KernelReplay, DenseGemmDivergingRunsFlaggedNoLater) {
  long diverged = 0, earlier = 0, compared = 0;
  for (auto [d, K] : {std::pair<int, int>{11, 3}, {40, 2}}) {
    const QuadraticProblem p = test::random_problem(d, K, false, 4 + d);
    for (UpdateKind update : {UpdateKind::exponentiated, UpdateKind::projected}) {
      AlgorithmConfig cfg = test::basic_config(50.0, 0.5);
      cfg.update = update;
      cfg.noise_sigma = 0.1;
      const std::vector<RunSpec> specs = {{1, 1}, {2, 2}, {3, 3}, {8, 4}, {40, 5}, {1000, 6}};
      const std::vector<std::int64_t> budgets = {1, 2, 3, 10, 100, 400};
      const test::ReplayOutput out = replay<double>(p, cfg, specs, budgets);
      const int C = static_cast<int>(budgets.size());
      for (std::size_t r = 0; r < specs.size(); ++r) {
        const RunResult ref = reference::run_quadratic(p, cfg, specs[r], budgets);
        int first_ref = C, first_rep = C;
        for (int c = C - 1; c >= 0; --c) {
          if (ref.checkpoints[c].diverged) first_ref = c;
          if (!out.reached[r * C + c]) first_rep = c;
        }
        SCOPED_TRACE("d " + std::to_string(d) + ", " + to_string(update) + ", T " + std::to_string(specs[r].T));
        ASSERT_LE(first_rep, first_ref) << "the replay flags a run later than the reference";
        diverged += first_ref < C;
        earlier += first_rep < first_ref;
        for (int c = 0; c < first_rep; ++c) {
          const Checkpoint& x = ref.checkpoints[c];
          const std::size_t slot = r * C + c;
          for (int i = 0; i < d; ++i)
            EXPECT_TRUE(near(out.theta[slot * d + i], x.theta[i], 1e-8))
                << "N " << budgets[c] << ", theta[" << i << "]: " << out.theta[slot * d + i] << " vs " << x.theta[i];
          for (int j = 0; j < K; ++j)
            EXPECT_TRUE(near(out.w[slot * K + j], x.w[j], 1e-8))
                << "N " << budgets[c] << ", w[" << j << "]: " << out.w[slot * K + j] << " vs " << x.w[j];
          ++compared;
        }
      }
    }
  }
  EXPECT_GT(diverged, 8) << "the planted divergence did not happen";
  EXPECT_GT(compared, diverged) << "too few checkpoints before the blow-ups";
  // Not required by the algorithm, but what these cases do: no run is
  // flagged earlier (rounding at the overflow threshold never decided it).
  EXPECT_EQ(earlier, 0);
}

// ---------------------------------------------------------------- overflow of A_j S alone

// d = 2, K = 2: w = (1, w2), domain 2 has A_2 = diag(1e-3, 100) and a centre
// at −1.5e304, so S[:, 1] (∂θ/∂w_2) grows by η·1.5e306 per step and, from
// the fourth step of a round on, A_2 S overflows to −inf while H_w S (H_w ≈
// A_1 = diag(1, 1e-3)) stays ≈ 1e303. θ, ∇f_v and h stay finite: the
// reference never flags the run.
QuadraticProblem overflow_problem(double w2) {
  QuadraticProblem p;
  p.d = 2;
  p.K = 2;
  p.names = {"a", "b"};
  p.domains = {{{1, 0, 0, 1e-3}, {0, 0}}, {{1e-3, 0, 0, 100}, {5, -1.5e304}}};
  p.validation = {{1, 0, 0, 1e-3}, {0, 0}};
  p.theta0 = {0.5, 0};
  p.w0 = {1, w2};
  return p;
}

// w2 = 0: the masked term (the unmasked one would be 0·(−inf) = NaN);
// w2 = 1e-310 > 0 (round 0 only: the update sends it to 0): the fallback
// to the reference's association (w2·(−inf) = −inf unrepaired).
TEST(KernelReplay, DenseGemmOverflowOfOneDomainAloneIsNotDivergence) {
  for (double w2 : {0.0, 1e-310})
    for (UpdateKind update : {UpdateKind::exponentiated, UpdateKind::projected}) {
      const QuadraticProblem p = overflow_problem(w2);
      AlgorithmConfig cfg = test::basic_config(0.5, 0.5);
      cfg.update = update;
      const std::vector<RunSpec> specs = {{4, 1}, {5, 2}, {8, 3}, {13, 4}};
      const std::vector<std::int64_t> budgets = {3, 4, 8, 21, 40};
      SCOPED_TRACE("w2 " + std::to_string(w2) + ", " + to_string(update));
      // The premise, on the reference's own S after T − 1 steps of round 0.
      for (const RunSpec& spec : specs) {
        const reference::RoundProbe probe =
            reference::probe_dense_round(p, cfg, {spec.T - 1, spec.seed}, p.theta0, p.w0, 0);
        const double a2s = p.domains[1].A[2] * probe.S[0 * 2 + 1] + p.domains[1].A[3] * probe.S[1 * 2 + 1];
        ASSERT_TRUE(std::isinf(a2s)) << "A_2 S should overflow, T " << spec.T << ": " << a2s;
        ASSERT_TRUE(std::isfinite(probe.S[3])) << "S itself stays finite";
        if (w2 == 0) {
          EXPECT_TRUE(std::isnan(w2 * a2s));
        }
      }
      for (const RunSpec& spec : specs)
        for (const Checkpoint& c : reference::run_quadratic(p, cfg, spec, budgets).checkpoints)
          ASSERT_FALSE(c.diverged) << "the reference keeps the run, T " << spec.T;
      EXPECT_EQ(test::compare_with_reference(p, cfg, specs, budgets, replay<double>(p, cfg, specs, budgets),
                                             kDoubleTol),
                "");
    }
}

// ---------------------------------------------------------------- gemm_hs, entry by entry

struct HsCase {
  int d = 2, K = 3;
  std::vector<double> A, S, Z, w;
  cuda::GemmArgs<double> args() {
    cuda::GemmArgs<double> a;
    a.d = d;
    a.K = K;
    a.runs = 1;
    a.A = A.data();
    a.S = S.data();
    a.Z = Z.data();
    return a;
  }
};

std::uint64_t bits(double x) {
  std::uint64_t b;
  std::memcpy(&b, &x, sizeof b);
  return b;
}

// Masking w_j = 0 terms changes no bit (signs of zeros included) against the
// plain Σ_j w_j Z_j from +0, on finite data with ±0, subnormals and signs.
TEST(KernelReplay, DenseGemmMaskedZeroWeightsChangeNoBit) {
  const double values[] = {0.0, -0.0, 1.5, -2.25, 4.9e-324, -4.9e-324, 1e-300, -3e300, 7.0};
  HsCase c;
  c.d = 1;
  c.K = 3;
  c.A.assign(3, 1.0);
  c.S.assign(3, 1.0);
  const double weights[] = {0.0, -0.0, 0.5, 1.0, 4.9e-324};
  long checked = 0;
  for (double w0 : weights)
    for (double w1 : weights)
      for (double w2 : weights)
        for (double z0 : values)
          for (double z1 : values)
            for (double z2 : values) {
              c.w = {w0, w1, w2};
              c.Z.assign(9, 0.0);  // K·d·runs·K entries; Z_j of run 0, column 0, entry 0 at z(j, 0, 0, 0)
              c.Z[c.args().z(0, 0, 0, 0)] = z0;
              c.Z[c.args().z(1, 0, 0, 0)] = z1;
              c.Z[c.args().z(2, 0, 0, 0)] = z2;
              double plain = 0;
              for (double wz : {w0 * z0, w1 * z1, w2 * z2}) plain += wz;
              if (!std::isfinite(plain)) continue;  // overflow: the fallback's case
              const double hs = cuda::gemm_hs(c.args(), c.w.data(), 0, 0, 0);
              ASSERT_EQ(bits(hs), bits(plain)) << "w (" << w0 << ", " << w1 << ", " << w2 << "), Z (" << z0 << ", "
                                               << z1 << ", " << z2 << ")";
              ++checked;
            }
  EXPECT_GT(checked, 50000);
}

// A zero weight hides an overflowed A_j S (the masked sum is finite: no
// fallback), and a non-finite sum falls back to the reference's
// Σ_l H_w(i,l) S_l, bit for bit.
TEST(KernelReplay, DenseGemmHsMasksAndFallsBack) {
  HsCase c;  // d = 2, K = 3, runs = 1; column jj = 0 of S and Z
  c.A = {1, 2, 3, 4, /* A_1 */ 5, 6, 7, 8, /* A_2 */ -1, 0.5, 0.25, 2};
  c.S.assign(static_cast<std::size_t>(c.K) * c.d, 0.0);
  c.S[0] = 3;  // S_r[:, 0] = (3, −1)
  c.S[1] = -1;
  c.Z.assign(static_cast<std::size_t>(c.K) * c.d * c.K, 0.0);
  auto z = [&](int j, int i) -> double& { return c.Z[c.args().z(j, 0, 0, i)]; };
  // Masked: w = (1, 0, 0.5), Z_1 = +inf; Z_0, Z_2 arbitrary finite (not A_j S).
  c.w = {1, 0, 0.5};
  z(0, 1) = 2.5;
  z(1, 1) = std::numeric_limits<double>::infinity();
  z(2, 1) = -4;
  EXPECT_EQ(cuda::gemm_hs(c.args(), c.w.data(), 0, 0, 1), 1 * 2.5 + 0.5 * -4);
  // Fallback: w = (0.25, 0.25, 0.5), Z_0 = +inf, Z_1 = −inf (NaN unrepaired).
  c.w = {0.25, 0.25, 0.5};
  z(0, 1) = std::numeric_limits<double>::infinity();
  z(1, 1) = -std::numeric_limits<double>::infinity();
  double want = 0;  // the reference: H = Σ_j w_j A_j entry by entry, then Σ_l H(1, l) S_l
  for (int l = 0; l < 2; ++l) {
    double H = 0;
    for (int j = 0; j < 3; ++j) H += c.w[j] * c.A[j * 4 + 1 * 2 + l];
    want += H * c.S[l];
  }
  EXPECT_EQ(bits(cuda::gemm_hs(c.args(), c.w.data(), 0, 0, 1)), bits(want)) << want;
}

// ---------------------------------------------------------------- float

TEST(KernelReplay, DenseGemmFloatWithinTolerance) {
  for (auto [d, K] : {std::pair<int, int>{33, 3}, {100, 2}}) {
    const QuadraticProblem p = test::random_problem(d, K, false, 14 + d);
    const std::vector<RunSpec> specs = test::replay_specs(9);
    for (const char* name : {"exponentiated_inverse_time_inv_sqrt_noisy", "projected_constant_exact"}) {
      const test::ReplayConfig c = config_named(name);
      EXPECT_EQ(test::compare_with_reference(p, c.cfg, specs, test::replay_budgets(),
                                             replay<float>(p, c.cfg, specs, test::replay_budgets()), kFloatTol),
                "")
          << "d " << d << ", " << name;
    }
  }
}

}  // namespace
}  // namespace horizon
