// KernelReplay suites of the dense-fused kernel: kernels/quadratic_dense_fused_body.hpp
// replayed on the CPU (kernels/block_exec.hpp's HostBlock, in the launch
// shape the solver would pick on an sm_90 device), against the CPU reference
// (host/reference/quadratic_dense.cpp) over whole trajectories. Needs no CUDA.
//
// What is bitwise and what is not. The body forms Ĝ, H_w, H_w S, S and θ in
// the reference's order (ordered_dot, weighted_entry, mixed_gradient, …) and
// the replay runs without FMA (-ffp-contract=off), so all of these agree bit
// for bit as long as w does. The one sum in another order is h = Sᵀ∇f_v: lane
// λ of a warp sums the terms i ≡ λ (mod 32) in order, then an xor butterfly
// adds the 32 partials. Hence:
//  * T > N_max: no round ends, w = w0 throughout, θ does not depend on h:
//    bitwise for every d (DenseFusedBitwise.NoRoundEnd).
//  * d ≤ 3: lane λ < d holds 0 + t_λ, the others +0; the butterfly forms
//    (t0 + t1) + (t2 + 0) + 0 + … — and x + (+0) = x for every x that is not
//    −0, while 0 + t and a sum of two such values are never −0 — which is the
//    reference's ((0 + t0) + t1) + t2: bitwise, whole trajectories with round
//    ends (DenseFusedBitwise.SmallD). From d = 4 on, (t0 + t1) + (t2 + t3)
//    differs from the reference's order, and w only agrees to rounding.
//  * otherwise, double: tolerance kDoubleTol, see there; float: kFloatTol.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "../kernels/quadratic_dense_fused_body.hpp"
#include "kernel_replay_support.hpp"
#include "reference/reference.hpp"
#include "support.hpp"

namespace horizon {
namespace {

// sharedMemPerBlockOptin of sm_90 (H100/H200), the budget the solver gets
// there (the kernel has no static shared memory).
constexpr std::size_t kSm90SharedBudget = 227 * 1024;

// Double, rounding only (h's order above). A tree sum of d terms differs from
// the sequential one by ≤ (log2 32 + d/32)·ε·Σ|S_ij ∇f_v,i| ≈ 10·ε·|h|-scale
// (ε = 1.1e-16, d ≤ 100); the weight updates are Lipschitz in h with
// constant ≤ α = 0.5, and θ responds to a change of w through η Ĝ w, with the
// inner step a contraction (η = 0.3, λ ∈ [0.2, 1]: |1 − ηλ| ≤ 0.94) that
// damps it by 1/(1 − 0.94) ≈ 17. Over the ≤ 53 rounds of these budgets the
// perturbations add up to ≲ 53 · 17 · 10 ε ≈ 1e-12 in the worst case;
// measured: ≤ 4e-16 relative (1e-15 on the diverging runs before they
// overflow). 1e-11 stays above the worst case, and an algorithmic slip (a
// missed step, a wrong draw, a stale H_w, S from the wrong buffer) moves
// results by ≥ 1e-4; slips of rounding size are the bitwise tests' job.
constexpr double kDoubleTol = 1e-11;
// Float replay vs the double reference: every operation rounds at
// ε_f = 6e-8. Rounding errors of random sign grow like √d per dot product
// (√100 · ε_f ≈ 6e-7 at most here), damped by the contraction (≤ 17×) and
// not accumulating over the rounds beyond that: ≲ 1e-5; the strict worst
// case d·ε_f·17 ≈ 1e-4 assumes every rounding has the same sign. Measured:
// ≤ 2.2e-7 relative. 1e-4 is ≥ 400× the measured error; a slip in the float
// path (η or σξ rounded at the wrong place is harmless, a wrong draw, buffer
// or step is not) moves results by ≥ 1e-2.
constexpr double kFloatTol = 1e-4;

// The body's inputs in the layout DenseArgs documents (what the solver
// uploads from kernels/quadratic_dense_host.hpp's DenseHostProblem).
template <class Scalar>
struct DenseInputs {
  std::vector<Scalar> At, c, Avt, cv, theta0, w0;
  explicit DenseInputs(const QuadraticProblem& p) {
    const std::size_t d = p.d, dd = d * d;
    At.resize(p.K * dd);
    c.resize(p.K * d);
    for (int j = 0; j < p.K; ++j) {
      for (std::size_t i = 0; i < d; ++i) {
        for (std::size_t l = 0; l < d; ++l) At[j * dd + l * d + i] = static_cast<Scalar>(p.domains[j].A[i * d + l]);
        c[j * d + i] = static_cast<Scalar>(p.domains[j].c[i]);
      }
    }
    Avt.resize(dd);
    for (std::size_t i = 0; i < d; ++i)
      for (std::size_t l = 0; l < d; ++l) Avt[l * d + i] = static_cast<Scalar>(p.validation.A[i * d + l]);
    cv.assign(p.validation.c.begin(), p.validation.c.end());
    theta0.assign(p.theta0.begin(), p.theta0.end());
    w0.assign(p.w0.begin(), p.w0.end());
  }
};

// Replays one batch as the solver launches it on a device with
// `multiprocessors` SMs and kSm90SharedBudget bytes per block.
template <class Scalar>
test::ReplayOutput replay_dense_fused(const QuadraticProblem& p, const AlgorithmConfig& cfg,
                                      const std::vector<RunSpec>& specs, const std::vector<std::int64_t>& budgets,
                                      int multiprocessors, cuda::DenseLaunchShape* shape_out = nullptr) {
  const int runs = static_cast<int>(specs.size()), C = static_cast<int>(budgets.size());
  const cuda::DenseLaunchShape shape =
      cuda::dense_fused_launch_shape<Scalar>(p.d, p.K, runs, multiprocessors, kSm90SharedBudget);
  if (shape_out) *shape_out = shape;
  test::ReplayOutput out;
  if (!shape.fits) return out;  // shape 0×0: compare_with_reference reports it
  const DenseInputs<Scalar> in(p);
  std::vector<std::int64_t> T(runs);
  std::vector<std::uint64_t> seed(runs);
  for (int r = 0; r < runs; ++r) {
    T[r] = specs[r].T;
    seed[r] = specs[r].seed;
  }
  const std::size_t slots = static_cast<std::size_t>(runs) * C;
  std::vector<Scalar> theta(slots * p.d), w(slots * p.K);
  out.reached.assign(slots, 0);

  cuda::DenseArgs<Scalar> A;
  A.L = shape.layout;
  A.d = p.d;
  A.K = p.K;
  A.C = C;
  A.runs = runs;
  A.n_max = budgets.back();
  A.At = in.At.data();
  A.c = in.c.data();
  A.Avt = in.Avt.data();
  A.cv = in.cv.data();
  A.theta0 = in.theta0.data();
  A.w0 = in.w0.data();
  A.T = T.data();
  A.seed = seed.data();
  A.budgets = budgets.data();
  A.cfg = cfg;
  A.out_theta = theta.data();
  A.out_w = w.data();
  A.out_reached = out.reached.data();
  cuda::replay_grid<cuda::DenseFusedState<Scalar>>(shape.grid, shape.threads, shape.shared_bytes,
                                                   [&](auto& blk) { cuda::dense_fused_body<Scalar>(blk, A); });
  out.runs = runs;
  out.checkpoints = C;
  out.d = p.d;
  out.K = p.K;
  out.theta.assign(theta.begin(), theta.end());
  out.w.assign(w.begin(), w.end());
  return out;
}

template <class Scalar>
std::string replay_and_compare(const QuadraticProblem& p, const AlgorithmConfig& cfg,
                               const std::vector<RunSpec>& specs, const std::vector<std::int64_t>& budgets,
                               int multiprocessors, double tol) {
  const test::ReplayOutput out = replay_dense_fused<Scalar>(p, cfg, specs, budgets, multiprocessors);
  return test::compare_with_reference(p, cfg, specs, budgets, out, tol);
}

// Runs whose horizon exceeds every budget: no round ends.
std::vector<RunSpec> long_horizon_specs(int runs) {
  std::vector<RunSpec> specs = test::replay_specs(runs);
  for (RunSpec& s : specs) s.T += test::replay_budgets().back();
  return specs;
}

// The largest d whose K-domain problem fits one run per block.
template <class Scalar>
int largest_fitting_d(int K) {
  int d = 1;
  while (cuda::dense_fused_launch_shape<Scalar>(d + 1, K, 1, 1, kSm90SharedBudget).fits) ++d;
  return d;
}

// ---- launch shape: the rule the solver and dense_fused_fits use

TEST(KernelReplayDenseFusedShape, RunsPerBlockThreadsAndFit) {
  using cuda::dense_fused_launch_shape;
  // d = 5, K = 3: 65 runs on one SM → 32 runs per block, 3 blocks (last one 1 run).
  cuda::DenseLaunchShape s = dense_fused_launch_shape<double>(5, 3, 65, 1, kSm90SharedBudget);
  EXPECT_TRUE(s.fits);
  EXPECT_EQ(s.layout.R, 32);
  EXPECT_EQ(s.grid, 3);
  EXPECT_EQ(s.threads, 480);  // 32·3·5 outputs, whole warps
  // Spread over the SMs first: 65 runs on 132 SMs → one run per block.
  s = dense_fused_launch_shape<double>(5, 3, 65, 132, kSm90SharedBudget);
  EXPECT_EQ(s.layout.R, 1);
  EXPECT_EQ(s.grid, 65);
  EXPECT_EQ(s.threads, 32);
  // d = 64, K = 3 (double): 3 A_j (96 KiB) + 3 run tiles of 40.6 KiB.
  s = dense_fused_launch_shape<double>(64, 3, 65, 1, kSm90SharedBudget);
  EXPECT_TRUE(s.fits);
  EXPECT_EQ(s.layout.R, 3);
  EXPECT_EQ(s.threads, 576);
  EXPECT_LE(s.shared_bytes, kSm90SharedBudget);
  EXPECT_GT(cuda::dense_layout_bytes<double>(cuda::make_dense_layout(64, 3, 4)), kSm90SharedBudget);
  // Threads are capped; the body then loops.
  s = dense_fused_launch_shape<float>(33, 5, 65, 1, kSm90SharedBudget);
  EXPECT_TRUE(s.fits);
  EXPECT_EQ(s.threads, cuda::kDenseFusedMaxThreads);
  // d = 100: K = 3 belongs to the GEMM path in double (4d² + 17d + 9 scalars
  // = 327 KiB), fits in float; K = 1 fits in double.
  EXPECT_FALSE((dense_fused_launch_shape<double>(100, 3, 1, 1, kSm90SharedBudget).fits));
  EXPECT_TRUE((dense_fused_launch_shape<float>(100, 3, 1, 1, kSm90SharedBudget).fits));
  EXPECT_TRUE((dense_fused_launch_shape<double>(100, 1, 1, 1, kSm90SharedBudget).fits));
  EXPECT_EQ(largest_fitting_d<double>(3), 83);
}

// ---- bitwise where the body keeps the reference's order

TEST(KernelReplayDenseFusedBitwise, NoRoundEnd) {
  // T > N_max: θ only sees Ĝ w0 — bitwise for every d, all 12 configs at
  // d = 5 (runs in tiles of 7 and 1), noise on/off for the larger d.
  const QuadraticProblem p5 = test::random_problem(5, 3, false, 301);
  for (const test::ReplayConfig& c : test::replay_configs())
    for (int sms : {1, 132})
      EXPECT_EQ(replay_and_compare<double>(p5, c.cfg, long_horizon_specs(7), test::replay_budgets(), sms, 0), "")
          << c.name << ", SMs " << sms;
  struct Case {
    int d, K, runs;
  };
  for (Case k : {Case{33, 2, 7}, Case{64, 3, 7}, Case{largest_fitting_d<double>(3), 3, 2}, Case{100, 1, 2}}) {
    const QuadraticProblem p = test::random_problem(k.d, k.K, false, 302 + k.d);
    for (double sigma : {0.0, 0.1}) {
      AlgorithmConfig cfg = test::basic_config();
      cfg.noise_sigma = sigma;
      EXPECT_EQ(replay_and_compare<double>(p, cfg, long_horizon_specs(k.runs), test::replay_budgets(), 1, 0), "")
          << "d " << k.d << ", K " << k.K << ", sigma " << sigma;
    }
  }
}

TEST(KernelReplayDenseFusedBitwise, SmallD) {
  // d ≤ 3: h's butterfly adds in the reference's order — whole trajectories
  // with round ends, every config, T = 1 … 9, bitwise.
  struct Case {
    int d, K;
  };
  for (Case k : {Case{1, 5}, Case{2, 1}, Case{3, 2}}) {
    const QuadraticProblem p = test::random_problem(k.d, k.K, false, 310 + k.d);
    for (const test::ReplayConfig& c : test::replay_configs())
      EXPECT_EQ(replay_and_compare<double>(p, c.cfg, test::replay_specs(9), test::replay_budgets(), 1, 0), "")
          << c.name << ", d " << k.d << ", K " << k.K;
  }
}

// ---- whole trajectories, double, within kDoubleTol

TEST(KernelReplayDenseFused, AllConfigs) {
  // The 12 configs (both updates × three schedules × noise on/off), d = 5,
  // K = 3; runs 1, 7 (one tile), 33 (tiles of 17 on 2 SMs, the last
  // partial), 65 (tiles of 32, the last one a single run).
  const QuadraticProblem p = test::random_problem(5, 3, false, 320);
  const struct {
    int runs, sms;
  } cases[] = {{1, 1}, {7, 1}, {33, 2}, {65, 1}};
  for (const test::ReplayConfig& c : test::replay_configs())
    for (const auto& k : cases)
      EXPECT_EQ(replay_and_compare<double>(p, c.cfg, test::replay_specs(k.runs), test::replay_budgets(), k.sms,
                                           kDoubleTol),
                "")
          << c.name << ", runs " << k.runs;
}

TEST(KernelReplayDenseFused, Sizes) {
  // K = 1, 2, 5 and d across warps (33), two warps (64, R = 3 runs per
  // block), the largest K = 3 double problem that fits (d = 83) and d = 100
  // (K = 1; with K = 3 only in float, below). Configs (replay_configs()
  // indices) vary over the cases: both updates, all three schedules, noise
  // on and off.
  struct Case {
    int d, K, runs, sms;
    int config;  // index into replay_configs()
  };
  const std::vector<test::ReplayConfig> configs = test::replay_configs();
  for (Case k : {Case{5, 1, 9, 1, 5}, Case{6, 2, 9, 1, 8}, Case{5, 5, 33, 1, 1}, Case{33, 2, 9, 1, 3},
                 Case{64, 3, 7, 1, 9}, Case{83, 3, 2, 1, 10}, Case{100, 1, 2, 1, 11}}) {
    const QuadraticProblem p = test::random_problem(k.d, k.K, false, 330 + k.d + k.K);
    cuda::DenseLaunchShape shape;
    const test::ReplayOutput out = replay_dense_fused<double>(p, configs[k.config].cfg, test::replay_specs(k.runs),
                                                              test::replay_budgets(), k.sms, &shape);
    if (k.d == 64) {
      EXPECT_GT(shape.layout.R, 1);
    }
    EXPECT_EQ(test::compare_with_reference(p, configs[k.config].cfg, test::replay_specs(k.runs),
                                           test::replay_budgets(), out, kDoubleTol),
              "")
        << "d " << k.d << ", K " << k.K << ", " << configs[k.config].name;
  }
}

TEST(KernelReplayDenseFused, Float) {
  // Scalar = float against the double reference, within kFloatTol.
  const std::vector<test::ReplayConfig> configs = test::replay_configs();
  const QuadraticProblem p5 = test::random_problem(5, 3, false, 340);
  for (int c : {0, 3, 6, 9, 11})  // both updates, the three schedules, noise on and off
    EXPECT_EQ(replay_and_compare<float>(p5, configs[c].cfg, test::replay_specs(33), test::replay_budgets(), 1,
                                        kFloatTol),
              "")
        << configs[c].name;
  const QuadraticProblem p100 = test::random_problem(100, 3, false, 341);
  cuda::DenseLaunchShape shape;
  const test::ReplayOutput out =
      replay_dense_fused<float>(p100, configs[3].cfg, test::replay_specs(3), test::replay_budgets(), 1, &shape);
  EXPECT_EQ(shape.layout.R, 2);  // 3 runs: a full tile and a partial one
  EXPECT_EQ(test::compare_with_reference(p100, configs[3].cfg, test::replay_specs(3), test::replay_budgets(), out,
                                         kFloatTol),
            "");
}

TEST(KernelReplayDenseFused, DivergingRunsStopWithTheReference) {
  // η = 50 ≫ 2/L: θ and S grow ≥ ×49 per step until the weight update
  // breaks (the exponentiated one: w_j·exp(−α(h_j − min h)) underflows to 0
  // for every j, 0/0; the projected one: the projection of w − αh, h huge,
  // cancels, and θ overflows). Each run stops at the round where the
  // reference stops, its later checkpoints unreached, while the other runs
  // of its tile (T = 1 … 9, 18 runs in one tile) go on. d = 3: bitwise
  // (see the top of the file), so the stopping round is the reference's by
  // construction; d = 5: h in a tree, within kDoubleTol.
  const std::vector<std::int64_t> budgets = {1, 3, 6, 10, 17, 25, 40, 60};
  const std::vector<RunSpec> specs = test::replay_specs(18);
  const int C = static_cast<int>(budgets.size());
  const long slots = static_cast<long>(specs.size()) * C;
  for (int d : {3, 5}) {
    const QuadraticProblem p = test::random_problem(d, 3, false, 350 + d);
    for (UpdateKind update : {UpdateKind::exponentiated, UpdateKind::projected}) {
      AlgorithmConfig cfg = test::basic_config(50.0);
      cfg.update = update;
      cfg.noise_sigma = 0.1;
      long reached = 0;
      const test::ReplayOutput out = replay_dense_fused<double>(p, cfg, specs, budgets, 1);
      EXPECT_EQ(test::compare_with_reference(p, cfg, specs, budgets, out, d <= 3 ? 0 : kDoubleTol, &reached), "")
          << "d " << d << ", " << to_string(update);
      EXPECT_GT(reached, 2L * static_cast<long>(specs.size()));  // more than N = 1, 3 …
      EXPECT_LT(reached, slots);                                  // … and not all

      // Float: no reference to compare with (it breaks down at other
      // rounds); each run reaches a prefix of its checkpoints, and some stop.
      const test::ReplayOutput outf = replay_dense_fused<float>(p, cfg, specs, budgets, 1);
      for (int r = 0; r < outf.runs; ++r)
        for (int c = 1; c < C; ++c) {
          const std::size_t slot = static_cast<std::size_t>(r) * C + c;
          EXPECT_LE(outf.reached[slot], outf.reached[slot - 1]) << "run " << r << ", checkpoint " << c;
        }
      EXPECT_LT(std::count(outf.reached.begin(), outf.reached.end(), 1), slots) << to_string(update);
    }
  }
}

}  // namespace
}  // namespace horizon
