// kernels/trajectory_device.cuh — how the CUDA trajectory kernels walk a run
// (docs/algorithm.md §2; the positions themselves are horizon/run_clock.hpp).
//
// The kernels advance a run one global step n at a time:
//   * at a round start: S ← 0 and H_w is formed from the current w;
//   * checkpoints with N_c == n are emitted as (θ, w) before step n;
//   * step n moves θ by the inner step and, in a round, S by the
//     sensitivity step;
//   * after the last step of a round: h = Sᵀ∇f_v(θ), the weight update, and
//     the divergence test (horizon/round_end.hpp). A diverged run stops; its
//     later checkpoints are never emitted and come back "not reached" (the
//     reference's blank + mark_diverged);
//   * after the last round θ keeps taking inner steps at the final w.
// No separate fork is needed. The reference forks a copy of θ at kT and runs
// the N_c − kT leftover steps at the round's w (fork_leftover), but inside a
// round θ never depends on S, and w, the noise ξ(n, ·) and η(n − kT, n) are
// those of the main trajectory's own steps kT … N_c − 1: the fork's tail is
// the main trajectory's, operation for operation, so θ after step N_c − 1 is
// the checkpoint bit for bit (the KernelReplay tests check this on the host).
#pragma once

#include "horizon/hd.hpp"
#include "horizon/run_clock.hpp"

namespace horizon {
namespace cuda {

HORIZON_HD inline long long ceil_div(long long a, long long b) { return (a + b - 1) / b; }

}  // namespace cuda
}  // namespace horizon
