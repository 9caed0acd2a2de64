// Dense quadratic trajectories on the GPU (twin: host/quadratic_dense.cpp).
//
//   ĝ_j = A_j (θ − c_j) + σ ξ(n, j, ·),   H_w = Σ_j w_j A_j (once per round)
//   S ← S − η (H_w S + Ĝ),   θ ← θ − η Ĝ w,   h = Sᵀ A_v (θ − c_v)
// A_j row-major d×d (problem.hpp); S is d×K with S[i·K + j] in shared memory.
//
// Two paths (the rule: dense_fused_fits, quadratic_kernels.hpp):
//
// dense-fused — one launch per batch, a block owns a tile of R runs and keeps
//   for all N steps, in shared memory: every A_jᵀ (shared by the tile's runs;
//   stored transposed so that the thread of output row i reads a contiguous
//   column, conflict-free), and per run H_wᵀ, S (two buffers, swapped by the
//   parity of n), Ĝ, the residuals θ − c_j and the noise. Every (run, j, i)
//   output of a step is one thread: it computes
//   Ĝ_ij = Σ_l A_j(i,l)(θ_l − c_j,l) + σξ and (H_w S)_ij = Σ_l H_w(i,l) S_lj
//   as sequential dot products — the CPU's own summation order, so the two
//   agree to FMA contraction — then S_ij. Each step is a few block-wide
//   phases separated by __syncthreads: bookkeeping, round start (S ← 0, H_w
//   — the K·d² per round), checkpoint emission, residuals + noise, outputs,
//   θ updates, and, on steps where some run ends a round, ∇f_v, h (one warp
//   per run, cub::WarpReduce) and the weight update. The runs of a tile move
//   in lockstep over the global step n (they may have different T): every
//   per-run decision is read from the run's slot, the same for all threads.
//   Checkpoints need no fork (trajectory_device.cuh).
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
#include <cub/warp/warp_reduce.cuh>
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
#include "horizon/schedule.hpp"
#include "horizon/simplex.hpp"
#include "quadratic_kernels.hpp"
#include "trajectory_device.cuh"

namespace horizon {
namespace cuda {
namespace {

constexpr int kFusedMaxThreads = 1024;
constexpr int kFusedMaxRuns = 32;  // runs per block, at most

// ================================================================== dense-fused

// Per-run bookkeeping of a tile, in shared memory; written by one thread in
// the bookkeeping phase, read by all after the barrier.
struct DenseSlot {
  RunClock clk;
  std::uint64_t seed;
  double eta, alpha;
  int stopped;               // diverged, or an empty slot of the last tile
  int begin_round;           // n = kT, k < R: S ← 0, H_w
  int steps, in_round;       // step n moves θ; and S
  int round_end;             // step n ends round k
  int emit_begin, emit_end;  // checkpoints emitted at n
};

// Shared-memory layout of a tile, in scalars after the slots.
struct DenseLayout {
  int d = 0, K = 0, R = 0;
  std::size_t slot_bytes = 0;  // R slots, rounded up to 16 bytes
  std::size_t at = 0;          // K·d², the A_jᵀ
  std::size_t per_run = 0;     // scalars of one run's tile
  // offsets inside a run's tile
  std::size_t ht, s0, s1, g, rm, xi, th, gv, w, h, ws;
};

DenseLayout make_dense_layout(int d, int K, int R) {
  DenseLayout L;
  L.d = d;
  L.K = K;
  L.R = R;
  L.slot_bytes = (static_cast<std::size_t>(R) * sizeof(DenseSlot) + 15) / 16 * 16;
  const std::size_t dd = static_cast<std::size_t>(d) * d, dk = static_cast<std::size_t>(d) * K;
  L.at = K * dd;
  std::size_t o = 0;
  L.ht = o, o += dd;   // H_wᵀ: ht[l·d + i] = H_w(i, l)
  L.s0 = o, o += dk;   // S, S[i·K + j], two buffers
  L.s1 = o, o += dk;
  L.g = o, o += dk;    // Ĝ, G[i·K + j]
  L.rm = o, o += dk;   // θ − c_j, rm[j·d + l]; rm[0, d) doubles as θ − c_v at round ends
  L.xi = o, o += dk;   // σ ξ, xi[j·d + i]
  L.th = o, o += d;
  L.gv = o, o += d;    // ∇f_v(θ)
  L.w = o, o += K;
  L.h = o, o += K;
  L.ws = o, o += K;    // scratch of the projection
  L.per_run = o;       // = d² + 5dK + 2d + 3K
  return L;
}

template <class Scalar>
std::size_t dense_layout_bytes(const DenseLayout& L) {
  return L.slot_bytes + (L.at + static_cast<std::size_t>(L.R) * L.per_run) * sizeof(Scalar);
}

template <class Scalar>
struct DenseArgs {
  DenseLayout L;
  int d = 0, K = 0, C = 0, runs = 0;
  std::int64_t n_max = 0;
  const Scalar* At = nullptr;   // K×d×d, At[(j·d + l)·d + i] = A_j(i, l)
  const Scalar* c = nullptr;    // K×d
  const Scalar* Avt = nullptr;  // d×d, Avt[l·d + i] = A_v(i, l)
  const Scalar* cv = nullptr;   // d
  const Scalar* theta0 = nullptr;
  const Scalar* w0 = nullptr;
  const std::int64_t* T = nullptr;
  const std::uint64_t* seed = nullptr;
  const std::int64_t* budgets = nullptr;
  AlgorithmConfig cfg;
  Scalar* out_theta = nullptr;  // runs × C × d
  Scalar* out_w = nullptr;      // runs × C × K
  int* out_reached = nullptr;   // runs × C, zeroed before the launch
};

template <class Scalar>
__global__ void __launch_bounds__(kFusedMaxThreads) quadratic_dense_fused_kernel(const DenseArgs<Scalar> A) {
  extern __shared__ __align__(16) unsigned char smem[];
  using WarpReduce = cub::WarpReduce<Scalar>;
  __shared__ typename WarpReduce::TempStorage reduce_storage[kFusedMaxThreads / 32];

  const DenseLayout& L = A.L;
  const int d = A.d, K = A.K, R = L.R, C = A.C;
  const int tid = static_cast<int>(threadIdx.x), nt = static_cast<int>(blockDim.x);
  const int first_run = static_cast<int>(blockIdx.x) * R;
  const std::size_t dd = static_cast<std::size_t>(d) * d;
  const double sigma = A.cfg.noise_sigma;
  DenseSlot* slot = reinterpret_cast<DenseSlot*>(smem);
  Scalar* const at = reinterpret_cast<Scalar*>(smem + L.slot_bytes);
  Scalar* const tiles = at + L.at;
  auto tile = [&](int r) { return tiles + static_cast<std::size_t>(r) * L.per_run; };

  // ---- load the A_jᵀ, initialise the runs
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
  __syncthreads();

  for (std::int64_t n = 0;; ++n) {
    const std::size_t cur = (n & 1) ? L.s1 : L.s0, nxt = (n & 1) ? L.s0 : L.s1;

    // ---- bookkeeping: what each run does at step n
    for (int r = tid; r < R; r += nt) {
      DenseSlot& s = slot[r];
      const bool live = !s.stopped;
      s.begin_round = live && s.clk.begins_round();
      s.emit_begin = s.clk.next;
      if (live)
        while (s.clk.next < C && A.budgets[s.clk.next] == n) ++s.clk.next;
      s.emit_end = s.clk.next;
      s.steps = live && n < A.n_max;
      s.in_round = s.steps && s.clk.in_round();
      s.round_end = s.steps && s.clk.round_ends();
      s.eta = inner_rate(A.cfg.inner, s.clk.t, n);
      s.alpha = outer_rate(A.cfg.outer, s.clk.k);
    }
    __syncthreads();

    // ---- round start: S ← 0 and H_w = Σ_j w_j A_j (same order as the CPU)
    for (int r = 0; r < R; ++r) {
      if (!slot[r].begin_round) continue;  // uniform over the block
      Scalar* t = tile(r);
      for (int e = tid; e < d * K; e += nt) t[cur + e] = 0;
      for (std::size_t e = tid; e < dd; e += nt) {
        Scalar hsum = 0;
        for (int j = 0; j < K; ++j) hsum += t[L.w + j] * at[j * dd + e];
        t[L.ht + e] = hsum;
      }
    }

    // ---- checkpoints reached at n: (θ, w)
    for (int r = 0; r < R; ++r) {
      const Scalar* t = tile(r);
      for (int c = slot[r].emit_begin; c < slot[r].emit_end; ++c) {
        const std::size_t out = static_cast<std::size_t>(first_run + r) * C + c;
        for (int i = tid; i < d; i += nt) A.out_theta[out * d + i] = t[L.th + i];
        for (int j = tid; j < K; j += nt) A.out_w[out * K + j] = t[L.w + j];
        if (tid == 0) A.out_reached[out] = 1;
      }
    }
    if (n == A.n_max) break;

    // ---- residuals θ − c_j, and the noise: draws e = j·d + i, four per
    //      Philox call (rng.hpp), xi[e] = σ ξ_e
    for (int e = tid; e < R * K * d; e += nt) {
      const int r = e / (K * d), rem = e % (K * d);
      if (!slot[r].steps) continue;
      Scalar* t = tile(r);
      t[L.rm + rem] = t[L.th + rem % d] - A.c[rem];
    }
    if (sigma != 0) {
      const int quads = (K * d + 3) / 4;
      for (int e = tid; e < R * quads; e += nt) {
        const int r = e / quads, q = e % quads;
        const DenseSlot& s = slot[r];
        if (!s.steps) continue;
        Scalar* xi = tile(r) + L.xi;
        double z[4];
        rng::normal_quad(s.seed, rng::gradient_noise_stream, static_cast<std::uint32_t>(n), 0,
                         static_cast<std::uint32_t>(q), z);
        for (int u = 0; u < 4 && 4 * q + u < K * d; ++u) xi[4 * q + u] = static_cast<Scalar>(sigma * z[u]);
      }
    }
    __syncthreads();  // also orders the round start (S, H_w) before the outputs

    // ---- outputs (r, j, i): Ĝ, H_w S and the sensitivity step
    for (int e = tid; e < R * K * d; e += nt) {
      const int r = e / (K * d), rem = e % (K * d), j = rem / d, i = rem % d;
      const DenseSlot& s = slot[r];
      if (!s.steps) continue;
      Scalar* t = tile(r);
      const Scalar* Aj = at + j * dd;
      const Scalar* rm = t + L.rm + j * d;
      Scalar g = 0;
      for (int l = 0; l < d; ++l) g += Aj[l * d + i] * rm[l];
      if (sigma != 0) g += t[L.xi + j * d + i];
      t[L.g + i * K + j] = g;
      if (s.in_round) {
        const Scalar* ht = t + L.ht;
        const Scalar* S = t + cur;
        Scalar hs = 0;
        for (int l = 0; l < d; ++l) hs += ht[l * d + i] * S[l * K + j];
        t[nxt + i * K + j] = S[i * K + j] - static_cast<Scalar>(s.eta) * (hs + g);
      }
    }
    __syncthreads();

    // ---- inner step θ ← θ − η Ĝ w
    for (int e = tid; e < R * d; e += nt) {
      const int r = e / d, i = e % d;
      const DenseSlot& s = slot[r];
      if (!s.steps) continue;
      Scalar* t = tile(r);
      Scalar acc = 0;
      for (int j = 0; j < K; ++j) acc += t[L.g + i * K + j] * t[L.w + j];
      t[L.th + i] -= static_cast<Scalar>(s.eta) * acc;
    }
    __syncthreads();

    // ---- round ends: ∇f_v, h = Sᵀ∇f_v, weight update, divergence test
    bool any_end = false;
    for (int r = 0; r < R; ++r) any_end = any_end || slot[r].round_end;
    if (any_end) {  // uniform over the block
      for (int e = tid; e < R * d; e += nt) {
        const int r = e / d, i = e % d;
        if (!slot[r].round_end) continue;
        Scalar* t = tile(r);
        t[L.rm + i] = t[L.th + i] - A.cv[i];
      }
      __syncthreads();
      for (int e = tid; e < R * d; e += nt) {
        const int r = e / d, i = e % d;
        if (!slot[r].round_end) continue;
        Scalar* t = tile(r);
        Scalar gv = 0;
        for (int l = 0; l < d; ++l) gv += A.Avt[static_cast<std::size_t>(l) * d + i] * t[L.rm + l];
        t[L.gv + i] = gv;
      }
      __syncthreads();
      const int warp = tid / 32, lane = tid % 32, warps = nt / 32;
      for (int r = warp; r < R; r += warps) {
        DenseSlot& s = slot[r];
        if (!s.round_end) continue;  // uniform over the warp
        Scalar* t = tile(r);
        for (int j = 0; j < K; ++j) {
          Scalar v = 0;
          for (int i = lane; i < d; i += 32) v += t[nxt + i * K + j] * t[L.gv + i];
          v = WarpReduce(reduce_storage[warp]).Sum(v);
          if (lane == 0) t[L.h + j] = v;
          __syncwarp();
        }
        Scalar bad = 0;
        for (int i = lane; i < d; i += 32) bad += is_finite(t[L.th + i]) ? Scalar(0) : Scalar(1);
        bad = WarpReduce(reduce_storage[warp]).Sum(bad);
        if (lane == 0) {
          weight_update(A.cfg.update, t + L.w, t + L.h, K, static_cast<Scalar>(s.alpha), t + L.ws);
          bool finite = bad == 0;
          for (int j = 0; j < K; ++j) finite = finite && is_finite(t[L.w + j]) && is_finite(t[L.h + j]);
          if (!finite) s.stopped = 1;
        }
        __syncwarp();
      }
      __syncthreads();
    }

    // ---- next step
    for (int r = tid; r < R; r += nt)
      if (!slot[r].stopped) slot[r].clk.advance();
    __syncthreads();
  }
}

template <class Scalar>
std::size_t dense_fused_static_smem() {
  cudaFuncAttributes attr{};
  CUDA_CHECK(cudaFuncGetAttributes(&attr, quadratic_dense_fused_kernel<Scalar>));
  return attr.sharedSizeBytes;
}

// Host copies of the problem in the layouts both dense paths use.
struct DenseHostProblem {
  std::vector<double> A;    // K×d×d row-major, as given
  std::vector<double> At;   // K×d×d, At[(j·d + l)·d + i] = A_j(i, l)
  std::vector<double> Av;   // d×d row-major
  std::vector<double> Avt;  // d×d transposed
  std::vector<double> c;    // K×d
  explicit DenseHostProblem(const QuadraticProblem& p) {
    const std::size_t d = p.d, dd = d * d;
    A.resize(p.K * dd);
    At.resize(p.K * dd);
    c.resize(p.K * d);
    for (int j = 0; j < p.K; ++j) {
      const std::vector<double>& Aj = p.domains[j].A;
      for (std::size_t i = 0; i < d; ++i)
        for (std::size_t l = 0; l < d; ++l) {
          A[j * dd + i * d + l] = Aj[i * d + l];
          At[j * dd + l * d + i] = Aj[i * d + l];
        }
      for (std::size_t i = 0; i < d; ++i) c[j * d + i] = p.domains[j].c[i];
    }
    Av = p.validation.A;
    Avt.resize(dd);
    for (std::size_t i = 0; i < d; ++i)
      for (std::size_t l = 0; l < d; ++l) Avt[l * d + i] = Av[i * d + l];
  }
};

template <class Scalar>
BatchOutput download_output(int runs, int C, int d, int K, const DeviceBuffer<Scalar>& theta,
                            const DeviceBuffer<Scalar>& w, const DeviceBuffer<int>& reached, cudaStream_t stream) {
  BatchOutput out;
  out.runs = runs;
  out.checkpoints = C;
  out.d = d;
  out.K = K;
  std::vector<Scalar> theta_host, w_host;
  theta.download(theta_host, stream);
  w.download(w_host, stream);
  reached.download(out.reached, stream);
  out.theta.assign(theta_host.begin(), theta_host.end());
  out.w.assign(w_host.begin(), w_host.end());
  return out;
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
    static_smem_ = dense_fused_static_smem<Scalar>();
  }

  std::string path() const override { return "dense-fused"; }
  std::size_t bytes_per_run() const override {
    return static_cast<std::size_t>(C_) * ((d_ + K_) * sizeof(Scalar) + sizeof(int)) + 16;
  }

  BatchOutput run_batch(const RunSpec* specs, int runs) override {
    // Runs per block: as many as the shared memory holds, at most 32, and
    // no more than it takes to give every SM a block.
    const std::size_t budget = ctx_.shared_optin > static_smem_ ? ctx_.shared_optin - static_smem_ : 0;
    const int spread = static_cast<int>(std::max<long long>(1, ceil_div(runs, ctx_.multiprocessors)));
    int R = std::min(kFusedMaxRuns, spread);
    while (R > 1 && dense_layout_bytes<Scalar>(make_dense_layout(d_, K_, R)) > budget) --R;
    const DenseLayout L = make_dense_layout(d_, K_, R);
    const std::size_t smem = dense_layout_bytes<Scalar>(L);
    if (smem > budget)
      throw std::runtime_error("dense-fused path: d = " + std::to_string(d_) + ", K = " + std::to_string(K_) +
                               " needs " + std::to_string(smem) + " bytes of shared memory per block, the device allows " +
                               std::to_string(budget));
    CUDA_CHECK(cudaFuncSetAttribute(quadratic_dense_fused_kernel<Scalar>,
                                    cudaFuncAttributeMaxDynamicSharedMemorySize, static_cast<int>(smem)));

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
    A.L = L;
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

    const long long outputs = static_cast<long long>(R) * K_ * d_;
    const int threads = static_cast<int>(std::min<long long>(kFusedMaxThreads, std::max<long long>(32, ceil_div(outputs, 32) * 32)));
    const long long grid = ceil_div(runs, R);
    quadratic_dense_fused_kernel<Scalar><<<static_cast<unsigned>(grid), threads, smem, ctx_.stream>>>(A);
    check_launch();
    return download_output(runs, C_, d_, K_, out_theta, out_w, out_reached, ctx_.stream);
  }

 private:
  DeviceContext ctx_;
  AlgorithmConfig cfg_;
  int d_, K_, C_;
  std::int64_t n_max_;
  std::size_t static_smem_ = 0;
  DeviceBuffer<Scalar> At_, Avt_, c_, cv_, theta0_, w0_;
  DeviceBuffer<std::int64_t> budgets_;
};

// ================================================================== dense-gemm

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
  for (int i = threadIdx.x; i < A.d; i += blockDim.x) bad += is_finite(A.theta[r * d + i]) ? Scalar(0) : Scalar(1);
  bad = BlockReduce(storage).Sum(bad);
  if (threadIdx.x == 0) {
    weight_update(A.cfg.update, w, h, K, static_cast<Scalar>(outer_rate(A.cfg.outer, pos.k)),
                  A.ws + static_cast<std::size_t>(r) * K);
    bool finite = bad == 0;
    for (int j = 0; j < K; ++j) finite = finite && is_finite(w[j]) && is_finite(h[j]);
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
    check_launch();
    for (std::int64_t n = 0;; ++n) {
      gemm_prepare_kernel<Scalar><<<grid, block_d, 0, ctx_.stream>>>(A, n);
      check_launch();
      if (n == n_max_) break;
      gemm_at_batched(ctx_.blas, d_, cols, A_.data(), dd, X.data(), xstride, Y.data(), xstride, K_);
      if (n < main_end)
        for (int j = 0; j < K_; ++j) gemm_at(ctx_.blas, d_, s_cols, A_.data() + j * dd, S.data(), Z.data() + j * zstride);
      if (cfg_.noise_sigma != 0) {
        gemm_noise_kernel<Scalar><<<grid, block_noise, 0, ctx_.stream>>>(A, n);
        check_launch();
      }
      gemm_update_kernel<Scalar><<<grid, block_d, w_smem, ctx_.stream>>>(A, n);
      check_launch();
      if (some_round_ends(n)) {
        gemm_validation_residual_kernel<Scalar><<<grid, block_d, 0, ctx_.stream>>>(A, n);
        check_launch();
        gemm_at(ctx_.blas, d_, runs, Av_.data(), Xv.data(), Yv.data());
        gemm_round_end_kernel<Scalar><<<grid, kRoundEndThreads, 0, ctx_.stream>>>(A, n);
        check_launch();
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
bool dense_fused_fits(int d, int K, const DeviceContext& ctx) {
  const std::size_t need = dense_layout_bytes<Scalar>(make_dense_layout(d, K, 1)) + dense_fused_static_smem<Scalar>();
  return need <= ctx.shared_optin;
}

template <class Scalar>
std::unique_ptr<TrajectorySolver> make_dense_fused_solver(const QuadraticProblem& p, const AlgorithmConfig& cfg,
                                                          const std::vector<std::int64_t>& budgets,
                                                          const DeviceContext& ctx) {
  return std::make_unique<DenseFusedSolver<Scalar>>(p, cfg, budgets, ctx);
}

template <class Scalar>
std::unique_ptr<TrajectorySolver> make_dense_gemm_solver(const QuadraticProblem& p, const AlgorithmConfig& cfg,
                                                         const std::vector<std::int64_t>& budgets,
                                                         const DeviceContext& ctx) {
  return std::make_unique<DenseGemmSolver<Scalar>>(p, cfg, budgets, ctx);
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
