// Dense quadratic trajectories on the GPU, fused path (twin: host/reference/quadratic_dense.cpp).
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
#include <cub/warp/warp_reduce.cuh>
#include <cuda_runtime.h>

#include <algorithm>
#include <cstdint>
#include <memory>
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
        for (int i = lane; i < d; i += 32) bad += finite_value(t[L.th + i]) ? Scalar(0) : Scalar(1);
        bad = WarpReduce(reduce_storage[warp]).Sum(bad);
        if (lane == 0) {
          weight_update(A.cfg.update, t + L.w, t + L.h, K, static_cast<Scalar>(s.alpha), t + L.ws);
          bool finite = bad == 0;
          for (int j = 0; j < K; ++j) finite = finite && finite_value(t[L.w + j]) && finite_value(t[L.h + j]);
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
    check_launch(__func__);
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
