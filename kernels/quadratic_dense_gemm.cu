// Dense quadratic trajectories on the GPU, GEMM path (twin: host/reference/quadratic_dense.cpp).
//
// dense-gemm — for d too large for shared memory. All runs share the A_j,
//   so per step, for every domain j, the per-run GEMVs become GEMMs through
//   cuBLAS (DESIGN.md §7):
//     Y_j = A_j · [θ_1 − c_j … θ_runs − c_j]          (d × runs, one strided-batched call)
//     Z_j = A_j · [S_1 … S_runs]                       (d × runs·K, one call per j)
//   and a mixing kernel forms, per run, Ĝ_j = Y_j + σξ and
//   H_w S = Σ_j w_j Z_j, then updates S and θ. At round ends one more GEMM
//   gives ∇f_v = A_v [θ_r − c_v]_r and a block-per-run kernel
//   (cub::BlockReduce) forms h and updates w. This does 2K·d²·runs·(K+1)
//   flops per step against the model's 4K·d²·runs (H_w S re-associated as
//   Σ_j w_j (A_j S), which needs no per-run d×d matrix and keeps everything
//   a large shared-operand GEMM), and changes only the rounding order. The
//   host drives the step loop; the schedule is known on the host, so GEMMs
//   nobody needs (Z after the last round, ∇f_v when no round ends) are
//   skipped.
#include <cub/block/block_reduce.cuh>
#include <cublas_v2.h>
#include <cuda_runtime.h>

#include <algorithm>
#include <cstdint>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "cuda_check.hpp"
#include "device_buffer.hpp"
#include "horizon/rng.hpp"
#include "horizon/round_end.hpp"
#include "horizon/schedule.hpp"
#include "horizon/simplex.hpp"
#include "quadratic_dense_host.hpp"
#include "quadratic_kernels.hpp"
#include "trajectory_device.cuh"

namespace horizon {
namespace cuda {
namespace {

// Column-major views for cuBLAS: a row-major d×d A_j is A_jᵀ column-major, so
// every product below is op(A) = Aᵀ of the stored buffer, i.e. A_j itself.
void gemm_at(cublasHandle_t h, int m, int n, const double* A, const double* B, double* C) {
  const double one = 1, zero = 0;
  CUBLAS_CHECK(cublas().dgemm(h, CUBLAS_OP_T, CUBLAS_OP_N, m, n, m, &one, A, m, B, m, &zero, C, m));
}
void gemm_at(cublasHandle_t h, int m, int n, const float* A, const float* B, float* C) {
  const float one = 1, zero = 0;
  CUBLAS_CHECK(cublas().sgemm(h, CUBLAS_OP_T, CUBLAS_OP_N, m, n, m, &one, A, m, B, m, &zero, C, m));
}
void gemm_at_batched(cublasHandle_t h, int m, int n, const double* A, long long sA, const double* B, long long sB,
                     double* C, long long sC, int batch) {
  const double one = 1, zero = 0;
  CUBLAS_CHECK(cublas().dgemm_strided_batched(h, CUBLAS_OP_T, CUBLAS_OP_N, m, n, m, &one, A, m, sA, B, m, sB, &zero, C, m,
                                         sC, batch));
}
void gemm_at_batched(cublasHandle_t h, int m, int n, const float* A, long long sA, const float* B, long long sB,
                     float* C, long long sC, int batch) {
  const float one = 1, zero = 0;
  CUBLAS_CHECK(cublas().sgemm_strided_batched(h, CUBLAS_OP_T, CUBLAS_OP_N, m, n, m, &one, A, m, sA, B, m, sB, &zero, C, m,
                                         sC, batch));
}

template <class Scalar>
struct GemmArgs {
  int d = 0, K = 0, C = 0, runs = 0;
  std::int64_t n_max = 0;
  const Scalar* c = nullptr;   // K×d
  const Scalar* cv = nullptr;  // d
  const Scalar* theta0 = nullptr;
  const Scalar* w0 = nullptr;
  const std::int64_t* T = nullptr;
  const std::uint64_t* seed = nullptr;
  const std::int64_t* budgets = nullptr;
  AlgorithmConfig cfg;
  Scalar* theta = nullptr;  // runs×d, column r = θ_r
  Scalar* S = nullptr;      // runs×K×d, column r·K + j = S_r[:, j]
  Scalar* w = nullptr;      // runs×K
  Scalar* h = nullptr;      // runs×K
  Scalar* ws = nullptr;     // runs×K
  int* stopped = nullptr;   // runs
  Scalar* X = nullptr;      // K × d × runs: θ_r − c_j
  Scalar* Y = nullptr;      // K × d × runs: A_j X_j
  Scalar* Z = nullptr;      // K × d × runs·K: A_j S
  Scalar* Xv = nullptr;     // d × runs: θ_r − c_v
  Scalar* Yv = nullptr;     // d × runs: ∇f_v(θ_r)
  Scalar* out_theta = nullptr;
  Scalar* out_w = nullptr;
  int* out_reached = nullptr;
};

// Where run r stands at step n (the stateless form of RunClock).
struct StepPosition {
  std::int64_t T, rounds, k, t;
  __device__ StepPosition(std::int64_t horizon, std::int64_t n_max, std::int64_t n)
      : T(horizon), rounds(n_max / horizon), k(n / horizon), t(n % horizon) {}
  __device__ bool in_round() const { return k < rounds; }
  __device__ bool round_ends() const { return k < rounds && t == T - 1; }
};

// One block per run.
template <class Scalar>
__global__ void gemm_init_kernel(const GemmArgs<Scalar> A) {
  const int r = blockIdx.x;
  for (int i = threadIdx.x; i < A.d; i += blockDim.x) {
    A.theta[static_cast<std::size_t>(r) * A.d + i] = A.theta0[i];
    A.Xv[static_cast<std::size_t>(r) * A.d + i] = 0;
  }
  for (int j = threadIdx.x; j < A.K; j += blockDim.x) A.w[static_cast<std::size_t>(r) * A.K + j] = A.w0[j];
  if (threadIdx.x == 0) A.stopped[r] = 0;
}

// Start of step n: round start (S ← 0), checkpoints with N_c = n, and the
// GEMM operands X_j. One block per run.
template <class Scalar>
__global__ void gemm_prepare_kernel(const GemmArgs<Scalar> A, std::int64_t n) {
  const int r = blockIdx.x;
  if (A.stopped[r]) return;
  const StepPosition pos(A.T[r], A.n_max, n);
  const bool begin_round = pos.t == 0 && pos.in_round();
  const int emit_begin = budgets_at_most(A.budgets, A.C, n - 1), emit_end = budgets_at_most(A.budgets, A.C, n);
  const std::size_t d = A.d, runs = A.runs;
  const Scalar* theta = A.theta + r * d;
  for (int i = threadIdx.x; i < A.d; i += blockDim.x) {
    if (begin_round)
      for (int j = 0; j < A.K; ++j) A.S[(static_cast<std::size_t>(r) * A.K + j) * d + i] = 0;
    for (int c = emit_begin; c < emit_end; ++c) A.out_theta[(static_cast<std::size_t>(r) * A.C + c) * d + i] = theta[i];
    if (n < A.n_max)
      for (int j = 0; j < A.K; ++j) A.X[(static_cast<std::size_t>(j) * runs + r) * d + i] = theta[i] - A.c[j * d + i];
  }
  if (threadIdx.x == 0)
    for (int c = emit_begin; c < emit_end; ++c) {
      const std::size_t out = static_cast<std::size_t>(r) * A.C + c;
      for (int j = 0; j < A.K; ++j) A.out_w[out * A.K + j] = A.w[static_cast<std::size_t>(r) * A.K + j];
      A.out_reached[out] = 1;
    }
}

// Ĝ ← G + σξ in place in Y, for the draws e = j·d + i of step n, four per
// Philox call (rng.hpp). Launched only when σ ≠ 0. One block per run.
template <class Scalar>
__global__ void gemm_noise_kernel(const GemmArgs<Scalar> A, std::int64_t n) {
  const int r = blockIdx.x;
  if (A.stopped[r]) return;
  const int total = A.K * A.d, quads = (total + 3) / 4;
  const std::size_t d = A.d, runs = A.runs;
  const std::uint64_t seed = A.seed[r];
  for (int q = threadIdx.x; q < quads; q += blockDim.x) {
    double z[4];
    rng::normal_quad(seed, rng::gradient_noise_stream, static_cast<std::uint32_t>(n), 0, static_cast<std::uint32_t>(q),
                     z);
    for (int u = 0; u < 4 && 4 * q + u < total; ++u) {
      const int e = 4 * q + u, j = e / A.d, i = e % A.d;
      A.Y[(static_cast<std::size_t>(j) * runs + r) * d + i] += static_cast<Scalar>(A.cfg.noise_sigma * z[u]);
    }
  }
}

// Step n after the GEMMs (and the noise): the sensitivity step with
// H_w S = Σ_j w_j (A_j S) inside a round, and the inner step. One block per
// run, one coordinate per thread; dynamic shared memory holds the run's w
// (K scalars).
template <class Scalar>
__global__ void gemm_update_kernel(const GemmArgs<Scalar> A, std::int64_t n) {
  extern __shared__ __align__(16) unsigned char smem[];
  Scalar* w = reinterpret_cast<Scalar*>(smem);
  const int r = blockIdx.x;
  if (A.stopped[r]) return;  // uniform over the block
  const StepPosition pos(A.T[r], A.n_max, n);
  const bool in_round = pos.in_round();
  const int K = A.K;
  const std::size_t d = A.d, runs = A.runs;
  for (int j = threadIdx.x; j < K; j += blockDim.x) w[j] = A.w[static_cast<std::size_t>(r) * K + j];
  __syncthreads();
  const Scalar eta = static_cast<Scalar>(inner_rate(A.cfg.inner, pos.t, n));
  for (int i = threadIdx.x; i < A.d; i += blockDim.x) {
    Scalar acc = 0;  // Σ_j Ĝ_ij w_j, in j order as the CPU
    for (int jj = 0; jj < K; ++jj) {  // column jj of Ĝ and S
      const Scalar g = A.Y[(static_cast<std::size_t>(jj) * runs + r) * d + i];  // Ĝ: noise already added
      if (in_round) {
        Scalar hs = 0;
        for (int j = 0; j < K; ++j)
          hs += w[j] * A.Z[static_cast<std::size_t>(j) * d * runs * K + (static_cast<std::size_t>(r) * K + jj) * d + i];
        Scalar& s = A.S[(static_cast<std::size_t>(r) * K + jj) * d + i];
        s = s - eta * (hs + g);
      }
      acc += g * w[jj];
    }
    A.theta[r * d + i] -= eta * acc;
  }
}

// Xv = θ − c_v for the runs whose round ends at step n. One block per run.
template <class Scalar>
__global__ void gemm_validation_residual_kernel(const GemmArgs<Scalar> A, std::int64_t n) {
  const int r = blockIdx.x;
  if (A.stopped[r] || !StepPosition(A.T[r], A.n_max, n).round_ends()) return;
  const std::size_t d = A.d;
  for (int i = threadIdx.x; i < A.d; i += blockDim.x) A.Xv[r * d + i] = A.theta[r * d + i] - A.cv[i];
}

constexpr int kRoundEndThreads = 256;

// h = Sᵀ∇f_v, weight update, divergence test for the runs whose round ends at n.
template <class Scalar>
__global__ void __launch_bounds__(kRoundEndThreads) gemm_round_end_kernel(const GemmArgs<Scalar> A, std::int64_t n) {
  using BlockReduce = cub::BlockReduce<Scalar, kRoundEndThreads>;
  __shared__ typename BlockReduce::TempStorage storage;
  const int r = blockIdx.x;
  if (A.stopped[r]) return;
  const StepPosition pos(A.T[r], A.n_max, n);
  if (!pos.round_ends()) return;  // uniform over the block
  const int K = A.K;
  const std::size_t d = A.d;
  Scalar* h = A.h + static_cast<std::size_t>(r) * K;
  Scalar* w = A.w + static_cast<std::size_t>(r) * K;
  const Scalar* gv = A.Yv + r * d;
  for (int j = 0; j < K; ++j) {
    const Scalar* S = A.S + (static_cast<std::size_t>(r) * K + j) * d;
    Scalar v = 0;
    for (int i = threadIdx.x; i < A.d; i += blockDim.x) v += S[i] * gv[i];
    v = BlockReduce(storage).Sum(v);
    if (threadIdx.x == 0) h[j] = v;
    __syncthreads();  // storage is reused
  }
  Scalar bad = 0;
  for (int i = threadIdx.x; i < A.d; i += blockDim.x) bad += finite_value(A.theta[r * d + i]) ? Scalar(0) : Scalar(1);
  bad = BlockReduce(storage).Sum(bad);
  if (threadIdx.x == 0) {
    weight_update(A.cfg.update, w, h, K, static_cast<Scalar>(outer_rate(A.cfg.outer, pos.k)),
                  A.ws + static_cast<std::size_t>(r) * K);
    bool finite = bad == 0;
    for (int j = 0; j < K; ++j) finite = finite && finite_value(w[j]) && finite_value(h[j]);
    if (!finite) A.stopped[r] = 1;
  }
}

template <class Scalar>
class DenseGemmSolver final : public TrajectorySolver {
 public:
  DenseGemmSolver(const QuadraticProblem& p, const AlgorithmConfig& cfg, const std::vector<std::int64_t>& budgets,
                  const DeviceContext& ctx)
      : ctx_(ctx), cfg_(cfg), d_(p.d), K_(p.K), C_(static_cast<int>(budgets.size())), n_max_(budgets.back()) {
    const DenseHostProblem host(p);
    A_ = DeviceBuffer<Scalar>(to_scalar<Scalar>(host.A), ctx.stream);
    Av_ = DeviceBuffer<Scalar>(to_scalar<Scalar>(host.Av), ctx.stream);
    c_ = DeviceBuffer<Scalar>(to_scalar<Scalar>(host.c), ctx.stream);
    cv_ = DeviceBuffer<Scalar>(to_scalar<Scalar>(p.validation.c), ctx.stream);
    theta0_ = DeviceBuffer<Scalar>(to_scalar<Scalar>(p.theta0), ctx.stream);
    w0_ = DeviceBuffer<Scalar>(to_scalar<Scalar>(p.w0), ctx.stream);
    budgets_ = DeviceBuffer<std::int64_t>(budgets, ctx.stream);
  }

  std::string path() const override { return "dense-gemm"; }

  std::size_t bytes_per_run() const override {
    const std::size_t d = d_, K = K_;
    const std::size_t scalars = d + K * d + 3 * K + 2 * K * d + K * K * d + 2 * d + C_ * (d + K);
    return scalars * sizeof(Scalar) + (C_ + 1) * sizeof(int) + sizeof(std::int64_t) + sizeof(std::uint64_t);
  }

  BatchOutput run_batch(const RunSpec* specs, int runs) override {
    std::vector<std::int64_t> T(runs);
    std::vector<std::uint64_t> seed(runs);
    for (int r = 0; r < runs; ++r) {
      T[r] = specs[r].T;
      seed[r] = specs[r].seed;
    }
    const std::size_t d = d_, K = K_, R = runs, slots = R * C_;
    DeviceBuffer<std::int64_t> T_dev(T, ctx_.stream);
    DeviceBuffer<std::uint64_t> seed_dev(seed, ctx_.stream);
    DeviceBuffer<Scalar> theta(R * d), S(R * K * d), w(R * K), h(R * K), ws(R * K);
    DeviceBuffer<int> stopped(R);
    DeviceBuffer<Scalar> X(K * d * R), Y(K * d * R), Z(K * d * R * K), Xv(d * R), Yv(d * R);
    DeviceBuffer<Scalar> out_theta(slots * d), out_w(slots * K);
    DeviceBuffer<int> out_reached(slots);
    out_reached.zero(ctx_.stream);

    GemmArgs<Scalar> A;
    A.d = d_;
    A.K = K_;
    A.C = C_;
    A.runs = runs;
    A.n_max = n_max_;
    A.c = c_.data();
    A.cv = cv_.data();
    A.theta0 = theta0_.data();
    A.w0 = w0_.data();
    A.T = T_dev.data();
    A.seed = seed_dev.data();
    A.budgets = budgets_.data();
    A.cfg = cfg_;
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
    A.out_theta = out_theta.data();
    A.out_w = out_w.data();
    A.out_reached = out_reached.data();

    // What the host knows of the schedule: the last step any run spends in a
    // round, and the distinct horizons (for "does some round end at n").
    std::int64_t main_end = 0;
    const std::set<std::int64_t> horizons(T.begin(), T.end());
    for (std::int64_t t : horizons) main_end = std::max(main_end, (n_max_ / t) * t);
    auto some_round_ends = [&](std::int64_t n) {
      for (std::int64_t t : horizons)
        if ((n + 1) % t == 0 && (n + 1) <= (n_max_ / t) * t) return true;
      return false;
    };

    const unsigned grid = static_cast<unsigned>(runs);
    const int block_d = static_cast<int>(std::min<long long>(256, std::max<long long>(32, ceil_div(d_, 32) * 32)));
    const int block_noise =
        static_cast<int>(std::min<long long>(256, std::max<long long>(32, ceil_div(ceil_div(K_ * d_, 4), 32) * 32)));
    const std::size_t w_smem = K * sizeof(Scalar);
    const int cols = static_cast<int>(R), s_cols = static_cast<int>(R * K);
    const long long dd = static_cast<long long>(d) * d, xstride = static_cast<long long>(d) * cols;
    const long long zstride = static_cast<long long>(d) * s_cols;

    gemm_init_kernel<Scalar><<<grid, block_d, 0, ctx_.stream>>>(A);
    check_launch(__func__);
    for (std::int64_t n = 0;; ++n) {
      gemm_prepare_kernel<Scalar><<<grid, block_d, 0, ctx_.stream>>>(A, n);
      check_launch(__func__);
      if (n == n_max_) break;
      gemm_at_batched(ctx_.blas, d_, cols, A_.data(), dd, X.data(), xstride, Y.data(), xstride, K_);
      if (n < main_end)
        for (int j = 0; j < K_; ++j) gemm_at(ctx_.blas, d_, s_cols, A_.data() + j * dd, S.data(), Z.data() + j * zstride);
      if (cfg_.noise_sigma != 0) {
        gemm_noise_kernel<Scalar><<<grid, block_noise, 0, ctx_.stream>>>(A, n);
        check_launch(__func__);
      }
      gemm_update_kernel<Scalar><<<grid, block_d, w_smem, ctx_.stream>>>(A, n);
      check_launch(__func__);
      if (some_round_ends(n)) {
        gemm_validation_residual_kernel<Scalar><<<grid, block_d, 0, ctx_.stream>>>(A, n);
        check_launch(__func__);
        gemm_at(ctx_.blas, d_, runs, Av_.data(), Xv.data(), Yv.data());
        gemm_round_end_kernel<Scalar><<<grid, kRoundEndThreads, 0, ctx_.stream>>>(A, n);
        check_launch(__func__);
      }
    }
    return download_output(runs, C_, d_, K_, out_theta, out_w, out_reached, ctx_.stream);
  }

 private:
  DeviceContext ctx_;
  AlgorithmConfig cfg_;
  int d_, K_, C_;
  std::int64_t n_max_;
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
