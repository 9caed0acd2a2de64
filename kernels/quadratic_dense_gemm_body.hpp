// kernels/quadratic_dense_gemm_body.hpp — the kernels of the dense GEMM path
// (driver: quadratic_dense_gemm_driver.hpp; device launcher:
// quadratic_dense_gemm.cu), as bodies over kernels/block_exec.hpp's Block so
// that the KernelReplay tests run them on the host. Compiles without CUDA.
//
// Per step n, for a batch of R runs sharing the A_j (docs/algorithm.md §7):
//   X_j = [θ_r − c_j]_r                 d × R       (prepare)
//   Y_j = A_j X_j = [∇f_j(θ_r)]_r       d × R       (GEMM; + σξ: noise)
//   Z_j = A_j [S_r]_r                   d × R·K     (GEMM, while some run is in a round)
//   S_r ← S_r − η (H_w S_r + Ĝ_r),  (H_w S)_{i,jj} = Σ_j w_j (Z_j)_{i,(r,jj)}   (update)
//   θ_r ← θ_r − η Ĝ_r w_r                                                      (update)
// and at the end of a round of run r: ∇f_v = A_v (θ_r − c_v) (validation
// residual, GEMM), h = Sᵀ∇f_v, the weight update and the divergence test
// (round end). One block per run, threads striding over the d coordinates.
//
// Memory (all column-major for the GEMMs; index helpers in GemmArgs):
//   A      K × d × d, A_j row-major (= A_jᵀ column-major: the GEMMs use op = T)
//   θ      R × d          column r = θ_r
//   S      R × K × d      column r·K + jj = S_r[:, jj]
//   X, Y   K × R × d      X[(j·R + r)·d + i]
//   Z      K × R·K × d    Z[j·d·R·K + (r·K + jj)·d + i]
//   w, h, ws   R × K;  Xv, Yv  R × d;  outputs R × C × d (θ), R × C × K (w), R × C (reached)
//
// H_w S re-associated. The reference forms H_w = Σ_j w_j A_j once per round
// and H_w S as one product; this path sums Σ_j w_j (A_j S) from the GEMM's Z
// (no per-run d×d matrix, one large shared-operand GEMM per domain). The two
// agree up to rounding while every A_j S is finite. They can differ beyond
// rounding only through overflow, and the reference (docs: H_w S) is the
// algorithm, so:
//  * a term with w_j = 0 (a projected update on a face of the simplex, an
//    underflowed exponentiated weight) is left out (masked to w_j·0): with
//    A_j S = ±inf it would be NaN where the reference's 0·A_j adds nothing.
//    Leaving it out changes no bit otherwise: the sum starts at +0 and,
//    without contraction (the host), a sum with a +0 operand or an exact
//    cancellation is never −0 in round-to-nearest, so adding the ±0 that
//    w_j·(finite) gives leaves it unchanged. With FMA (the device) at most
//    the sign of a zero entry can differ, and no later operation turns a
//    zero's sign into a different θ or w (±0 + x = x; the weight updates map
//    h = ±0 and w = ±0 to the same bits).
//  * where the sum is still not finite (some A_j S overflowed, or is NaN),
//    the entry is recomputed in the reference's association,
//    Σ_l H_w(i,l) S_{l,jj} with H_w(i,l) = Σ_j w_j A_j(i,l) — the
//    reference's own operations on this path's S (O(K·d) per entry, only in
//    such entries). So an A_j S that overflows while H_w S does not (a tiny
//    w_j > 0 times an overflowed A_j S, or large A_j S of opposite signs
//    cancelling in H_w) no longer flags a run the reference keeps.
// What remains is rounding at the overflow threshold itself: when H_w S
// lies within rounding of the largest finite Scalar, the two associations
// may round to opposite sides of it, and the GEMM path then flags a run at
// an earlier (or later) round end than the reference. S only gets there in
// a run that is already diverging geometrically (or on data within a few
// orders of magnitude of overflow); tests/kernel_replay_dense_gemm_test.cpp
// runs diverging runs and the two overflow cases above.
#pragma once

#include <cstddef>
#include <cstdint>

#include "block_exec.hpp"
#include "horizon/config.hpp"
#include "horizon/gradient_noise.hpp"
#include "horizon/hd.hpp"
#include "horizon/inner_step.hpp"
#include "horizon/quadratic_terms.hpp"
#include "horizon/round_end.hpp"
#include "horizon/run_clock.hpp"
#include "horizon/schedule.hpp"
#include "horizon/sensitivity_step.hpp"

namespace horizon {
namespace cuda {

template <class Scalar>
struct GemmArgs {
  int d = 0, K = 0, C = 0, runs = 0;
  std::int64_t n_max = 0;
  const Scalar* A = nullptr;   // K×d×d, A_j row-major (the fallback of gemm_hs)
  const Scalar* c = nullptr;   // K×d
  const Scalar* cv = nullptr;  // d
  const Scalar* theta0 = nullptr;
  const Scalar* w0 = nullptr;
  const std::int64_t* T = nullptr;
  const std::uint64_t* seed = nullptr;
  const std::int64_t* budgets = nullptr;
  AlgorithmConfig cfg;
  Scalar* theta = nullptr;
  Scalar* S = nullptr;
  Scalar* w = nullptr;
  Scalar* h = nullptr;
  Scalar* ws = nullptr;  // the weight update's scratch
  int* stopped = nullptr;
  Scalar* X = nullptr;
  Scalar* Y = nullptr;
  Scalar* Z = nullptr;
  Scalar* Xv = nullptr;
  Scalar* Yv = nullptr;
  Scalar* out_theta = nullptr;
  Scalar* out_w = nullptr;
  int* out_reached = nullptr;

  HORIZON_HD std::size_t vec(int r, int i) const { return static_cast<std::size_t>(r) * d + i; }      // θ, Xv, Yv
  HORIZON_HD std::size_t xy(int j, int r, int i) const { return (static_cast<std::size_t>(j) * runs + r) * d + i; }
  HORIZON_HD std::size_t s(int r, int jj, int i) const { return (static_cast<std::size_t>(r) * K + jj) * d + i; }
  HORIZON_HD std::size_t z(int j, int r, int jj, int i) const {
    return static_cast<std::size_t>(j) * d * runs * K + s(r, jj, i);
  }
  HORIZON_HD std::size_t a(int j, int i, int l) const { return (static_cast<std::size_t>(j) * d + i) * d + l; }
};

struct GemmNoState {};  // bodies whose phases keep nothing per thread

template <class Scalar>
struct GemmRoundEndState {
  Scalar v;  // a partial h_j, then h_j
  int bad;   // non-finite θ_i, counted
};

// Init: θ ← θ0, w ← w0, Xv ← 0, not stopped.
HORIZON_HD_TEMPLATE template <class Block, class Scalar>
HORIZON_HD void gemm_init_body(Block& blk, const GemmArgs<Scalar>& A) {
  const int r = blk.index(), P = blk.threads();
  blk.each([&](int tid, GemmNoState&) {
    for (int i = tid; i < A.d; i += P) {
      A.theta[A.vec(r, i)] = A.theta0[i];
      A.Xv[A.vec(r, i)] = 0;
    }
    for (int j = tid; j < A.K; j += P) A.w[static_cast<std::size_t>(r) * A.K + j] = A.w0[j];
    if (tid == 0) A.stopped[r] = 0;
  });
}

// Before step n: S ← 0 at a round start, the checkpoints with N_c = n
// (θ, w, reached), and the GEMM operands X_j = θ − c_j (n < N_max).
HORIZON_HD_TEMPLATE template <class Block, class Scalar>
HORIZON_HD void gemm_prepare_body(Block& blk, const GemmArgs<Scalar>& A, std::int64_t n) {
  const int r = blk.index(), P = blk.threads();
  if (A.stopped[r]) return;  // the whole block; nothing in this launch writes it
  const StepPosition pos(A.T[r], A.n_max, n);
  const bool begin = pos.begins_round(), operands = n < A.n_max;
  const int emit_begin = budgets_at_most(A.budgets, A.C, n - 1), emit_end = budgets_at_most(A.budgets, A.C, n);
  blk.each([&](int tid, GemmNoState&) {
    for (int i = tid; i < A.d; i += P) {
      const Scalar theta = A.theta[A.vec(r, i)];
      if (begin)
        for (int j = 0; j < A.K; ++j) A.S[A.s(r, j, i)] = 0;
      for (int c = emit_begin; c < emit_end; ++c) A.out_theta[(static_cast<std::size_t>(r) * A.C + c) * A.d + i] = theta;
      if (operands)
        for (int j = 0; j < A.K; ++j) A.X[A.xy(j, r, i)] = residual(theta, A.c[static_cast<std::size_t>(j) * A.d + i]);
    }
    if (tid == 0)
      for (int c = emit_begin; c < emit_end; ++c) {
        const std::size_t slot = static_cast<std::size_t>(r) * A.C + c;
        for (int j = 0; j < A.K; ++j) A.out_w[slot * A.K + j] = A.w[static_cast<std::size_t>(r) * A.K + j];
        A.out_reached[slot] = 1;
      }
  });
}

// Ĝ ← G + σξ in place in Y: Philox call q (draws e = 4q … 4q+3, e = j·d + i)
// per thread. Launched only when σ ≠ 0.
HORIZON_HD_TEMPLATE template <class Block, class Scalar>
HORIZON_HD void gemm_noise_body(Block& blk, const GemmArgs<Scalar>& A, std::int64_t n) {
  const int r = blk.index(), P = blk.threads();
  if (A.stopped[r]) return;
  const int total = noise_draws(A.K, A.d), quads = noise_quads(A.K, A.d);
  const std::uint64_t seed = A.seed[r];
  blk.each([&](int tid, GemmNoState&) {
    for (int q = tid; q < quads; q += P) {
      Scalar xi[4];
      const int count = scaled_noise_quad(seed, n, q, total, A.cfg.noise_sigma, xi);
      for (int u = 0; u < count; ++u) {
        const int e = 4 * q + u;
        Scalar& g = A.Y[A.xy(noise_domain(e, A.d), r, noise_coordinate(e, A.d))];
        g = add_noise(g, xi[u]);
      }
    }
  });
}

// (H_w S)_{i,jj} of run r (see the header): Σ_j w_j (A_j S)_{i,jj}, j
// ascending, the w_j = 0 terms masked; where that is not finite, the
// reference's Σ_l H_w(i,l) S_{l,jj}, l ascending. `w`: the run's K weights.
template <class Scalar>
HORIZON_HD Scalar gemm_hs(const GemmArgs<Scalar>& A, const Scalar* w, int r, int jj, int i) {
  auto weight = [&](int j) { return w[j]; };
  const Scalar hs = weighted_entry<Scalar>(
      A.K, weight, [&](int j) { return w[j] == Scalar(0) ? Scalar(0) : A.Z[A.z(j, r, jj, i)]; });
  if (finite_value(hs)) return hs;
  return ordered_dot<Scalar>(
      A.d, [&](int l) { return weighted_entry<Scalar>(A.K, weight, [&](int j) { return A.A[A.a(j, i, l)]; }); },
      [&](int l) { return A.S[A.s(r, jj, l)]; });
}

// Step n after the GEMMs and the noise: in a round the sensitivity step,
// then the inner step, at η(t, n). Shared memory: the run's w (K scalars).
HORIZON_HD_TEMPLATE template <class Block, class Scalar>
HORIZON_HD void gemm_update_body(Block& blk, const GemmArgs<Scalar>& A, std::int64_t n) {
  const int r = blk.index(), P = blk.threads(), K = A.K;
  if (A.stopped[r]) return;
  Scalar* w = reinterpret_cast<Scalar*>(blk.shared());
  const StepPosition pos(A.T[r], A.n_max, n);
  const bool in_round = pos.in_round();
  const Scalar eta = static_cast<Scalar>(inner_rate(A.cfg.inner, pos.t, n));
  blk.each([&](int tid, GemmNoState&) {
    for (int j = tid; j < K; j += P) w[j] = A.w[static_cast<std::size_t>(r) * K + j];
  });
  blk.barrier();
  blk.each([&](int tid, GemmNoState&) {
    for (int i = tid; i < A.d; i += P) {
      auto g = [&](int j) { return A.Y[A.xy(j, r, i)]; };  // Ĝ_ij, noise already added
      if (in_round)
        for (int jj = 0; jj < K; ++jj) {
          Scalar& s = A.S[A.s(r, jj, i)];
          s = sensitivity_update(s, gemm_hs(A, w, r, jj, i), g(jj), eta);
        }
      const Scalar mixed = mixed_gradient<Scalar>(K, g, [&](int j) { return w[j]; });
      Scalar& theta = A.theta[A.vec(r, i)];
      theta = inner_update(theta, eta, mixed);
    }
  });
}

// Xv = θ − c_v for a run whose round ends at step n.
HORIZON_HD_TEMPLATE template <class Block, class Scalar>
HORIZON_HD void gemm_validation_residual_body(Block& blk, const GemmArgs<Scalar>& A, std::int64_t n) {
  const int r = blk.index(), P = blk.threads();
  if (A.stopped[r] || !StepPosition(A.T[r], A.n_max, n).round_ends()) return;
  blk.each([&](int tid, GemmNoState&) {
    for (int i = tid; i < A.d; i += P) A.Xv[A.vec(r, i)] = residual(A.theta[A.vec(r, i)], A.cv[i]);
  });
}

// End of a round at step n: h_j = Σ_i S_ij (∇f_v)_i (each thread's strided
// part, hypergradient_entry over i = tid, tid + P, …, then group_sum over the
// block: a tree, the reference's sequential sum up to rounding), the weight
// update and the divergence test (end_round).
// Shared memory: group_sum's scratch, threads/32 values. Threads: a multiple
// of 32.
HORIZON_HD_TEMPLATE template <class Block, class Scalar>
HORIZON_HD void gemm_round_end_body(Block& blk, const GemmArgs<Scalar>& A, std::int64_t n) {
  using State = GemmRoundEndState<Scalar>;
  const int r = blk.index(), P = blk.threads(), K = A.K, d = A.d;
  // Every thread reads the flag before thread 0 may write it below: group_sum
  // synchronises the block in between (its warp shuffles; for P > 32 also
  // its barriers).
  if (A.stopped[r]) return;
  const StepPosition pos(A.T[r], A.n_max, n);
  if (!pos.round_ends()) return;
  Scalar* h = A.h + static_cast<std::size_t>(r) * K;
  Scalar* w = A.w + static_cast<std::size_t>(r) * K;
  const Scalar* gv = A.Yv + A.vec(r, 0);
  auto strided = [P, d](int tid) { return tid < d ? (d - tid + P - 1) / P : 0; };  // i = tid, tid + P, … < d
  for (int j = 0; j < K; ++j) {
    const Scalar* S = A.S + A.s(r, j, 0);
    blk.each([&](int tid, State& st) {
      st.v = hypergradient_entry<Scalar>(
          strided(tid), [&](int l) { return S[tid + l * P]; }, [&](int l) { return gv[tid + l * P]; });
    });
    blk.group_sum(P, [](State& st) -> Scalar& { return st.v; }, reinterpret_cast<Scalar*>(blk.shared()));
    blk.each([&](int tid, State& st) {
      if (tid == 0) h[j] = st.v;
    });
  }
  blk.each([&](int tid, State& st) {
    st.bad = 0;
    for (int i = tid; i < d; i += P) st.bad += finite_value(A.theta[A.vec(r, i)]) ? 0 : 1;
  });
  blk.group_sum(P, [](State& st) -> int& { return st.bad; }, reinterpret_cast<int*>(blk.shared()));
  blk.each([&](int tid, State& st) {
    if (tid == 0 && end_round(A.cfg, pos.k, w, h, K, A.ws + static_cast<std::size_t>(r) * K, st.bad == 0))
      A.stopped[r] = 1;
  });
}

}  // namespace cuda
}  // namespace horizon
