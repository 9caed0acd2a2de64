// kernels/quadratic_diagonal_body.hpp — the diagonal quadratic trajectory
// kernel's body (twin: host/reference/quadratic_diagonal.cpp), run on the
// device by quadratic_diagonal.cu and replayed on the host by
// tests/kernel_replay_diagonal_test.cpp (kernels/block_exec.hpp).
//
//   ĝ_j,i = a_j,i (θ_i − c_j,i) + σ ξ(n, j, i),   (H_w)_ii = Σ_j w_j a_j,i
//   S_ij ← S_ij − η ((H_w)_ii S_ij + ĝ_j,i),      θ_i ← θ_i − η Σ_j ĝ_j,i w_j
//   h_j = Σ_i S_ij a_v,i (θ_i − c_v,i)            (once per round)
//
// Every coordinate evolves on its own within a step; only h (and the
// divergence test) couples coordinates, once per round. So a run is a group
// of P threads, thread `lane` owning the coordinate pair (2·lane, 2·lane+1)
// (two independent chains of work per thread); the launch shape, the state
// and the shared memory are in quadratic_diagonal_layout.hpp. h and the count
// of non-finite θ_i are group sums (xor butterflies: every thread of the run
// holds the same bits, so all take the same weight update and the same stop
// decision without a broadcast).
//
// All runs of a block step in lockstep over n = 0 … N_max, each with its own
// RunClock (its own T); a diverged run keeps looping with `stopped` set (the
// same in all its threads, as the sums are) and does no work; once no run of
// the block is live, the whole block leaves. Per step:
//   1. round start (S ← 0, (H_w)_ii), checkpoints due at n (θ, w out), the
//      flags, and the noise: the run's ⌈K·d/4⌉ Philox quads, quad q by lane
//      q mod P, into the run's buffer of this step's parity (e = j·d + i;
//      shared memory, or global for KMAX = 0);
//   2. a barrier, when there is noise to read, or flags: "my round ends"
//      when the block's runs have different T, "my run is live" after a
//      step that ended a round (the only steps where a run can stop); then
//      every thread reads the flags, and the block leaves if none is live;
//   3. the inner and sensitivity steps with Ĝ at θ before the step, then, for
//      a run ending its round, its threads' parts of h and of the θ count;
//   4. when a run of the block ends a round (known from n when all its runs
//      share T, else from the flag): the group sums, then end_round
//      (weight update + divergence test) for those runs.
// The noise buffers alternate by the parity of n, and each flag ring has
// three slots indexed by the count of step-2 barriers (thread 0 clears the
// next slot before the barrier), so that barrier is the only one a step
// needs: a buffer or slot is rewritten only after every thread has passed
// the barrier that follows its last read.
//
// Padding (odd d, lanes past ⌈d/2⌉, threads past the last run) computes on
// zeros or nothing, and is left out of every sum and output.
#pragma once

#include <cstddef>
#include <cstdint>

#include "horizon/gradient_noise.hpp"
#include "horizon/hd.hpp"
#include "horizon/inner_step.hpp"
#include "horizon/quadratic_terms.hpp"
#include "horizon/round_end.hpp"
#include "horizon/run_clock.hpp"
#include "horizon/schedule.hpp"
#include "horizon/sensitivity_step.hpp"
#include "quadratic_diagonal_layout.hpp"

namespace horizon {
namespace cuda {

// f(j) for the domains j < K: unrolled to KMAX (with a j < K guard) so that
// per-domain registers are never indexed dynamically, or a plain loop.
template <int KMAX, class F>
HORIZON_HD void for_domains(int K, F&& f) {
  if constexpr (KMAX > 0) {
    HORIZON_UNROLL
    for (int j = 0; j < KMAX; ++j)
      if (j < K) f(j);
  } else {
    for (int j = 0; j < K; ++j) f(j);
  }
}

// Round start: S ← 0 and (H_w)_ii = Σ_j w_j a_j,i.
template <class Scalar, int KMAX, class State>
HORIZON_HD void begin_round_part(State& st, int K) {
  for (int q = 0; q < st.slots(); ++q) {
    HORIZON_UNROLL
    for (int e = 0; e < 2; ++e) {
      st.hdiag(q, e) = weighted_entry<Scalar, KMAX>(
          K, [&](int j) { return st.w(j); }, [&](int j) { return st.coef(q, e, j); });
      for_domains<KMAX>(K, [&](int j) { st.S(q, e, j) = Scalar(0); });
    }
  }
}

// Checkpoint c: θ and (lane 0) w to the outputs.
template <class Scalar, int KMAX, class State>
HORIZON_HD void emit_checkpoint_part(State& st, const DiagonalArgs<Scalar>& A, int c) {
  const std::size_t slot = static_cast<std::size_t>(st.run) * A.C + c;
  for (int q = 0; q < st.slots(); ++q) {
    HORIZON_UNROLL
    for (int e = 0; e < 2; ++e)
      if (st.valid(q, e)) A.out_theta[slot * A.d + 2 * st.pair(q) + e] = st.theta(q, e);
  }
  if (st.lane != 0) return;
  for_domains<KMAX>(A.K, [&](int j) { A.out_w[slot * A.K + j] = st.w(j); });
  A.out_reached[slot] = 1;
}

// This thread's share of the step's noise: quads lane, lane + P, … of the
// ⌈K·d/4⌉, written to xi[4q …] (xi[e] = σξ_e).
template <class Scalar, class State>
HORIZON_HD void draw_noise_part(const State& st, const DiagonalArgs<Scalar>& A, Scalar* xi) {
  const int total = noise_draws(A.K, A.d), quads = noise_quads(A.K, A.d);
  for (int q = st.lane; q < quads; q += A.shape.group)
    scaled_noise_quad(st.seed, st.clk.n, q, total, A.cfg.noise_sigma, xi + 4 * q);
}

// Step n: the inner step of θ and, inside a round, the sensitivity step of S,
// both with Ĝ at θ before the step. `xi`: σξ of this step, or null without
// noise.
template <class Scalar, int KMAX, class State>
HORIZON_HD void step_part(State& st, const DiagonalArgs<Scalar>& A, const Scalar* xi) {
  const Scalar eta = static_cast<Scalar>(inner_rate(A.cfg.inner, st.clk.t, st.clk.n));
  const bool in_round = st.clk.in_round();
  for (int q = 0; q < st.slots(); ++q) {
    const int i0 = 2 * st.pair(q);
    Scalar mixed[2] = {Scalar(0), Scalar(0)};  // (Ĝ w)_i, j ascending
    for_domains<KMAX>(A.K, [&](int j) {
      const Scalar wj = st.w(j);
      HORIZON_UNROLL
      for (int e = 0; e < 2; ++e) {
        Scalar g = diagonal_gradient(st.coef(q, e, j), st.theta(q, e), st.centre(q, e, j));
        if (xi && st.valid(q, e)) g = add_noise(g, xi[noise_draw_index(j, i0 + e, A.d)]);
        if (in_round) {
          Scalar& s = st.S(q, e, j);
          s = sensitivity_update(s, st.hdiag(q, e) * s, g, eta);
        }
        mixed[e] = mix_term(mixed[e], g, wj);
      }
    });
    HORIZON_UNROLL
    for (int e = 0; e < 2; ++e) st.theta(q, e) = inner_update(st.theta(q, e), eta, mixed[e]);
  }
}

// After the step, a run ending its round: h(j) ← Σ S_ij ∇f_v(θ)_i and `bad`
// ← #non-finite θ_i over this thread's coordinates (in i order), to be
// summed over the group; all other threads (stopped ones too) put zeros in,
// so h and bad hold nothing from one step to the next.
template <class Scalar, int KMAX, class State>
HORIZON_HD void round_parts(State& st, const DiagonalArgs<Scalar>& A) {
  for_domains<KMAX>(A.K, [&](int j) {
    Scalar part = 0;
    if (st.ends)
      for (int q = 0; q < st.slots(); ++q) {
        HORIZON_UNROLL
        for (int e = 0; e < 2; ++e) {
          if (!st.valid(q, e)) continue;
          const int i = 2 * st.pair(q) + e;
          part += st.S(q, e, j) * diagonal_gradient(A.av[i], st.theta(q, e), A.cv[i]);
        }
      }
    st.h(j) = part;
  });
  Scalar bad = 0;
  if (st.ends)
    for (int q = 0; q < st.slots(); ++q) {
      HORIZON_UNROLL
      for (int e = 0; e < 2; ++e)
        if (st.valid(q, e) && !finite_value(st.theta(q, e))) bad += 1;
    }
  st.bad = bad;
}

// T shared by all runs of the block, or 0 when they differ (a function of the
// arguments: the same in every thread).
template <class Scalar>
HORIZON_HD std::int64_t block_horizon(const DiagonalArgs<Scalar>& A, int block) {
  const int first = block * A.shape.runs_per_block;
  const int last = first + A.shape.runs_per_block < A.runs ? first + A.shape.runs_per_block : A.runs;
  const std::int64_t T = A.T[first];
  for (int r = first + 1; r < last; ++r)
    if (A.T[r] != T) return 0;
  return T;
}

// The whole trajectory of the block's runs (Block: kernels/block_exec.hpp).
HORIZON_HD_TEMPLATE
template <class Scalar, int KMAX, class Block>
HORIZON_HD void diagonal_body(Block& blk, const DiagonalArgs<Scalar>& A) {
  using State = DiagonalState<Scalar, KMAX>;
  const bool noisy = diagonal_noisy(A.cfg);
  const DiagonalSharedLayout L = diagonal_shared_layout<Scalar>(A.shape, A.d, A.K, noisy);
  unsigned char* const shared = blk.shared();
  Scalar* const scratch = reinterpret_cast<Scalar*>(shared + L.scratch);
  int* const flags = reinterpret_cast<int*>(shared + L.flags);
  Scalar* const shared_noise = reinterpret_cast<Scalar*>(shared + L.noise);
  const std::size_t step_noise = static_cast<std::size_t>(A.K) * A.d;
  const int P = A.shape.group;

  // Block-uniform control. When all runs share T = Tb, their rounds end
  // together, at steps Tb − 1, 2Tb − 1, …, R·Tb − 1 (R = rounds_in(N_max,
  // Tb), RunClock's round_ends): two counters, lighter in registers than a
  // second RunClock. Else the "ends" ring says whether some run's round ends.
  // The "live" ring is read after steps that ended a round.
  int* const ends = flags;
  int* const live = flags + kDiagonalFlagSlots;
  const std::int64_t Tb = block_horizon(A, blk.index());
  const bool mixed = Tb == 0;
  const std::int64_t last_end = mixed ? -1 : rounds_in(A.n_max, Tb) * Tb - 1;
  std::int64_t n = 0, next_end = Tb - 1;
  int slot = 0;                 // ring slot of the next step-2 barrier
  bool after_round_end = false;  // a run of the block ended a round at the last step

  blk.each([&](int tid, State& st) {
    st.init(A, shared_noise, blk.index(), tid);
    if (tid < 2 * kDiagonalFlagSlots) flags[tid] = 0;
  });
  blk.barrier();
  for (;;) {
    const bool stepping = n < A.n_max;
    const bool sync = stepping && (noisy || mixed || after_round_end);
    const int next = slot == kDiagonalFlagSlots - 1 ? 0 : slot + 1;
    const std::size_t parity = static_cast<std::size_t>(n & 1);
    blk.each([&](int tid, State& st) {
      if (sync && tid == 0) ends[next] = live[next] = 0;
      st.ends = false;
      if (st.stopped) return;
      if (st.clk.begins_round()) begin_round_part<Scalar, KMAX>(st, A.K);
      const int due = st.clk.take_checkpoints(A.budgets, A.C);
      for (int c = st.clk.next - due; c < st.clk.next; ++c) emit_checkpoint_part<Scalar, KMAX>(st, A, c);
      if (!stepping) return;
      st.ends = st.clk.round_ends();
      if (sync) live[slot] = 1;
      if (mixed && st.ends) ends[slot] = 1;
      if (noisy) draw_noise_part(st, A, st.noise(A, shared_noise) + parity * step_noise);
    });
    if (!stepping) break;
    bool round_end_in_block = n == next_end && n <= last_end;
    if (round_end_in_block) next_end += Tb;
    if (sync) {
      blk.barrier();
      if (live[slot] == 0) break;  // every run of the block stopped
      if (mixed) round_end_in_block = ends[slot] != 0;
      slot = next;
    }
    blk.each([&](int, State& st) {
      if (!st.stopped) step_part<Scalar, KMAX>(st, A, noisy ? st.noise(A, shared_noise) + parity * step_noise : nullptr);
      round_parts<Scalar, KMAX>(st, A);  // every thread: h and bad are written afresh each step
    });
    if (round_end_in_block) {
      for_domains<KMAX>(A.K, [&](int j) { blk.group_sum(P, [j](State& st) -> Scalar& { return st.h(j); }, scratch); });
      blk.group_sum(P, [](State& st) -> Scalar& { return st.bad; }, scratch);
    }
    blk.each([&](int, State& st) {
      if (round_end_in_block && !st.stopped && st.ends) st.stopped = st.finish_round(A.cfg, A.K, st.bad == 0);
      st.clk.advance();
    });
    ++n;
    after_round_end = round_end_in_block;
  }
}

}  // namespace cuda
}  // namespace horizon
