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
#include "batch_io.hpp"
#include "device_buffer.hpp"
#include "launch.hpp"
#include "quadratic_dense_fused_body.hpp"
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

// The dynamic shared memory a block may use: the opt-in limit less the static
// part, in whole units of launch_kernel's rounding (launch.hpp), so that a
// layout that fits still fits once rounded up.
template <class Scalar>
std::size_t dense_fused_shared_budget(const DeviceContext& ctx) {
  const std::size_t fixed = dense_fused_static_smem<Scalar>();
  return ctx.shared_optin > fixed ? (ctx.shared_optin - fixed) / kSharedUnit * kSharedUnit : 0;
}

// The problem in the kernel's layouts: A_j and A_v transposed (so the
// thread of output row i reads a contiguous column).
struct DenseHostProblem {
  std::vector<double> At;   // K×d×d, At[(j·d + l)·d + i] = A_j(i, l)
  std::vector<double> Avt;  // d×d transposed
  std::vector<double> c;    // K×d
  explicit DenseHostProblem(const QuadraticProblem& p) {
    const std::size_t d = p.d, dd = d * d;
    At.resize(p.K * dd);
    c.resize(p.K * d);
    for (int j = 0; j < p.K; ++j) {
      const std::vector<double>& Aj = p.domains[j].A;
      for (std::size_t i = 0; i < d; ++i)
        for (std::size_t l = 0; l < d; ++l) At[j * dd + l * d + i] = Aj[i * d + l];
      for (std::size_t i = 0; i < d; ++i) c[j * d + i] = p.domains[j].c[i];
    }
    const std::vector<double>& Av = p.validation.A;
    Avt.resize(dd);
    for (std::size_t i = 0; i < d; ++i)
      for (std::size_t l = 0; l < d; ++l) Avt[l * d + i] = Av[i * d + l];
  }
};

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

    const BatchRuns batch(specs, runs, ctx_.stream);
    BatchCheckpoints<Scalar> out(runs, C_, d_, K_, ctx_.stream);

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
    A.T = batch.T_dev.data();
    A.seed = batch.seed_dev.data();
    A.budgets = budgets_.data();
    A.cfg = cfg_;
    A.out_theta = out.theta.data();
    A.out_w = out.w.data();
    A.out_reached = out.reached.data();

    launch_kernel("quadratic_dense_fused_kernel", quadratic_dense_fused_kernel<Scalar>,
                  dim3(static_cast<unsigned>(shape.grid)), dim3(static_cast<unsigned>(shape.threads)),
                  shape.shared_bytes, ctx_.stream, A);
    return out.download(ctx_.stream);
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
