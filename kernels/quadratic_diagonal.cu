// Diagonal quadratic trajectories on the GPU (twin: host/reference/quadratic_diagonal.cpp).
//
// The kernel is quadratic_diagonal_body.hpp's diagonal_body (the math, the
// thread layout and the per-step phases are described there) over a
// DeviceBlock (block_exec.hpp); its arguments, launch shape, shared memory
// and per-thread state are quadratic_diagonal_layout.hpp's, which the host
// replay (tests/kernel_replay_diagonal_test.cpp) uses too. Two variants of
// the one body:
//   KMAX ∈ {1, 2, 4, 8} (K ≤ KMAX, d ≤ 512): θ, (H_w)_ii, S_i·, a_·i, c_·i
//     and w in registers for all N steps (loops over j unrolled to KMAX with
//     a j < K guard, so the arrays are never indexed dynamically); a_j, c_j
//     read from global memory once, by the thread owning the coordinate; the
//     step's noise in shared memory.
//   KMAX = 0 (K > 8 or d > 512): the same code with the run's state and its
//     noise buffers in a global scratch area (L1/L2 resident, coalesced over
//     pairs), a, c read through the cache, several pairs per thread. Slower,
//     fully general.
// This file: the __global__ wrapper and the host side (uploads, launch).
#include <cuda_runtime.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "block_exec.hpp"
#include "batch_io.hpp"
#include "device_buffer.hpp"
#include "launch.hpp"
#include "quadratic_diagonal_body.hpp"
#include "quadratic_kernels.hpp"

namespace horizon {
namespace cuda {
namespace {

template <class Scalar, int KMAX>
__global__ void __launch_bounds__(kDiagonalMaxGroup) quadratic_diagonal_kernel(const DiagonalArgs<Scalar> A) {
  extern __shared__ __align__(16) unsigned char smem[];
  DeviceBlock<DiagonalState<Scalar, KMAX>> blk(smem);
  diagonal_body<Scalar, KMAX>(blk, A);
}

template <class Scalar>
class DiagonalSolver final : public TrajectorySolver {
 public:
  DiagonalSolver(const QuadraticProblem& p, const AlgorithmConfig& cfg, const std::vector<std::int64_t>& budgets,
                 const DeviceContext& ctx)
      : ctx_(ctx), cfg_(cfg), budgets_host_(budgets), d_(p.d), K_(p.K), C_(static_cast<int>(budgets.size())) {
    const DiagonalArrays arrays = diagonal_arrays(p);
    a_ = DeviceBuffer<Scalar>(to_scalar<Scalar>(arrays.a), ctx.stream);
    c_ = DeviceBuffer<Scalar>(to_scalar<Scalar>(arrays.c), ctx.stream);
    av_ = DeviceBuffer<Scalar>(to_scalar<Scalar>(arrays.av), ctx.stream);
    cv_ = DeviceBuffer<Scalar>(to_scalar<Scalar>(arrays.cv), ctx.stream);
    theta0_ = DeviceBuffer<Scalar>(to_scalar<Scalar>(arrays.theta0), ctx.stream);
    w0_ = DeviceBuffer<Scalar>(to_scalar<Scalar>(p.w0), ctx.stream);
    budgets_ = DeviceBuffer<std::int64_t>(budgets, ctx.stream);
    // The variant and the group do not depend on the number of runs.
    const DiagonalShape shape = diagonal_launch_shape(d_, K_, 1, ctx.multiprocessors);
    kmax_ = shape.kmax;
    group_ = shape.group;
  }

  std::string path() const override { return kmax_ > 0 ? "diagonal-fused" : "diagonal-fused (state in global memory)"; }

  std::size_t bytes_per_run() const override {
    std::size_t scalars = static_cast<std::size_t>(C_) * (d_ + K_);  // outputs
    if (kmax_ == 0) scalars += diagonal_state_scalars(d_, K_) + 3 * static_cast<std::size_t>(K_) * group_;
    return scalars * sizeof(Scalar) + C_ * sizeof(int) + sizeof(std::int64_t) + sizeof(std::uint64_t);
  }

  BatchOutput run_batch(const RunSpec* specs, int runs) override {
    const BatchRuns batch(specs, runs, ctx_.stream);
    BatchCheckpoints<Scalar> out(runs, C_, d_, K_, ctx_.stream);

    const DiagonalShape shape = diagonal_launch_shape(d_, K_, runs, ctx_.multiprocessors);
    DeviceBuffer<Scalar> state, weights;
    if (shape.kmax == 0) {
      state = DeviceBuffer<Scalar>(static_cast<std::size_t>(runs) * diagonal_state_scalars(d_, K_));
      weights = DeviceBuffer<Scalar>(diagonal_weight_scalars(shape, K_));
    }

    DiagonalArgs<Scalar> A = diagonal_args<Scalar>(d_, K_, runs, budgets_host_, cfg_, shape);
    A.a = a_.data();
    A.c = c_.data();
    A.av = av_.data();
    A.cv = cv_.data();
    A.theta0 = theta0_.data();
    A.w0 = w0_.data();
    A.T = batch.T_dev.data();
    A.seed = batch.seed_dev.data();
    A.budgets = budgets_.data();
    A.out_theta = out.theta.data();
    A.out_w = out.w.data();
    A.out_reached = out.reached.data();
    A.state = state.data();
    A.weights = weights.data();

    // Dynamic shared memory: reduction scratch, flags and (register
    // variant) the runs' noise buffers, ≤ 2·8·512 doubles = 64 KiB for a
    // block-sized group: launch_kernel opts in past 48 KiB.
    const std::size_t smem = diagonal_shared_layout<Scalar>(shape, d_, K_, diagonal_noisy(cfg_)).bytes;
    const dim3 grid(static_cast<unsigned>(shape.grid)), block(static_cast<unsigned>(shape.block));
    with_diagonal_kmax(shape.kmax, [&](auto kmax) {
      launch_kernel("quadratic_diagonal_kernel", quadratic_diagonal_kernel<Scalar, decltype(kmax)::value>, grid, block,
                    smem, ctx_.stream, A);
    });

    return out.download(ctx_.stream);
  }

 private:
  DeviceContext ctx_;
  AlgorithmConfig cfg_;
  std::vector<std::int64_t> budgets_host_;
  int d_, K_, C_;
  int kmax_ = 0, group_ = 1;
  DeviceBuffer<Scalar> a_, c_, av_, cv_, theta0_, w0_;
  DeviceBuffer<std::int64_t> budgets_;
};

}  // namespace

template <class Scalar>
std::unique_ptr<TrajectorySolver> make_diagonal_solver(const QuadraticProblem& p, const AlgorithmConfig& cfg,
                                                       const std::vector<std::int64_t>& budgets,
                                                       const DeviceContext& ctx) {
  return std::make_unique<DiagonalSolver<Scalar>>(p, cfg, budgets, ctx);
}

template std::unique_ptr<TrajectorySolver> make_diagonal_solver<double>(const QuadraticProblem&,
                                                                        const AlgorithmConfig&,
                                                                        const std::vector<std::int64_t>&,
                                                                        const DeviceContext&);
template std::unique_ptr<TrajectorySolver> make_diagonal_solver<float>(const QuadraticProblem&,
                                                                       const AlgorithmConfig&,
                                                                       const std::vector<std::int64_t>&,
                                                                       const DeviceContext&);

}  // namespace cuda
}  // namespace horizon
