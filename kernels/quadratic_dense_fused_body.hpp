// kernels/quadratic_dense_fused_body.hpp — the dense-fused trajectory kernel's
// body (twin: host/reference/quadratic_dense.cpp), its arguments, shared
// layout and launch shape. No CUDA headers: kernels/quadratic_dense_fused.cu
// runs the body on the device (DeviceBlock), the KernelReplay tests replay it
// on the CPU (HostBlock, kernels/block_exec.hpp).
//
//   Ĝ_ij = Σ_l A_j(i,l)(θ_l − c_j,l) + σ ξ_(j·d+i)       H_w = Σ_j w_j A_j (per round)
//   S_ij ← S_ij − η ((H_w S)_ij + Ĝ_ij),  (H_w S)_ij = Σ_l H_w(i,l) S_lj
//   θ_i  ← θ_i − η Σ_j Ĝ_ij w_j
//   h_j  = Σ_i S_ij (∇f_v(θ))_i,  ∇f_v(θ) = A_v (θ − c_v)   (round ends)
//
// A block owns a tile of R runs (runs R·b … R·b + R − 1 of the batch; slots
// past the batch's end are stopped from the start) and keeps, for all N_max
// steps, in shared memory: every A_jᵀ (shared by the tile's runs; transposed,
// so that the thread of output row i reads a contiguous column, without bank
// conflicts), and per run H_wᵀ, S (two buffers, swapped by the parity of n),
// Ĝ, the residuals θ − c_j, the noise σξ, θ, ∇f_v, w, h and the projection's
// scratch. Every (run, j, i) output of a step is one thread's: Ĝ_ij and
// (H_w S)_ij are ordered_dot products over l ascending — the reference's
// order — then S_ij. The runs of a tile move in lockstep over the global step
// n (they may have different T, horizon/run_clock.hpp): each per-run decision
// is read from the run's slot, written in the bookkeeping phase and the same
// for every thread. Checkpoints need no fork (trajectory_device.cuh).
//
// A step's phases, separated by barriers: bookkeeping; round start (S ← 0,
// H_w: K·d² per round) with the checkpoint emission; residuals and noise;
// outputs (Ĝ, H_w S, S); the inner step; and on a step where some run ends a
// round: θ − c_v, ∇f_v, h and the count of non-finite θ_i, then end_round.
// h is the one sum not in the reference's order: the (run, j) pairs (and
// (run, "θ finite")) are dealt to the warps, lane λ sums the terms
// i ≡ λ (mod 32) in order (hypergradient_entry), and group_sum(32) adds the
// 32 partials in an xor butterfly. So w after the first round end differs
// from the reference by rounding, except for d ≤ 3: lane λ then holds
// 0 + term λ or +0, and the butterfly adds (t0 + t1) + t2 as the reference
// does (adding +0 to a sum that is not −0 changes nothing).
//
// Memory layout (dynamic shared memory, 16-byte aligned):
//   [R DenseSlots, rounded up to 16 bytes][A_jᵀ: K·d² scalars][R run tiles]
//   A_jᵀ: at[j·d² + l·d + i] = A_j(i, l)
//   run tile (d² + 5dK + 2d + 3K scalars, offsets in DenseLayout):
//     ht  d²   H_wᵀ, ht[l·d + i] = H_w(i, l)
//     s0  dK   S, S[i·K + j]; s1 dK the other buffer (cur = s_(n mod 2))
//     g   dK   Ĝ, G[i·K + j]
//     rm  dK   θ − c_j at rm[j·d + l]; rm[0, d) holds θ − c_v at round ends
//     xi  dK   σξ, xi[j·d + i] (noise index map e = j·d + i)
//     th  d    θ;   gv d  ∇f_v(θ);   w K;   h K;   ws K  projection scratch
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
#include "trajectory_device.cuh"

namespace horizon {
namespace cuda {

constexpr int kDenseFusedMaxThreads = 1024;
constexpr int kDenseFusedMaxRuns = 32;  // runs per block, at most

// Per-run bookkeeping of a tile, in shared memory: written by one thread in
// the bookkeeping (or round-end) phase, read by all after the barrier.
struct DenseSlot {
  RunClock clk;
  std::uint64_t seed;
  double eta;                // η(t, n) of step n
  int stopped;               // diverged, or an empty slot of the last tile
  int begin_round;           // n = kT, k < rounds: S ← 0, H_w
  int steps, in_round;       // step n moves θ; and S
  int round_end;             // step n ends round k
  int emit_begin, emit_end;  // checkpoints emitted before step n
  int theta_finite;          // at a round end: every θ_i finite
};

// Offsets of a tile's parts (scalars after the slots), see the top comment.
struct DenseLayout {
  int d = 0, K = 0, R = 0;
  std::size_t slot_bytes = 0;  // R slots, rounded up to 16 bytes
  std::size_t at = 0;          // K·d², the A_jᵀ
  std::size_t per_run = 0;     // scalars of one run's tile
  std::size_t ht = 0, s0 = 0, s1 = 0, g = 0, rm = 0, xi = 0, th = 0, gv = 0, w = 0, h = 0, ws = 0;
};

inline DenseLayout make_dense_layout(int d, int K, int R) {
  DenseLayout L;
  L.d = d;
  L.K = K;
  L.R = R;
  L.slot_bytes = (static_cast<std::size_t>(R) * sizeof(DenseSlot) + 15) / 16 * 16;
  const std::size_t dd = static_cast<std::size_t>(d) * d, dk = static_cast<std::size_t>(d) * K;
  L.at = K * dd;
  std::size_t o = 0;
  L.ht = o, o += dd;
  L.s0 = o, o += dk;
  L.s1 = o, o += dk;
  L.g = o, o += dk;
  L.rm = o, o += dk;
  L.xi = o, o += dk;
  L.th = o, o += d;
  L.gv = o, o += d;
  L.w = o, o += K;
  L.h = o, o += K;
  L.ws = o, o += K;
  L.per_run = o;  // = d² + 5dK + 2d + 3K
  return L;
}

template <class Scalar>
std::size_t dense_layout_bytes(const DenseLayout& L) {
  return L.slot_bytes + (L.at + static_cast<std::size_t>(L.R) * L.per_run) * sizeof(Scalar);
}

// How a batch is launched: R runs per block, the threads, the grid, the
// dynamic shared memory; fits = false when not even one run fits the budget
// (the problem belongs to the GEMM path, dense_fused_fits).
struct DenseLaunchShape {
  DenseLayout layout;
  int threads = kWarp;
  int grid = 0;
  std::size_t shared_bytes = 0;
  bool fits = false;
};

// R: as many runs per block as `shared_budget` bytes hold, at most
// kDenseFusedMaxRuns, and no more than it takes to give each of the
// `multiprocessors` a block. Threads: one per (run, j, i) output, rounded up
// to whole warps, at most kDenseFusedMaxThreads (threads then loop).
template <class Scalar>
DenseLaunchShape dense_fused_launch_shape(int d, int K, int runs, int multiprocessors, std::size_t shared_budget) {
  const long long spread = ceil_div(runs, multiprocessors > 0 ? multiprocessors : 1);
  int R = static_cast<int>(spread < 1 ? 1 : spread < kDenseFusedMaxRuns ? spread : kDenseFusedMaxRuns);
  while (R > 1 && dense_layout_bytes<Scalar>(make_dense_layout(d, K, R)) > shared_budget) --R;
  DenseLaunchShape s;
  s.layout = make_dense_layout(d, K, R);
  s.shared_bytes = dense_layout_bytes<Scalar>(s.layout);
  s.fits = s.shared_bytes <= shared_budget;
  const long long warps = ceil_div(static_cast<long long>(R) * K * d, kWarp);
  const long long threads = warps * kWarp;
  s.threads = static_cast<int>(threads < kWarp ? kWarp : threads < kDenseFusedMaxThreads ? threads : kDenseFusedMaxThreads);
  s.grid = static_cast<int>(ceil_div(runs, R));
  return s;
}

template <class Scalar>
struct DenseArgs {
  DenseLayout L;
  int d = 0, K = 0, C = 0, runs = 0;
  std::int64_t n_max = 0;       // budgets[C − 1]
  const Scalar* At = nullptr;   // K×d×d, At[(j·d + l)·d + i] = A_j(i, l)
  const Scalar* c = nullptr;    // K×d, c[j·d + l]
  const Scalar* Avt = nullptr;  // d×d, Avt[l·d + i] = A_v(i, l)
  const Scalar* cv = nullptr;   // d
  const Scalar* theta0 = nullptr;
  const Scalar* w0 = nullptr;
  const std::int64_t* T = nullptr;       // per run
  const std::uint64_t* seed = nullptr;   // per run
  const std::int64_t* budgets = nullptr;  // C, ascending
  AlgorithmConfig cfg;
  Scalar* out_theta = nullptr;  // runs × C × d
  Scalar* out_w = nullptr;      // runs × C × K
  int* out_reached = nullptr;   // runs × C, zeroed before the launch
};

// A thread's registers across a reduction: its partial sum.
template <class Scalar>
struct DenseFusedState {
  Scalar v;
};

HORIZON_HD_TEMPLATE
template <class Scalar, class Block>
HORIZON_HD void dense_fused_body(Block& blk, const DenseArgs<Scalar>& A) {
  using State = DenseFusedState<Scalar>;
  const DenseLayout& L = A.L;
  const int d = A.d, K = A.K, R = L.R, C = A.C, nt = blk.threads();
  const int first_run = blk.index() * R;
  const std::size_t dd = static_cast<std::size_t>(d) * d;
  const int kd = K * d;
  const double sigma = A.cfg.noise_sigma;
  const bool noisy = A.cfg.noise_kind == NoiseKind::gaussian && sigma != 0;
  unsigned char* const smem = blk.shared();
  DenseSlot* const slot = reinterpret_cast<DenseSlot*>(smem);
  Scalar* const at = reinterpret_cast<Scalar*>(smem + L.slot_bytes);
  Scalar* const tiles = at + L.at;
  const std::size_t per_run = L.per_run;
  auto tile = [tiles, per_run](int r) { return tiles + static_cast<std::size_t>(r) * per_run; };

  // ---- load the A_jᵀ, initialise the runs
  blk.each([&](int tid, State&) {
    for (std::size_t e = tid; e < L.at; e += nt) at[e] = A.At[e];
    for (int r = tid; r < R; r += nt) {
      DenseSlot& s = slot[r];
      const int run = first_run + r;
      const bool active = run < A.runs;
      s.stopped = !active;
      s.clk.start(active ? A.T[run] : 1, A.n_max);
      s.seed = active ? A.seed[run] : 0;
    }
    for (int e = tid; e < R * d; e += nt) tile(e / d)[L.th + e % d] = A.theta0[e % d];
    for (int e = tid; e < R * K; e += nt) tile(e / K)[L.w + e % K] = A.w0[e % K];
  });
  blk.barrier();

  for (std::int64_t n = 0;; ++n) {
    const std::size_t cur = (n & 1) ? L.s1 : L.s0, nxt = (n & 1) ? L.s0 : L.s1;

    // ---- bookkeeping: what each run does at step n
    blk.each([&](int tid, State&) {
      for (int r = tid; r < R; r += nt) {
        DenseSlot& s = slot[r];
        const bool live = !s.stopped;
        s.begin_round = live && s.clk.begins_round();
        const int taken = live ? s.clk.take_checkpoints(A.budgets, C) : 0;
        s.emit_end = s.clk.next;
        s.emit_begin = s.emit_end - taken;
        s.steps = live && n < A.n_max;
        s.in_round = s.steps && s.clk.in_round();
        s.round_end = s.steps && s.clk.round_ends();
        s.eta = inner_rate(A.cfg.inner, s.clk.t, n);
      }
    });
    blk.barrier();

    // ---- round start: S ← 0, H_w = Σ_j w_j A_j (entry by entry, j ascending);
    //      checkpoints due before step n: (θ, w)
    // Two loop shapes, each entry computed alike. When a run's d² entries
    // fill the block (d² ≥ threads), run by run: the flat loop below divided
    // each of the R·d² entries by d² at every step, also on the 15 of 16
    // steps that begin no round (H200, d = 64, K = 3: run by run, +52 %
    // run-steps/s). With fewer entries than threads (small d, many runs per
    // block), the flat loop, which keeps every thread busy: run by run
    // measured 6–17 % slower there (d = 8).
    const int ddi = d * d;
    auto hw_entry = [&](int r, int x) {  // H_w(x) of run r, x = l·d + i
      Scalar* t = tile(r);
      t[L.ht + x] = weighted_entry<Scalar>(K, [&](int j) { return t[L.w + j]; }, [&](int j) { return at[j * dd + x]; });
    };
    blk.each([&](int tid, State&) {
      if (ddi >= nt) {
        for (int r = 0; r < R; ++r)
          if (slot[r].begin_round)
            for (int x = tid; x < ddi; x += nt) hw_entry(r, x);
      } else {
        for (int e = tid; e < R * ddi; e += nt) {
          const int r = e / ddi;
          if (slot[r].begin_round) hw_entry(r, e - r * ddi);
        }
      }
      for (int e = tid; e < R * kd; e += nt)
        if (slot[e / kd].begin_round) tile(e / kd)[cur + e % kd] = 0;
      for (int r = 0; r < R; ++r) {
        const Scalar* t = tile(r);
        for (int c = slot[r].emit_begin; c < slot[r].emit_end; ++c) {
          const std::size_t out = static_cast<std::size_t>(first_run + r) * C + c;
          for (int i = tid; i < d; i += nt) A.out_theta[out * d + i] = t[L.th + i];
          for (int j = tid; j < K; j += nt) A.out_w[out * K + j] = t[L.w + j];
          if (tid == 0) A.out_reached[out] = 1;
        }
      }
    });
    if (n == A.n_max) break;

    // ---- residuals θ − c_j; the noise: Philox call q gives σξ_(4q … 4q+3)
    blk.each([&](int tid, State&) {
      for (int e = tid; e < R * kd; e += nt) {
        const int r = e / kd, x = e % kd;
        if (!slot[r].steps) continue;
        Scalar* t = tile(r);
        t[L.rm + x] = residual(t[L.th + x % d], A.c[x]);
      }
      const int quads = noisy ? noise_quads(K, d) : 0;
      for (int e = tid; e < R * quads; e += nt) {
        const int r = e / quads, q = e % quads;
        if (!slot[r].steps) continue;
        scaled_noise_quad(slot[r].seed, n, q, noise_draws(K, d), sigma, tile(r) + L.xi + 4 * q);
      }
    });
    blk.barrier();  // also orders the round start (S, H_w) before the outputs

    // ---- outputs (r, j, i): Ĝ_ij, (H_w S)_ij and the sensitivity step
    blk.each([&](int tid, State&) {
      for (int e = tid; e < R * kd; e += nt) {
        const int r = e / kd, x = e % kd, j = noise_domain(x, d), i = noise_coordinate(x, d);
        const DenseSlot& s = slot[r];
        if (!s.steps) continue;
        Scalar* t = tile(r);
        const Scalar* Aj = at + j * dd;
        const Scalar* rm = t + L.rm + j * d;
        Scalar g = ordered_dot<Scalar>(d, [&](int l) { return Aj[l * d + i]; }, [&](int l) { return rm[l]; });
        if (noisy) g = add_noise(g, t[L.xi + noise_draw_index(j, i, d)]);
        t[L.g + i * K + j] = g;
        if (s.in_round) {
          const Scalar* ht = t + L.ht;
          const Scalar* S = t + cur;
          const Scalar hs = ordered_dot<Scalar>(d, [&](int l) { return ht[l * d + i]; },
                                                [&](int l) { return S[l * K + j]; });
          t[nxt + i * K + j] = sensitivity_update(S[i * K + j], hs, g, static_cast<Scalar>(s.eta));
        }
      }
    });
    blk.barrier();

    // ---- inner step θ ← θ − η Ĝ w
    blk.each([&](int tid, State&) {
      for (int e = tid; e < R * d; e += nt) {
        const int r = e / d, i = e % d;
        const DenseSlot& s = slot[r];
        if (!s.steps) continue;
        Scalar* t = tile(r);
        const Scalar mixed = mixed_gradient<Scalar>(K, [&](int j) { return t[L.g + i * K + j]; },
                                                    [&](int j) { return t[L.w + j]; });
        t[L.th + i] = inner_update(t[L.th + i], static_cast<Scalar>(s.eta), mixed);
      }
    });
    blk.barrier();

    // ---- round ends: ∇f_v, h = Sᵀ∇f_v, the weight update, the divergence test
    bool any_end = false;
    for (int r = 0; r < R; ++r) any_end = any_end || slot[r].round_end;
    if (any_end) {  // uniform over the block: read after a barrier
      blk.each([&](int tid, State&) {
        for (int e = tid; e < R * d; e += nt) {
          const int r = e / d, i = e % d;
          if (!slot[r].round_end) continue;
          Scalar* t = tile(r);
          t[L.rm + i] = residual(t[L.th + i], A.cv[i]);
        }
      });
      blk.barrier();
      blk.each([&](int tid, State&) {
        for (int e = tid; e < R * d; e += nt) {
          const int r = e / d, i = e % d;
          if (!slot[r].round_end) continue;
          Scalar* t = tile(r);
          t[L.gv + i] = ordered_dot<Scalar>(d, [&](int l) { return A.Avt[static_cast<std::size_t>(l) * d + i]; },
                                            [&](int l) { return t[L.rm + l]; });
        }
      });
      blk.barrier();
      // Item p = r·(K + 1) + q of the tile: h_q of run r for q < K, the count
      // of its non-finite θ_i for q = K. Warp ω takes the items p0 + ω.
      const int warps = nt / kWarp, items = R * (K + 1);
      for (int p0 = 0; p0 < items; p0 += warps) {
        blk.each([&](int tid, State& st) {
          const int p = p0 + tid / kWarp, lane = tid % kWarp;
          st.v = 0;
          if (p < items && slot[p / (K + 1)].round_end) {
            const Scalar* t = tile(p / (K + 1));
            const int q = p % (K + 1);
            const int terms = lane < d ? (d - 1 - lane) / kWarp + 1 : 0;  // i = lane + 32u < d
            if (q < K)
              st.v = hypergradient_entry<Scalar>(terms, [&](int u) { return t[nxt + (lane + kWarp * u) * K + q]; },
                                                 [&](int u) { return t[L.gv + lane + kWarp * u]; });
            else
              for (int u = 0; u < terms; ++u) st.v += finite_value(t[L.th + lane + kWarp * u]) ? Scalar(0) : Scalar(1);
          }
        });
        // P = 32 stays within a warp: no shared scratch.
        blk.group_sum(kWarp, [](State& st) -> Scalar& { return st.v; }, static_cast<Scalar*>(nullptr));
        blk.each([&](int tid, State& st) {
          const int p = p0 + tid / kWarp, r = p / (K + 1), q = p % (K + 1);
          if (tid % kWarp == 0 && p < items && slot[r].round_end) {
            if (q < K)
              tile(r)[L.h + q] = st.v;
            else
              slot[r].theta_finite = st.v == 0;
          }
        });
      }
      blk.barrier();
      blk.each([&](int tid, State&) {
        for (int r = tid; r < R; r += nt) {
          DenseSlot& s = slot[r];
          if (!s.round_end) continue;
          Scalar* t = tile(r);
          if (end_round(A.cfg, s.clk.k, t + L.w, t + L.h, K, t + L.ws, s.theta_finite != 0)) s.stopped = 1;
        }
      });
      blk.barrier();
    }

    // ---- next step
    blk.each([&](int tid, State&) {
      for (int r = tid; r < R; r += nt)
        if (!slot[r].stopped) slot[r].clk.advance();
    });
    blk.barrier();
  }
}

}  // namespace cuda
}  // namespace horizon
