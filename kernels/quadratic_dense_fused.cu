// Dense quadratic trajectories on the GPU, fused path (twin: host/reference/quadratic_dense.cpp).
//
// dense-fused — one launch per batch; a block owns a tile of R runs and keeps
//   for all N steps, in shared memory, every A_jᵀ and per run H_wᵀ, S (two
//   buffers), Ĝ, the residuals θ − c_j and the noise. The body — the math,
//   the phases, the shared layout and the choice of R and of the threads —
//   is kernels/quadratic_dense_fused_body.hpp, which the KernelReplay tests
//   replay on the CPU; this file holds the __global__ wrapper (a DeviceBlock
//   over the dynamic shared memory, kernels/block_exec.hpp) and the host
//   solver: uploads, launch (kernels/launch.hpp), download.
#include <cuda_runtime.h>

#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "block_exec.hpp"
#include "cuda_check.hpp"
#include "device_buffer.hpp"
#include "launch.hpp"
#include "quadratic_dense_fused_body.hpp"
#include "quadratic_dense_host.hpp"
#include "quadratic_kernels.hpp"
#include "trajectory_device.cuh"

namespace horizon {
namespace cuda {
namespace {

// __grid_constant__: the body takes the arguments by reference; they stay in
// the kernel's parameter space instead of being copied per thread.
template <class Scalar>
__global__ void __launch_bounds__(kDenseFusedMaxThreads)
    quadratic_dense_fused_kernel(const __grid_constant__ DenseArgs<Scalar> A) {
  extern __shared__ __align__(16) unsigned char smem[];
  DeviceBlock<DenseFusedState<Scalar>> blk(smem);
  dense_fused_body<Scalar>(blk, A);
}

// Static shared memory of the kernel (none since the body keeps everything
// in the dynamic layout; counted anyway, so that the rule stays true).
template <class Scalar>
std::size_t dense_fused_static_smem() {
  return static_shared_bytes(reinterpret_cast<const void*>(quadratic_dense_fused_kernel<Scalar>));
}

// The dynamic shared memory a block may use: the opt-in limit less the static part.
template <class Scalar>
std::size_t dense_fused_shared_budget(const DeviceContext& ctx) {
  const std::size_t fixed = dense_fused_static_smem<Scalar>();
  return ctx.shared_optin > fixed ? ctx.shared_optin - fixed : 0;
}

template <class Scalar>
class DenseFusedSolver final : public TrajectorySolver {
 public:
  DenseFusedSolver(const QuadraticProblem& p, const AlgorithmConfig& cfg, const std::vector<std::int64_t>& budgets,
                   const DeviceContext& ctx)
      : ctx_(ctx), cfg_(cfg), d_(p.d), K_(p.K), C_(static_cast<int>(budgets.size())), n_max_(budgets.back()) {
    const DenseHostProblem host(p);
    At_ = DeviceBuffer<Scalar>(to_scalar<Scalar>(host.At), ctx.stream);
    Avt_ = DeviceBuffer<Scalar>(to_scalar<Scalar>(host.Avt), ctx.stream);
    c_ = DeviceBuffer<Scalar>(to_scalar<Scalar>(host.c), ctx.stream);
    cv_ = DeviceBuffer<Scalar>(to_scalar<Scalar>(p.validation.c), ctx.stream);
    theta0_ = DeviceBuffer<Scalar>(to_scalar<Scalar>(p.theta0), ctx.stream);
    w0_ = DeviceBuffer<Scalar>(to_scalar<Scalar>(p.w0), ctx.stream);
    budgets_ = DeviceBuffer<std::int64_t>(budgets, ctx.stream);
  }

  std::string path() const override { return "dense-fused"; }
  std::size_t bytes_per_run() const override {
    return static_cast<std::size_t>(C_) * ((d_ + K_) * sizeof(Scalar) + sizeof(int)) + 16;
  }

  BatchOutput run_batch(const RunSpec* specs, int runs) override {
    const DenseLaunchShape shape =
        dense_fused_launch_shape<Scalar>(d_, K_, runs, ctx_.multiprocessors, dense_fused_shared_budget<Scalar>(ctx_));
    if (!shape.fits)
      throw std::runtime_error("dense-fused path: d = " + std::to_string(d_) + ", K = " + std::to_string(K_) +
                               " needs " + std::to_string(shape.shared_bytes) +
                               " bytes of shared memory per block, the device allows " +
                               std::to_string(dense_fused_shared_budget<Scalar>(ctx_)));

    std::vector<std::int64_t> T(runs);
    std::vector<std::uint64_t> seed(runs);
    for (int r = 0; r < runs; ++r) {
      T[r] = specs[r].T;
      seed[r] = specs[r].seed;
    }
    DeviceBuffer<std::int64_t> T_dev(T, ctx_.stream);
    DeviceBuffer<std::uint64_t> seed_dev(seed, ctx_.stream);
    const std::size_t slots = static_cast<std::size_t>(runs) * C_;
    DeviceBuffer<Scalar> out_theta(slots * d_), out_w(slots * K_);
    DeviceBuffer<int> out_reached(slots);
    out_reached.zero(ctx_.stream);

    DenseArgs<Scalar> A;
    A.L = shape.layout;
    A.d = d_;
    A.K = K_;
    A.C = C_;
    A.runs = runs;
    A.n_max = n_max_;
    A.At = At_.data();
    A.c = c_.data();
    A.Avt = Avt_.data();
    A.cv = cv_.data();
    A.theta0 = theta0_.data();
    A.w0 = w0_.data();
    A.T = T_dev.data();
    A.seed = seed_dev.data();
    A.budgets = budgets_.data();
    A.cfg = cfg_;
    A.out_theta = out_theta.data();
    A.out_w = out_w.data();
    A.out_reached = out_reached.data();

    launch_kernel("quadratic_dense_fused_kernel", quadratic_dense_fused_kernel<Scalar>,
                  dim3(static_cast<unsigned>(shape.grid)), dim3(static_cast<unsigned>(shape.threads)),
                  shape.shared_bytes, ctx_.stream, A);
    return download_output(runs, C_, d_, K_, out_theta, out_w, out_reached, ctx_.stream);
  }

 private:
  DeviceContext ctx_;
  AlgorithmConfig cfg_;
  int d_, K_, C_;
  std::int64_t n_max_;
  DeviceBuffer<Scalar> At_, Avt_, c_, cv_, theta0_, w0_;
  DeviceBuffer<std::int64_t> budgets_;
};

}  // namespace

// One run per block must fit (quadratic_kernels.hpp): the same shape rule as
// run_batch, with the same budget.
template <class Scalar>
bool dense_fused_fits(int d, int K, const DeviceContext& ctx) {
  return dense_fused_launch_shape<Scalar>(d, K, 1, 1, dense_fused_shared_budget<Scalar>(ctx)).fits;
}

template <class Scalar>
std::unique_ptr<TrajectorySolver> make_dense_fused_solver(const QuadraticProblem& p, const AlgorithmConfig& cfg,
                                                          const std::vector<std::int64_t>& budgets,
                                                          const DeviceContext& ctx) {
  return std::make_unique<DenseFusedSolver<Scalar>>(p, cfg, budgets, ctx);
}

template bool dense_fused_fits<double>(int, int, const DeviceContext&);
template bool dense_fused_fits<float>(int, int, const DeviceContext&);
template std::unique_ptr<TrajectorySolver> make_dense_fused_solver<double>(const QuadraticProblem&,
                                                                           const AlgorithmConfig&,
                                                                           const std::vector<std::int64_t>&,
                                                                           const DeviceContext&);
template std::unique_ptr<TrajectorySolver> make_dense_fused_solver<float>(const QuadraticProblem&,
                                                                          const AlgorithmConfig&,
                                                                          const std::vector<std::int64_t>&,
                                                                          const DeviceContext&);

}  // namespace cuda
}  // namespace horizon
