// kernels/trajectory_device.cuh — the per-run schedule shared by every CUDA
// trajectory kernel: rounds, checkpoints, divergence (DESIGN.md §2,
// mirroring host/trajectory.hpp `Trajectory::run`).
//
// The kernels advance a run one global step n at a time:
//   * at a round start n = kT with k < R = ⌊N_max/T⌋: S ← 0 and H_w is formed
//     from the current w;
//   * checkpoints with N_c == n are emitted as (θ, w) before step n;
//   * step n moves θ by the inner step (noise ξ(n, j, i), rate η(t, n)) and,
//     while k < R, S by the sensitivity step;
//   * after the last step of a round (t = T−1, k < R): h = Sᵀ∇f_v(θ), the
//     weight update, and the divergence test (θ, h or w non-finite). A
//     diverged run stops; its later checkpoints are never emitted and come
//     back "not reached" (host/trajectory.hpp: blank + mark_diverged);
//   * after the last round θ keeps taking inner steps at the final w, t
//     counting on from 0, until N_max.
// No separate fork is needed. The reference forks a copy of θ at kT and runs
// the N_c − kT leftover steps at the round's w (fork_leftover), but inside a
// round θ never depends on S, and w, the noise ξ(n, ·) and η(n − kT, n) are
// those of the main trajectory's own steps kT … N_c − 1: the fork's tail is
// the main trajectory's, operation for operation, so θ after step N_c − 1 is
// the checkpoint bit for bit (tests/cuda_parity_test.cpp replays this
// schedule on the host against the reference, diverging runs included).
// Only the stop flag depends on the data; everything else is a function of
// (n, T, budgets), identical for every thread that works on the run.
// Plain C++ outside CUDA, so a host test can replay the schedule
// (tests/cuda_parity_test.cpp, ScheduleReplaysTheReference).
#pragma once

#include <cstdint>

#include "horizon/hd.hpp"

namespace horizon {
namespace cuda {

// Position of one run on the budget axis; advance() once per global step.
struct RunClock {
  std::int64_t T = 1;       // horizon
  std::int64_t rounds = 0;  // R = ⌊N_max / T⌋ weight updates at most
  std::int64_t n = 0;       // global step
  std::int64_t t = 0;       // step within the round (keeps counting after the last round)
  std::int64_t k = 0;       // round (k = R after the last round)
  int next = 0;             // first checkpoint not yet emitted

  HORIZON_HD void start(std::int64_t horizon, std::int64_t n_max) {
    T = horizon;
    rounds = n_max / horizon;
    n = t = k = 0;
    next = 0;
  }
  HORIZON_HD bool begins_round() const { return t == 0 && k < rounds; }
  HORIZON_HD bool in_round() const { return k < rounds; }  // S advances too
  HORIZON_HD bool round_ends() const { return k < rounds && t == T - 1; }
  HORIZON_HD void advance() {
    ++n;
    if (++t == T) {
      t = 0;
      ++k;
    }
  }
};

// Number of budgets ≤ n (budgets ascending): the index of the first checkpoint
// still pending after the emissions at step n.
HORIZON_HD inline int budgets_at_most(const std::int64_t* budgets, int count, std::int64_t n) {
  int lo = 0, hi = count;
  while (lo < hi) {
    const int mid = (lo + hi) / 2;
    if (budgets[mid] <= n)
      lo = mid + 1;
    else
      hi = mid;
  }
  return lo;
}

#if defined(__CUDACC__)
template <class Scalar>
__device__ inline bool is_finite(Scalar x) {
  return isfinite(x);
}
#endif

HORIZON_HD inline long long ceil_div(long long a, long long b) { return (a + b - 1) / b; }

}  // namespace cuda
}  // namespace horizon
