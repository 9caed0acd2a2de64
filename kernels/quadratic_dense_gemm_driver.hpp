// kernels/quadratic_dense_gemm_driver.hpp — the host step loop of the dense
// GEMM path (bodies: quadratic_dense_gemm_body.hpp), written once over an
// engine, and the engine that replays it on the CPU. Compiles without CUDA.
//
// The loop: init; then for n = 0 … N_max: prepare(n) (checkpoints of budget
// n, X_j); at n = N_max stop; Y_j = A_j X_j (one strided-batched GEMM over
// j); Z_j = A_j S (one GEMM per j) while some run is still in a round;
// noise(n) when σ ≠ 0; update(n); and when some run's round ends at n:
// validation residual(n), ∇f_v = A_v Xv (a GEMM), round end(n). The host
// knows every run's T, so it skips the GEMMs nobody needs (Z after the last
// round of every run, ∇f_v when no round ends); the kernels decide per run
// (StepPosition) what their block does.
//
// An engine provides
//   kernel(GemmKernel, const GemmLaunch&, const GemmArgs<Scalar>&, n)
//   gemm_at(m, cols, A, sA, B, sB, C, sC, batch)
//       C_b = A_b · B_b for b < batch (column-major, m×m times m×cols; the
//       stored A_b is row-major, i.e. A_bᵀ column-major, hence "at"; sA, sB,
//       sC the batch strides in elements)
// on device memory (quadratic_dense_gemm.cu: launch_kernel, cuBLAS) or host
// memory (HostGemmEngine below: replay_grid, and the reference GEMM: each
// C(i, c) an ordered_dot over l ascending from +0, the reference's order, so
// the replay's Ĝ and ∇f_v are bitwise the reference's).
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <set>
#include <vector>

#include "block_exec.hpp"
#include "horizon/config.hpp"
#include "horizon/problem.hpp"
#include "horizon/result.hpp"
#include "horizon/run_clock.hpp"
#include "horizon/sensitivity_step.hpp"
#include "quadratic_dense_gemm_body.hpp"

namespace horizon {
namespace cuda {

enum class GemmKernel { init, prepare, noise, update, validation_residual, round_end };

struct GemmLaunch {
  int grid = 0, threads = 0;
  std::size_t shared_bytes = 0;
};

// Launch shapes, one block per run: the coordinate kernels take ⌈d/32⌉·32
// threads (32 … 256), the noise kernel one thread per Philox call (32 …
// 256); the update stages w (K scalars), the round end keeps group_sum's
// scratch (threads/32 values, Scalar or int).
struct GemmPlan {
  GemmLaunch rows, noise, update, round_end;
};

inline int gemm_block_threads(long long work) {
  return static_cast<int>(std::min<long long>(256, std::max<long long>(32, (work + 31) / 32 * 32)));
}

template <class Scalar>
GemmPlan gemm_plan(int d, int K, int runs) {
  GemmPlan p;
  const int rows = gemm_block_threads(d);
  p.rows = {runs, rows, 0};
  p.noise = {runs, gemm_block_threads(noise_quads(K, d)), 0};
  p.update = {runs, rows, static_cast<std::size_t>(K) * sizeof(Scalar)};
  p.round_end = {runs, rows, static_cast<std::size_t>(rows / kWarp) * std::max(sizeof(Scalar), sizeof(int))};
  return p;
}

// What the host knows of the runs' schedule (StepPosition per distinct T).
class GemmSchedule {
 public:
  GemmSchedule(const std::int64_t* T, int runs, std::int64_t n_max) : horizons_(T, T + runs), n_max_(n_max) {}
  // Some run takes step n inside a round (its S advances).
  bool some_in_round(std::int64_t n) const {
    return std::any_of(horizons_.begin(), horizons_.end(),
                       [&](std::int64_t t) { return StepPosition(t, n_max_, n).in_round(); });
  }
  // Some run's round ends after step n.
  bool some_round_ends(std::int64_t n) const {
    return std::any_of(horizons_.begin(), horizons_.end(),
                       [&](std::int64_t t) { return StepPosition(t, n_max_, n).round_ends(); });
  }

 private:
  std::set<std::int64_t> horizons_;
  std::int64_t n_max_;
};

// The step loop above. `A`: the batch's state in the engine's memory;
// `Amat`, `Av`: the problem's A_j (K×d×d) and A_v (d×d), row-major, there too.
template <class Scalar, class Engine>
void drive_dense_gemm(Engine& engine, const GemmArgs<Scalar>& A, const Scalar* Amat, const Scalar* Av,
                      const GemmSchedule& schedule, const GemmPlan& plan) {
  const int d = A.d, K = A.K, runs = A.runs;
  const long long dd = static_cast<long long>(d) * d, xstride = static_cast<long long>(d) * runs;
  const long long zstride = xstride * K;
  engine.kernel(GemmKernel::init, plan.rows, A, 0);
  for (std::int64_t n = 0;; ++n) {
    engine.kernel(GemmKernel::prepare, plan.rows, A, n);
    if (n == A.n_max) break;
    engine.gemm_at(d, runs, Amat, dd, A.X, xstride, A.Y, xstride, K);
    if (schedule.some_in_round(n))
      for (int j = 0; j < K; ++j) engine.gemm_at(d, runs * K, Amat + j * dd, 0, A.S, 0, A.Z + j * zstride, 0, 1);
    if (A.cfg.noise_sigma != 0) engine.kernel(GemmKernel::noise, plan.noise, A, n);
    engine.kernel(GemmKernel::update, plan.update, A, n);
    if (schedule.some_round_ends(n)) {
      engine.kernel(GemmKernel::validation_residual, plan.rows, A, n);
      engine.gemm_at(d, runs, Av, 0, A.Xv, 0, A.Yv, 0, 1);
      engine.kernel(GemmKernel::round_end, plan.round_end, A, n);
    }
  }
}

// Element counts of a batch's buffers, and the bytes one run needs.
struct GemmSizes {
  std::size_t theta, S, wK, X, Z, slots, out_theta, out_w;
  GemmSizes(int d, int K, int C, int runs) {
    const std::size_t D = d, k = K, R = runs;
    theta = R * D;
    S = R * k * D;
    wK = R * k;
    X = k * D * R;
    Z = k * D * R * k;
    slots = R * C;
    out_theta = slots * D;
    out_w = slots * k;
  }
  template <class Scalar>
  static std::size_t bytes_per_run(int d, int K, int C) {
    const GemmSizes s(d, K, C, 1);
    const std::size_t scalars = s.theta + s.S + 3 * s.wK + 2 * s.X + s.Z + 2 * s.theta + s.out_theta + s.out_w;
    return scalars * sizeof(Scalar) + (s.slots + 1) * sizeof(int) + sizeof(std::int64_t) + sizeof(std::uint64_t);
  }
};

// The per-batch state and GEMM operands of the path, in any container with
// data(): DeviceBuffer on the device, std::vector in the replay. bind()
// points the arguments at them.
template <template <class...> class Buffer, class Scalar>
struct GemmWorkspace {
  Buffer<Scalar> theta, S, w, h, ws, X, Y, Z, Xv, Yv;
  Buffer<int> stopped;

  void bind(GemmArgs<Scalar>& A) {
    A.theta = theta.data();
    A.S = S.data();
    A.w = w.data();
    A.h = h.data();
    A.ws = ws.data();
    A.stopped = stopped.data();
    A.X = X.data();
    A.Y = Y.data();
    A.Z = Z.data();
    A.Xv = Xv.data();
    A.Yv = Yv.data();
  }
};

// The arguments' sizes and settings (the pointers are the caller's).
template <class Scalar>
GemmArgs<Scalar> gemm_args(int d, int K, int C, int runs, std::int64_t n_max, const AlgorithmConfig& cfg) {
  GemmArgs<Scalar> A;
  A.d = d;
  A.K = K;
  A.C = C;
  A.runs = runs;
  A.n_max = n_max;
  A.cfg = cfg;
  return A;
}

// The problem in the path's layout: A_j row-major one after another, c_j.
struct GemmProblemData {
  std::vector<double> A, c;  // K×d×d, K×d
  explicit GemmProblemData(const QuadraticProblem& p) {
    for (int j = 0; j < p.K; ++j) {
      A.insert(A.end(), p.domains[j].A.begin(), p.domains[j].A.end());
      c.insert(c.end(), p.domains[j].c.begin(), p.domains[j].c.end());
    }
  }
};

// The CPU engine: each kernel replayed block by block, the GEMMs as the
// reference's loops.
template <class Scalar>
struct HostGemmEngine {
  void kernel(GemmKernel k, const GemmLaunch& L, const GemmArgs<Scalar>& A, std::int64_t n) {
    switch (k) {
      case GemmKernel::init:
        replay_grid<GemmNoState>(L.grid, L.threads, L.shared_bytes, [&](auto& blk) { gemm_init_body(blk, A); });
        return;
      case GemmKernel::prepare:
        replay_grid<GemmNoState>(L.grid, L.threads, L.shared_bytes, [&](auto& blk) { gemm_prepare_body(blk, A, n); });
        return;
      case GemmKernel::noise:
        replay_grid<GemmNoState>(L.grid, L.threads, L.shared_bytes, [&](auto& blk) { gemm_noise_body(blk, A, n); });
        return;
      case GemmKernel::update:
        replay_grid<GemmNoState>(L.grid, L.threads, L.shared_bytes, [&](auto& blk) { gemm_update_body(blk, A, n); });
        return;
      case GemmKernel::validation_residual:
        replay_grid<GemmNoState>(L.grid, L.threads, L.shared_bytes,
                                 [&](auto& blk) { gemm_validation_residual_body(blk, A, n); });
        return;
      case GemmKernel::round_end:
        replay_grid<GemmRoundEndState<Scalar>>(L.grid, L.threads, L.shared_bytes,
                                               [&](auto& blk) { gemm_round_end_body(blk, A, n); });
        return;
    }
  }
  void gemm_at(int m, int cols, const Scalar* A, long long sA, const Scalar* B, long long sB, Scalar* C, long long sC,
               int batch) {
    for (int b = 0; b < batch; ++b)
      for (int col = 0; col < cols; ++col)
        for (int i = 0; i < m; ++i) {
          const Scalar* row = A + b * sA + static_cast<long long>(i) * m;  // A_b(i, ·)
          const Scalar* x = B + b * sB + static_cast<long long>(col) * m;
          C[b * sC + static_cast<long long>(col) * m + i] =
              ordered_dot<Scalar>(m, [&](int l) { return row[l]; }, [&](int l) { return x[l]; });
        }
  }
};

// θ, w and the reached flags of a replayed batch (layout of BatchOutput).
template <class Scalar>
struct GemmReplayOutput {
  std::vector<Scalar> theta, w;
  std::vector<int> reached;
};

// A batch run on the CPU through the same driver, plan and bodies as
// DenseGemmSolver::run_batch. `budgets` ascending, ≥ 1.
template <class Scalar>
GemmReplayOutput<Scalar> replay_dense_gemm(const QuadraticProblem& p, const AlgorithmConfig& cfg,
                                           const std::vector<std::int64_t>& budgets, const RunSpec* specs, int runs) {
  auto cast = [](const std::vector<double>& v) { return std::vector<Scalar>(v.begin(), v.end()); };
  const GemmProblemData data(p);
  const int d = p.d, K = p.K, C = static_cast<int>(budgets.size());
  const GemmSizes n(d, K, C, runs);
  const std::vector<Scalar> Amat = cast(data.A), Av = cast(p.validation.A), c = cast(data.c),
                            cv = cast(p.validation.c), theta0 = cast(p.theta0), w0 = cast(p.w0);
  std::vector<std::int64_t> T(runs);
  std::vector<std::uint64_t> seed(runs);
  for (int r = 0; r < runs; ++r) {
    T[r] = specs[r].T;
    seed[r] = specs[r].seed;
  }
  // Filled with garbage, so a value read before any kernel wrote it shows:
  // NaN, except Z, whose non-finite entries gemm_hs repairs by design (a
  // stale Z must change the result, so it holds a finite wrong value).
  const Scalar poison = Scalar(0) / Scalar(0), stale = Scalar(7);
  using Host = std::vector<Scalar>;
  GemmWorkspace<std::vector, Scalar> work{Host(n.theta, poison), Host(n.S, poison), Host(n.wK, poison),
                                          Host(n.wK, poison),    Host(n.wK, poison), Host(n.X, poison),
                                          Host(n.X, poison),     Host(n.Z, stale),   Host(n.theta, poison),
                                          Host(n.theta, poison), std::vector<int>(runs, -1)};
  GemmReplayOutput<Scalar> out{Host(n.out_theta, poison), Host(n.out_w, poison), std::vector<int>(n.slots, 0)};
  GemmArgs<Scalar> A = gemm_args<Scalar>(d, K, C, runs, budgets.back(), cfg);
  A.A = Amat.data();
  A.c = c.data();
  A.cv = cv.data();
  A.theta0 = theta0.data();
  A.w0 = w0.data();
  A.T = T.data();
  A.seed = seed.data();
  A.budgets = budgets.data();
  work.bind(A);
  A.out_theta = out.theta.data();
  A.out_w = out.w.data();
  A.out_reached = out.reached.data();
  HostGemmEngine<Scalar> engine;
  drive_dense_gemm(engine, A, Amat.data(), Av.data(), GemmSchedule(T.data(), runs, A.n_max),
                   gemm_plan<Scalar>(d, K, runs));
  return out;
}

}  // namespace cuda
}  // namespace horizon
