// Dense quadratic trajectories on the GPU, GEMM path (twin: host/reference/quadratic_dense.cpp).
//
// dense-gemm — for d too large for shared memory. All runs share the A_j,
//   so per step, for every domain j, the per-run GEMVs become GEMMs through
//   cuBLAS (docs/algorithm.md §7):
//     Y_j = A_j · [θ_1 − c_j … θ_runs − c_j]          (d × runs, one strided-batched call)
//     Z_j = A_j · [S_1 … S_runs]                       (d × runs·K, one call per j)
//   and a mixing kernel forms, per run, Ĝ_j = Y_j + σξ and
//   H_w S = Σ_j w_j Z_j, then updates S and θ. At round ends one more GEMM
//   gives ∇f_v = A_v [θ_r − c_v]_r and a block-per-run kernel forms h (a
//   block reduction) and updates w. This does 2K·d²·runs·(K+1) flops per
//   step against the model's 4K·d²·runs (H_w S re-associated as
//   Σ_j w_j (A_j S), which needs no per-run d×d matrix and keeps everything
//   a large shared-operand GEMM), and changes only the rounding order — up
//   to overflow, where the entry falls back to the reference's association
//   (quadratic_dense_gemm_body.hpp explains which divergence behaviour is
//   kept and why).
//
// The kernels' bodies and the host step loop are in
// quadratic_dense_gemm_body.hpp and quadratic_dense_gemm_driver.hpp (the
// KernelReplay tests run both on the CPU); this file holds the __global__
// wrappers, the device engine (launch_kernel, cuBLAS) and the solver
// (uploads, buffers, download). The cuBLAS handle is created on the first
// use of this path (DeviceContext::blas), so the other paths never load
// libcublas.
#include <cublas_v2.h>
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
#include "quadratic_dense_gemm_body.hpp"
#include "quadratic_dense_gemm_driver.hpp"
#include "quadratic_kernels.hpp"

namespace horizon {
namespace cuda {
namespace {

template <class Scalar>
__global__ void gemm_init_kernel(const GemmArgs<Scalar> A) {
  extern __shared__ __align__(16) unsigned char smem[];
  DeviceBlock<GemmNoState> blk(smem);
  gemm_init_body(blk, A);
}
template <class Scalar>
__global__ void gemm_prepare_kernel(const GemmArgs<Scalar> A, std::int64_t n) {
  extern __shared__ __align__(16) unsigned char smem[];
  DeviceBlock<GemmNoState> blk(smem);
  gemm_prepare_body(blk, A, n);
}
template <class Scalar>
__global__ void gemm_noise_kernel(const GemmArgs<Scalar> A, std::int64_t n) {
  extern __shared__ __align__(16) unsigned char smem[];
  DeviceBlock<GemmNoState> blk(smem);
  gemm_noise_body(blk, A, n);
}
template <class Scalar>
__global__ void gemm_update_kernel(const GemmArgs<Scalar> A, std::int64_t n) {
  extern __shared__ __align__(16) unsigned char smem[];
  DeviceBlock<GemmNoState> blk(smem);
  gemm_update_body(blk, A, n);
}
template <class Scalar>
__global__ void gemm_validation_residual_kernel(const GemmArgs<Scalar> A, std::int64_t n) {
  extern __shared__ __align__(16) unsigned char smem[];
  DeviceBlock<GemmNoState> blk(smem);
  gemm_validation_residual_body(blk, A, n);
}
template <class Scalar>
__global__ void gemm_round_end_kernel(const GemmArgs<Scalar> A, std::int64_t n) {
  extern __shared__ __align__(16) unsigned char smem[];
  DeviceBlock<GemmRoundEndState<Scalar>> blk(smem);
  gemm_round_end_body(blk, A, n);
}

// Column-major views for cuBLAS: a row-major d×d A_j is A_jᵀ column-major, so
// every product is op(A) = Aᵀ of the stored buffer, i.e. A_j itself.
void gemm_at(cublasHandle_t h, int m, int n, const double* A, long long sA, const double* B, long long sB, double* C,
             long long sC, int batch) {
  const double one = 1, zero = 0;
  if (batch == 1)
    CUBLAS_CHECK(cublas().dgemm(h, CUBLAS_OP_T, CUBLAS_OP_N, m, n, m, &one, A, m, B, m, &zero, C, m));
  else
    CUBLAS_CHECK(cublas().dgemm_strided_batched(h, CUBLAS_OP_T, CUBLAS_OP_N, m, n, m, &one, A, m, sA, B, m, sB, &zero,
                                                C, m, sC, batch));
}
void gemm_at(cublasHandle_t h, int m, int n, const float* A, long long sA, const float* B, long long sB, float* C,
             long long sC, int batch) {
  const float one = 1, zero = 0;
  if (batch == 1)
    CUBLAS_CHECK(cublas().sgemm(h, CUBLAS_OP_T, CUBLAS_OP_N, m, n, m, &one, A, m, B, m, &zero, C, m));
  else
    CUBLAS_CHECK(cublas().sgemm_strided_batched(h, CUBLAS_OP_T, CUBLAS_OP_N, m, n, m, &one, A, m, sA, B, m, sB, &zero,
                                                C, m, sC, batch));
}

// The driver's engine on the device (quadratic_dense_gemm_driver.hpp).
template <class Scalar>
class DeviceGemmEngine {
 public:
  DeviceGemmEngine(cudaStream_t stream, cublasHandle_t blas) : stream_(stream), blas_(blas) {}

  void kernel(GemmKernel k, const GemmLaunch& L, const GemmArgs<Scalar>& A, std::int64_t n) {
    const dim3 grid(static_cast<unsigned>(L.grid)), block(static_cast<unsigned>(L.threads));
    const std::size_t smem = L.shared_bytes;
    switch (k) {
      case GemmKernel::init:
        launch_kernel("gemm_init_kernel", gemm_init_kernel<Scalar>, grid, block, smem, stream_, A);
        return;
      case GemmKernel::prepare:
        launch_kernel("gemm_prepare_kernel", gemm_prepare_kernel<Scalar>, grid, block, smem, stream_, A, n);
        return;
      case GemmKernel::noise:
        launch_kernel("gemm_noise_kernel", gemm_noise_kernel<Scalar>, grid, block, smem, stream_, A, n);
        return;
      case GemmKernel::update:
        launch_kernel("gemm_update_kernel", gemm_update_kernel<Scalar>, grid, block, smem, stream_, A, n);
        return;
      case GemmKernel::validation_residual:
        launch_kernel("gemm_validation_residual_kernel", gemm_validation_residual_kernel<Scalar>, grid, block, smem,
                      stream_, A, n);
        return;
      case GemmKernel::round_end:
        launch_kernel("gemm_round_end_kernel", gemm_round_end_kernel<Scalar>, grid, block, smem, stream_, A, n);
        return;
    }
  }
  void gemm_at(int m, int cols, const Scalar* A, long long sA, const Scalar* B, long long sB, Scalar* C, long long sC,
               int batch) {
    cuda::gemm_at(blas_, m, cols, A, sA, B, sB, C, sC, batch);
  }

 private:
  cudaStream_t stream_;
  cublasHandle_t blas_;
};

template <class Scalar>
class DenseGemmSolver final : public TrajectorySolver {
 public:
  DenseGemmSolver(const QuadraticProblem& p, const AlgorithmConfig& cfg, const std::vector<std::int64_t>& budgets,
                  const DeviceContext& ctx)
      : ctx_(ctx), cfg_(cfg), d_(p.d), K_(p.K), C_(static_cast<int>(budgets.size())), n_max_(budgets.back()) {
    if (!ctx.blas) throw std::runtime_error("dense-gemm: the DeviceContext has no cuBLAS handle (DeviceContext::blas)");
    blas_ = ctx.blas->get();  // the first use: loads libcublas and creates the handle
    const GemmProblemData data(p);
    A_ = DeviceBuffer<Scalar>(to_scalar<Scalar>(data.A), ctx.stream);
    Av_ = DeviceBuffer<Scalar>(to_scalar<Scalar>(p.validation.A), ctx.stream);
    c_ = DeviceBuffer<Scalar>(to_scalar<Scalar>(data.c), ctx.stream);
    cv_ = DeviceBuffer<Scalar>(to_scalar<Scalar>(p.validation.c), ctx.stream);
    theta0_ = DeviceBuffer<Scalar>(to_scalar<Scalar>(p.theta0), ctx.stream);
    w0_ = DeviceBuffer<Scalar>(to_scalar<Scalar>(p.w0), ctx.stream);
    budgets_ = DeviceBuffer<std::int64_t>(budgets, ctx.stream);
  }

  std::string path() const override { return "dense-gemm"; }

  std::size_t bytes_per_run() const override { return GemmSizes::bytes_per_run<Scalar>(d_, K_, C_); }

  BatchOutput run_batch(const RunSpec* specs, int runs) override {
    const GemmSizes n(d_, K_, C_, runs);
    const BatchRuns batch(specs, runs, ctx_.stream);
    BatchCheckpoints<Scalar> out(runs, C_, d_, K_, ctx_.stream);
    GemmWorkspace<DeviceBuffer, Scalar> work{DeviceBuffer<Scalar>(n.theta), DeviceBuffer<Scalar>(n.S),
                                             DeviceBuffer<Scalar>(n.wK),    DeviceBuffer<Scalar>(n.wK),
                                             DeviceBuffer<Scalar>(n.wK),    DeviceBuffer<Scalar>(n.X),
                                             DeviceBuffer<Scalar>(n.X),     DeviceBuffer<Scalar>(n.Z),
                                             DeviceBuffer<Scalar>(n.theta), DeviceBuffer<Scalar>(n.theta),
                                             DeviceBuffer<int>(runs)};
    GemmArgs<Scalar> A = gemm_args<Scalar>(d_, K_, C_, runs, n_max_, cfg_);
    A.A = A_.data();
    A.c = c_.data();
    A.cv = cv_.data();
    A.theta0 = theta0_.data();
    A.w0 = w0_.data();
    A.T = batch.T_dev.data();
    A.seed = batch.seed_dev.data();
    A.budgets = budgets_.data();
    work.bind(A);
    A.out_theta = out.theta.data();
    A.out_w = out.w.data();
    A.out_reached = out.reached.data();

    DeviceGemmEngine<Scalar> engine(ctx_.stream, blas_);
    drive_dense_gemm(engine, A, A_.data(), Av_.data(), GemmSchedule(batch.T.data(), runs, n_max_),
                     gemm_plan<Scalar>(d_, K_, runs));
    return out.download(ctx_.stream);
  }

 private:
  DeviceContext ctx_;
  AlgorithmConfig cfg_;
  int d_, K_, C_;
  std::int64_t n_max_;
  cublasHandle_t blas_ = nullptr;
  DeviceBuffer<Scalar> A_, Av_, c_, cv_, theta0_, w0_;
  DeviceBuffer<std::int64_t> budgets_;
};

}  // namespace

template <class Scalar>
std::unique_ptr<TrajectorySolver> make_dense_gemm_solver(const QuadraticProblem& p, const AlgorithmConfig& cfg,
                                                         const std::vector<std::int64_t>& budgets,
                                                         const DeviceContext& ctx) {
  return std::make_unique<DenseGemmSolver<Scalar>>(p, cfg, budgets, ctx);
}

template std::unique_ptr<TrajectorySolver> make_dense_gemm_solver<double>(const QuadraticProblem&,
                                                                          const AlgorithmConfig&,
                                                                          const std::vector<std::int64_t>&,
                                                                          const DeviceContext&);
template std::unique_ptr<TrajectorySolver> make_dense_gemm_solver<float>(const QuadraticProblem&,
                                                                         const AlgorithmConfig&,
                                                                         const std::vector<std::int64_t>&,
                                                                         const DeviceContext&);

}  // namespace cuda
}  // namespace horizon
