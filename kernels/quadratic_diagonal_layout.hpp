// kernels/quadratic_diagonal_layout.hpp — what the diagonal quadratic kernel
// (quadratic_diagonal_body.hpp) works on: its arguments, its launch shape,
// its shared-memory layout and the per-thread state. Plain C++ (no CUDA
// header): the solver (quadratic_diagonal.cu) and the host replay
// (tests/kernel_replay_diagonal_test.cpp) build the same launch from it.
//
// Launch shape (diagonal_launch_shape). Thread `lane` of a run owns the
// coordinate pair (2·lane, 2·lane+1), so a run is a group of P threads:
//   ⌈d/2⌉ ≤ 32: P = next power of two ≥ ⌈d/2⌉ (several runs per warp), blocks
//     of 128 threads (128/P runs) when runs·P ≥ 2·128·SMs, else of 32;
//   ⌈d/2⌉ > 32: P = min(256, ⌈d/2⌉ rounded up to 32), one run per block.
// KMAX ∈ {1, 2, 4, 8} is the smallest that holds K, when K ≤ 8 and
// ⌈d/2⌉ ≤ 256 (one pair per thread): the register variant. Otherwise
// KMAX = 0, the global-memory variant (a thread owns the pairs lane,
// lane + P, …). Run r sits in block r / (runs per block), at threads
// P·(r mod runs per block) …; threads past the last run idle.
//
// Arrays (host or device memory, Scalar unless said):
//   a, c      K × dpad, a[j·dpad + i] = (A_j)_ii, c_j,i; zero past d (dpad = 2⌈d/2⌉)
//   av, cv    dpad, validation diagonal and centre; theta0 dpad; w0 K
//   T, seed   per run (int64, uint64); budgets C ascending (int64)
//   out_theta runs × C × d, out_w runs × C × K, out_reached runs × C (int, zeroed)
//   state     KMAX = 0: runs × state_scalars = runs × ((2 + K)·dpad + 2·K·d):
//             θ | (H_w)_ii | S_0 … S_{K−1} (dpad each) | noise buffers 2 × K·d
//   weights   KMAX = 0: grid·block × 3K: w | h | scratch of each thread
//
// Shared memory (diagonal_shared_layout), bytes from 0:
//   scratch   block/32 Scalars: group_sum's warp sums when P > 32
//   flags     2 × 3 ints, rings indexed by the body's barrier count: "a run
//             of the block ends a round at this step", "a run is still live"
//   noise     KMAX > 0 with noise: per run of the block, two buffers of K·d
//             (xi[e] = σξ_e, e = j·d + i, by the parity of n)
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <type_traits>
#include <vector>

#include "horizon/config.hpp"
#include "horizon/hd.hpp"
#include "horizon/problem.hpp"
#include "horizon/round_end.hpp"
#include "horizon/run_clock.hpp"

namespace horizon {
namespace cuda {

constexpr int kDiagonalMaxGroup = 256;  // threads of one run; also the largest block
constexpr int kDiagonalFlagSlots = 3;  // per ring; the rings: ends, then live

struct DiagonalShape {
  int kmax = 0;            // 1, 2, 4, 8: register variant; 0: global-memory variant
  int group = 1;           // P, threads per run
  int block = 32;          // threads per block (a multiple of 32)
  int runs_per_block = 1;  // block / P
  int grid = 0;            // blocks
};

inline DiagonalShape diagonal_launch_shape(int d, int K, int runs, int multiprocessors) {
  DiagonalShape s;
  const int npairs = (d + 1) / 2;
  s.kmax = K <= 1 ? 1 : K <= 2 ? 2 : K <= 4 ? 4 : K <= 8 ? 8 : 0;
  if (npairs > kDiagonalMaxGroup) s.kmax = 0;
  if (npairs <= 32) {
    s.group = 1;
    while (s.group < npairs) s.group <<= 1;
    s.block = static_cast<long long>(runs) * s.group >= 2LL * 128 * multiprocessors ? 128 : 32;
    s.runs_per_block = s.block / s.group;
  } else {
    s.group = std::min(kDiagonalMaxGroup, (npairs + 31) / 32 * 32);
    s.block = s.group;
    s.runs_per_block = 1;
  }
  s.grid = (runs + s.runs_per_block - 1) / s.runs_per_block;
  return s;
}

// The reference adds noise exactly when it is gaussian with σ ≠ 0.
HORIZON_HD inline bool diagonal_noisy(const AlgorithmConfig& cfg) {
  return cfg.noise_kind == NoiseKind::gaussian && cfg.noise_sigma != 0;
}

template <class Scalar>
struct DiagonalArgs {
  int d = 0, K = 0;
  int npairs = 0, dpad = 0;  // ⌈d/2⌉ coordinate pairs; arrays padded to dpad = 2·npairs
  DiagonalShape shape;
  int runs = 0;
  int C = 0;               // checkpoints
  std::int64_t n_max = 0;  // budgets[C−1]
  const Scalar *a = nullptr, *c = nullptr, *av = nullptr, *cv = nullptr, *theta0 = nullptr, *w0 = nullptr;
  const std::int64_t* T = nullptr;
  const std::uint64_t* seed = nullptr;
  const std::int64_t* budgets = nullptr;
  AlgorithmConfig cfg;
  Scalar* out_theta = nullptr;
  Scalar* out_w = nullptr;
  int* out_reached = nullptr;
  Scalar* state = nullptr;    // KMAX = 0
  Scalar* weights = nullptr;  // KMAX = 0
};

// The sizes and scalars of a launch; the pointers are the caller's.
template <class Scalar>
DiagonalArgs<Scalar> diagonal_args(int d, int K, int runs, const std::vector<std::int64_t>& budgets,
                                   const AlgorithmConfig& cfg, const DiagonalShape& shape) {
  DiagonalArgs<Scalar> A;
  A.d = d;
  A.K = K;
  A.npairs = (d + 1) / 2;
  A.dpad = 2 * A.npairs;
  A.shape = shape;
  A.runs = runs;
  A.C = static_cast<int>(budgets.size());
  A.n_max = budgets.back();
  A.cfg = cfg;
  return A;
}

// Scalars of one run's global state (KMAX = 0) and of the per-thread weights.
HORIZON_HD inline std::size_t diagonal_state_scalars(int d, int K) {
  const std::size_t dpad = 2 * static_cast<std::size_t>((d + 1) / 2);
  return (2 + static_cast<std::size_t>(K)) * dpad + 2 * static_cast<std::size_t>(K) * d;
}
inline std::size_t diagonal_weight_scalars(const DiagonalShape& s, int K) {
  return static_cast<std::size_t>(s.grid) * s.block * 3 * static_cast<std::size_t>(K);
}

// The problem's arrays, zero padded to dpad (the layout above), in double.
struct DiagonalArrays {
  std::vector<double> a, c, av, cv, theta0;
};
inline DiagonalArrays diagonal_arrays(const QuadraticProblem& p) {
  const int dpad = 2 * ((p.d + 1) / 2);
  DiagonalArrays out;
  out.a.assign(static_cast<std::size_t>(p.K) * dpad, 0.0);
  out.c = out.a;
  out.av.assign(dpad, 0.0);
  out.cv = out.av;
  out.theta0 = out.av;
  for (int j = 0; j < p.K; ++j)
    for (int i = 0; i < p.d; ++i) {
      out.a[static_cast<std::size_t>(j) * dpad + i] = p.domains[j].A[i];
      out.c[static_cast<std::size_t>(j) * dpad + i] = p.domains[j].c[i];
    }
  for (int i = 0; i < p.d; ++i) {
    out.av[i] = p.validation.A[i];
    out.cv[i] = p.validation.c[i];
    out.theta0[i] = p.theta0[i];
  }
  return out;
}

// ------------------------------------------------------------------ shared memory

struct DiagonalSharedLayout {
  std::size_t scratch = 0, flags = 0, noise = 0, bytes = 0;
  std::size_t noise_per_run = 0;  // Scalars: 2·K·d, or 0 without shared noise
};

template <class Scalar>
HORIZON_HD DiagonalSharedLayout diagonal_shared_layout(const DiagonalShape& s, int d, int K, bool noisy) {
  auto align16 = [](std::size_t x) { return (x + 15) / 16 * 16; };
  DiagonalSharedLayout L;
  L.scratch = 0;
  L.flags = align16(L.scratch + static_cast<std::size_t>(s.block / 32) * sizeof(Scalar));
  L.noise = align16(L.flags + 2 * kDiagonalFlagSlots * sizeof(int));
  L.noise_per_run = s.kmax > 0 && noisy ? 2 * static_cast<std::size_t>(K) * d : 0;
  L.bytes = L.noise + L.noise_per_run * s.runs_per_block * sizeof(Scalar);
  return L;
}

// ------------------------------------------------------------------ per-thread state

// What every thread knows of its run (the same in all threads of the run).
struct DiagonalRun {
  RunClock clk;
  std::uint64_t seed = 0;
  int run = 0;           // in the batch
  int local = 0;         // in the block
  int lane = 0;          // in the run's group, 0 … P−1
  bool stopped = true;   // diverged, or a thread past the last run: no work
  bool ends = false;     // the run ends a round at this step (and is not stopped)

  template <class Scalar>
  HORIZON_HD void init_run(const DiagonalArgs<Scalar>& A, int block, int tid) {
    const int P = A.shape.group;
    local = tid / P;
    lane = tid % P;
    run = block * A.shape.runs_per_block + local;
    stopped = run >= A.runs;
    seed = stopped ? 0 : A.seed[run];
    clk.start(stopped ? 1 : A.T[run], A.n_max);
  }
};

// KMAX > 0: one pair per thread, all of it in registers once the loops over
// j (to KMAX) and e (to 2) are unrolled; the slot argument q is always 0.
template <class Scalar, int KMAX>
struct DiagonalRegisterState : DiagonalRun {
  int pair_ = 0, valid_ = 0;  // coordinates of the pair inside d (0, 1 or 2)
  Scalar theta_[2] = {}, hdiag_[2] = {}, S_[2][KMAX] = {}, a_[2][KMAX] = {}, c_[2][KMAX] = {};
  Scalar w_[KMAX] = {}, h_[KMAX] = {};
  Scalar bad = 0;  // non-finite θ_i of the pair, then of the run (group_sum)

  HORIZON_HD void init(const DiagonalArgs<Scalar>& A, Scalar* /*shared_noise*/, int block, int tid) {
    init_run(A, block, tid);
    pair_ = lane;
    const bool active = !stopped && pair_ < A.npairs;
    valid_ = active ? (2 * pair_ + 1 < A.d ? 2 : 1) : 0;
    HORIZON_UNROLL
    for (int e = 0; e < 2; ++e) {
      const int i = 2 * pair_ + e;
      theta_[e] = active ? A.theta0[i] : Scalar(0);
      HORIZON_UNROLL
      for (int j = 0; j < KMAX; ++j) {
        const bool load = active && j < A.K;
        a_[e][j] = load ? A.a[static_cast<std::size_t>(j) * A.dpad + i] : Scalar(0);
        c_[e][j] = load ? A.c[static_cast<std::size_t>(j) * A.dpad + i] : Scalar(0);
      }
    }
    HORIZON_UNROLL
    for (int j = 0; j < KMAX; ++j) w_[j] = !stopped && j < A.K ? A.w0[j] : Scalar(0);
  }
  HORIZON_HD int slots() const { return valid_ > 0 ? 1 : 0; }
  HORIZON_HD int pair(int) const { return pair_; }
  HORIZON_HD bool valid(int, int e) const { return e < valid_; }
  HORIZON_HD Scalar& theta(int, int e) { return theta_[e]; }
  HORIZON_HD Scalar& hdiag(int, int e) { return hdiag_[e]; }
  HORIZON_HD Scalar& S(int, int e, int j) { return S_[e][j]; }
  HORIZON_HD Scalar coef(int, int e, int j) const { return a_[e][j]; }
  HORIZON_HD Scalar centre(int, int e, int j) const { return c_[e][j]; }
  HORIZON_HD Scalar& w(int j) { return w_[j]; }
  HORIZON_HD Scalar& h(int j) { return h_[j]; }
  HORIZON_HD Scalar* noise(const DiagonalArgs<Scalar>& A, Scalar* shared_noise) const {
    return shared_noise + static_cast<std::size_t>(local) * 2 * A.K * A.d;
  }
  // end_round on copies: it indexes w, h dynamically, and w_, h_ stay in registers.
  HORIZON_HD bool finish_round(const AlgorithmConfig& cfg, int K, bool theta_finite) {
    Scalar wt[KMAX], ht[KMAX], scratch[KMAX];
    HORIZON_UNROLL
    for (int j = 0; j < KMAX; ++j) {
      wt[j] = w_[j];
      ht[j] = h_[j];
    }
    const bool diverged = end_round(cfg, clk.k, wt, ht, K, scratch, theta_finite);
    HORIZON_UNROLL
    for (int j = 0; j < KMAX; ++j) w_[j] = wt[j];
    return diverged;
  }
};

// KMAX = 0: the run's state in `A.state`, the thread's w, h in `A.weights`.
template <class Scalar>
struct DiagonalGlobalState : DiagonalRun {
  Scalar* base = nullptr;  // θ | (H_w)_ii | S_0 … S_{K−1}, dpad each
  Scalar* wp = nullptr;    // w | h | scratch, K each
  const Scalar *a = nullptr, *c = nullptr;
  int d = 0, dpad = 0, K = 0, P = 1, nslots = 0;
  Scalar bad = 0;

  HORIZON_HD void init(const DiagonalArgs<Scalar>& A, Scalar* /*shared_noise*/, int block, int tid) {
    init_run(A, block, tid);
    d = A.d;
    dpad = A.dpad;
    K = A.K;
    P = A.shape.group;
    a = A.a;
    c = A.c;
    // Every thread, idle ones too, holds valid w, h: group_sum reads h of all.
    wp = A.weights + (static_cast<std::size_t>(block) * A.shape.block + tid) * 3 * static_cast<std::size_t>(K);
    for (int j = 0; j < K; ++j) {
      wp[j] = stopped ? Scalar(0) : A.w0[j];
      wp[K + j] = 0;
    }
    if (stopped) return;
    base = A.state + static_cast<std::size_t>(run) * diagonal_state_scalars(A.d, A.K);
    nslots = lane < A.npairs ? (A.npairs - 1 - lane) / P + 1 : 0;
    for (int q = 0; q < nslots; ++q)
      for (int e = 0; e < 2; ++e) {
        theta(q, e) = A.theta0[index(q, e)];
        hdiag(q, e) = 0;
        for (int j = 0; j < K; ++j) S(q, e, j) = 0;
      }
  }
  HORIZON_HD int slots() const { return nslots; }
  HORIZON_HD int pair(int q) const { return lane + q * P; }
  HORIZON_HD int index(int q, int e) const { return 2 * pair(q) + e; }
  HORIZON_HD bool valid(int q, int e) const { return index(q, e) < d; }
  HORIZON_HD Scalar& theta(int q, int e) { return base[index(q, e)]; }
  HORIZON_HD Scalar& hdiag(int q, int e) { return base[dpad + index(q, e)]; }
  HORIZON_HD Scalar& S(int q, int e, int j) { return base[static_cast<std::size_t>(2 + j) * dpad + index(q, e)]; }
  HORIZON_HD Scalar coef(int q, int e, int j) const { return a[static_cast<std::size_t>(j) * dpad + index(q, e)]; }
  HORIZON_HD Scalar centre(int q, int e, int j) const { return c[static_cast<std::size_t>(j) * dpad + index(q, e)]; }
  HORIZON_HD Scalar& w(int j) { return wp[j]; }
  HORIZON_HD Scalar& h(int j) { return wp[K + j]; }
  HORIZON_HD Scalar* noise(const DiagonalArgs<Scalar>& A, Scalar* /*shared_noise*/) const {
    return A.state + static_cast<std::size_t>(run) * diagonal_state_scalars(A.d, A.K) +
           static_cast<std::size_t>(2 + A.K) * A.dpad;
  }
  HORIZON_HD bool finish_round(const AlgorithmConfig& cfg, int K_, bool theta_finite) {
    return end_round(cfg, clk.k, wp, wp + K, K_, wp + 2 * K, theta_finite);
  }
};

template <class Scalar, int KMAX>
using DiagonalState =
    std::conditional_t<(KMAX > 0), DiagonalRegisterState<Scalar, (KMAX > 0 ? KMAX : 1)>, DiagonalGlobalState<Scalar>>;

// Calls f(std::integral_constant<int, KMAX>{}) for the shape's KMAX.
template <class F>
void with_diagonal_kmax(int kmax, F&& f) {
  switch (kmax) {
    case 1: f(std::integral_constant<int, 1>{}); break;
    case 2: f(std::integral_constant<int, 2>{}); break;
    case 4: f(std::integral_constant<int, 4>{}); break;
    case 8: f(std::integral_constant<int, 8>{}); break;
    default: f(std::integral_constant<int, 0>{}); break;
  }
}

}  // namespace cuda
}  // namespace horizon
