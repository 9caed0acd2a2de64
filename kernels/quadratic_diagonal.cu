// Diagonal quadratic trajectories on the GPU (twin: host/reference/quadratic_diagonal.cpp).
//
//   ĝ_j,i = a_j,i (θ_i − c_j,i) + σ ξ(n, j, i),   (H_w)_ii = Σ_j w_j a_j,i
//   S_ij ← S_ij − η ((H_w)_ii S_ij + ĝ_j,i),      θ_i ← θ_i − η Σ_j ĝ_j,i w_j
//   h_j = Σ_i S_ij a_v,i (θ_i − c_v,i)            (once per round)
//
// Thread layout. Every coordinate evolves on its own within a step; only h
// (and the divergence test) couples coordinates, once per round. So a run is
// a group of P threads, and thread `lane` owns the coordinate pair
// (2·lane, 2·lane+1) (two independent chains of work per thread).
// P = next power of two ≥ ⌈d/2⌉ up to 32 (several runs share a warp,
// 128-thread blocks), else a multiple of 32 up to 256 with the whole block
// one run. Reductions over the group are xor butterflies (__shfl_xor_sync) —
// every lane ends with the bitwise-same sum, because IEEE addition is
// commutative, so every lane computes the same weight update and takes the
// same stop decision without a broadcast — and, across the warps of a
// block-sized group, one shared-memory pass summed in the same order by
// every thread.
//
// Noise (rng.hpp): the K·d draws of step n are numbered e = j·d + i and come
// four per Philox call, so they do not split along coordinate pairs. The
// group draws the step's ⌈K·d/4⌉ quads cooperatively into a per-run buffer
// (xi[e] = σξ_e; shared memory, double-buffered by the parity of n so one
// group barrier per step suffices), then each thread reads its own.
//
// Two variants of the one kernel body:
//   KMAX ∈ {1, 2, 4, 8} (K ≤ KMAX, d ≤ 512): θ, (H_w)_ii, S_i·, a_·i, c_·i
//     and w in registers for all N steps; loops over j are unrolled to KMAX
//     with a j < K guard so the arrays are never indexed dynamically. The
//     problem arrays a_j, c_j are read from global memory once, into the
//     registers of the thread owning the coordinate (that beats shared
//     memory: nothing is re-read per step).
//   KMAX = 0 (K > 8 or d > 512): the same code with the run's state and its
//     noise buffers in a global scratch area (L1/L2 resident, coalesced over
//     pairs), a, c read through the cache, several pairs per thread. Slower,
//     fully general.
// Padding (odd d, or lanes beyond ⌈d/2⌉) computes on zeros, and is left out
// of every reduction and output.
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
#include "quadratic_kernels.hpp"
#include "trajectory_device.cuh"

namespace horizon {
namespace cuda {
namespace {

constexpr int kMaxGroup = 256;  // threads of one run, and the block-size bound below

template <class Scalar>
struct DiagonalArgs {
  int d = 0, K = 0;
  int npairs = 0, dpad = 0;  // ⌈d/2⌉ coordinate pairs; arrays padded to dpad = 2·npairs
  int group = 1;             // P, threads per run
  int runs = 0;
  int C = 0;                 // checkpoints
  std::int64_t n_max = 0;    // budgets[C−1]
  const Scalar* a = nullptr;       // K × dpad, a[j·dpad + i] = (A_j)_ii, zero padded
  const Scalar* c = nullptr;       // K × dpad
  const Scalar* av = nullptr;      // dpad
  const Scalar* cv = nullptr;      // dpad
  const Scalar* theta0 = nullptr;  // dpad
  const Scalar* w0 = nullptr;      // K
  const std::int64_t* T = nullptr;      // per run
  const std::uint64_t* seed = nullptr;  // per run
  const std::int64_t* budgets = nullptr;
  AlgorithmConfig cfg;
  Scalar* out_theta = nullptr;  // runs × C × d
  Scalar* out_w = nullptr;      // runs × C × K
  int* out_reached = nullptr;   // runs × C, zeroed before the launch
  Scalar* state = nullptr;      // KMAX = 0: runs × ((2 + K) × dpad + 2 × K × d)
  Scalar* weights = nullptr;    // KMAX = 0: threads × 3K (w, h, scratch per thread)
};

// ------------------------------------------------------------------ the group of one run

struct RunGroup {
  int size;          // P
  int lane;          // 0 … P−1
  unsigned mask;     // the group's lanes within its warp
  bool spans_block;  // P > 32: the group is the whole block
};

__device__ inline RunGroup make_group(int P) {
  RunGroup g;
  g.size = P;
  g.spans_block = P > 32;
  g.lane = g.spans_block ? static_cast<int>(threadIdx.x) : static_cast<int>(threadIdx.x) % P;
  if (P >= 32) {
    g.mask = 0xffffffffu;
  } else {
    const unsigned base = (threadIdx.x & 31u) & ~static_cast<unsigned>(P - 1);
    g.mask = ((1u << P) - 1u) << base;
  }
  return g;
}

// Σ over the group, the same bits in every lane (see the header comment).
// Every thread of the group must call it (block-wide when spans_block).
template <class Scalar>
__device__ Scalar group_sum(Scalar v, const RunGroup& g, Scalar* red) {
  const int width = g.size < 32 ? g.size : 32;
  for (int m = 1; m < width; m <<= 1) v += __shfl_xor_sync(g.mask, v, m, width);
  if (!g.spans_block) return v;
  const int warps = static_cast<int>(blockDim.x) / 32;
  if ((threadIdx.x & 31u) == 0) red[threadIdx.x / 32] = v;
  __syncthreads();
  Scalar s = 0;
  for (int w = 0; w < warps; ++w) s += red[w];
  __syncthreads();  // red is reused by the next call
  return s;
}

// Orders memory among the group's threads (the whole block when spans_block).
__device__ inline void group_barrier(const RunGroup& g) {
  if (g.spans_block)
    __syncthreads();
  else
    __syncwarp(g.mask);
}

// xi[e] = σ ξ_e for the K·d draws e = j·d + i of step n (rng.hpp), quad q by
// lane q mod P, then a barrier so every lane may read any draw.
template <class Scalar>
__device__ void draw_noise(Scalar* xi, int K, int d, double sigma, const RunGroup& g, std::uint64_t seed,
                           std::uint32_t n) {
  const int total = K * d, quads = (total + 3) / 4;
  for (int q = g.lane; q < quads; q += g.size) {
    double z[4];
    rng::normal_quad(seed, rng::gradient_noise_stream, n, 0, static_cast<std::uint32_t>(q), z);
#pragma unroll
    for (int t = 0; t < 4; ++t)
      if (4 * q + t < total) xi[4 * q + t] = static_cast<Scalar>(sigma * z[t]);
  }
  group_barrier(g);
}

// ------------------------------------------------------------------ state storage

// KMAX > 0: one pair per thread, everything in registers (indices e, j are
// compile-time constants after unrolling; the slot argument q is ignored).
template <class Scalar, int KMAX>
struct RegisterStore {
  int pair_ = 0;
  bool active_ = false;
  Scalar theta_[2], hdiag_[2];
  Scalar S_[2][KMAX], a_[2][KMAX], c_[2][KMAX];

  __device__ void init(const DiagonalArgs<Scalar>& A, int /*run*/, const RunGroup& g) {
    pair_ = g.lane;
    active_ = pair_ < A.npairs;
#pragma unroll
    for (int e = 0; e < 2; ++e) {
      const int i = 2 * pair_ + e;
      theta_[e] = active_ ? A.theta0[i] : Scalar(0);
      hdiag_[e] = 0;
#pragma unroll
      for (int j = 0; j < KMAX; ++j) {
        const bool load = active_ && j < A.K;
        a_[e][j] = load ? A.a[static_cast<std::size_t>(j) * A.dpad + i] : Scalar(0);
        c_[e][j] = load ? A.c[static_cast<std::size_t>(j) * A.dpad + i] : Scalar(0);
        S_[e][j] = 0;
      }
    }
  }
  __device__ int slots() const { return active_ ? 1 : 0; }
  __device__ int pair(int) const { return pair_; }
  __device__ Scalar& theta(int, int e) { return theta_[e]; }
  __device__ Scalar& hdiag(int, int e) { return hdiag_[e]; }
  __device__ Scalar& S(int, int e, int j) { return S_[e][j]; }
  __device__ Scalar coef(int, int e, int j) const { return a_[e][j]; }
  __device__ Scalar centre(int, int e, int j) const { return c_[e][j]; }
};

// Scalars of one run's global scratch (KMAX = 0): θ, (H_w)_ii, S, two noise buffers.
template <class Scalar>
__host__ __device__ std::size_t state_scalars(const DiagonalArgs<Scalar>& A) {
  return static_cast<std::size_t>(2 + A.K) * A.dpad + 2 * static_cast<std::size_t>(A.K) * A.d;
}

// KMAX = 0: the run's state in global scratch, pairs lane, lane + P, …
template <class Scalar>
struct GlobalStore {
  Scalar* base = nullptr;  // θ | (H_w)_ii | S_0 … S_{K−1}, dpad each
  const Scalar* a = nullptr;
  const Scalar* c = nullptr;
  int dpad = 0, lane = 0, P = 1, nslots = 0;

  __device__ void init(const DiagonalArgs<Scalar>& A, int run, const RunGroup& g) {
    dpad = A.dpad;
    base = A.state + static_cast<std::size_t>(run) * state_scalars(A);
    a = A.a;
    c = A.c;
    lane = g.lane;
    P = g.size;
    nslots = lane < A.npairs ? (A.npairs - 1 - lane) / P + 1 : 0;
    for (int q = 0; q < nslots; ++q)
      for (int e = 0; e < 2; ++e) {
        const int i = index(q, e);
        theta(q, e) = A.theta0[i];
        hdiag(q, e) = 0;
        for (int j = 0; j < A.K; ++j) S(q, e, j) = 0;
      }
  }
  __device__ int slots() const { return nslots; }
  __device__ int pair(int q) const { return lane + q * P; }
  __device__ int index(int q, int e) const { return 2 * pair(q) + e; }
  __device__ Scalar& theta(int q, int e) { return base[index(q, e)]; }
  __device__ Scalar& hdiag(int q, int e) { return base[dpad + index(q, e)]; }
  __device__ Scalar& S(int q, int e, int j) { return base[static_cast<std::size_t>(2 + j) * dpad + index(q, e)]; }
  __device__ Scalar coef(int q, int e, int j) const { return a[static_cast<std::size_t>(j) * dpad + index(q, e)]; }
  __device__ Scalar centre(int q, int e, int j) const { return c[static_cast<std::size_t>(j) * dpad + index(q, e)]; }
};

// The run's weights w and hypergradient h, one copy per thread (all copies equal).
template <class Scalar, int KMAX>
struct RegisterWeights {
  Scalar w_[KMAX], h_[KMAX];

  __device__ void init(const DiagonalArgs<Scalar>& A) {
#pragma unroll
    for (int j = 0; j < KMAX; ++j) {
      w_[j] = j < A.K ? A.w0[j] : Scalar(0);
      h_[j] = 0;
    }
  }
  __device__ Scalar& w(int j) { return w_[j]; }
  __device__ Scalar& h(int j) { return h_[j]; }
  // weight_update indexes its arrays dynamically: give it copies, so w_ and
  // h_ themselves stay in registers.
  __device__ void update(UpdateKind kind, int K, Scalar alpha) {
    Scalar wt[KMAX], ht[KMAX], scratch[KMAX];
#pragma unroll
    for (int j = 0; j < KMAX; ++j) {
      wt[j] = w_[j];
      ht[j] = h_[j];
    }
    weight_update(kind, wt, ht, K, alpha, scratch);
#pragma unroll
    for (int j = 0; j < KMAX; ++j) w_[j] = wt[j];
  }
};

template <class Scalar>
struct GlobalWeights {
  Scalar* p = nullptr;  // w: p[0, K), h: p[K, 2K), scratch: p[2K, 3K)
  int K = 0;

  __device__ void init(const DiagonalArgs<Scalar>& A) {
    K = A.K;
    const std::size_t thread = static_cast<std::size_t>(blockIdx.x) * blockDim.x + threadIdx.x;
    p = A.weights + thread * 3 * static_cast<std::size_t>(K);
    for (int j = 0; j < K; ++j) {
      p[j] = A.w0[j];
      p[K + j] = 0;
    }
  }
  __device__ Scalar& w(int j) { return p[j]; }
  __device__ Scalar& h(int j) { return p[K + j]; }
  __device__ void update(UpdateKind kind, int K_, Scalar alpha) { weight_update(kind, p, p + K, K_, alpha, p + 2 * K); }
};

template <class Scalar, int KMAX>
struct Variant {
  using Store = RegisterStore<Scalar, KMAX>;
  using Weights = RegisterWeights<Scalar, KMAX>;
};
template <class Scalar>
struct Variant<Scalar, 0> {
  using Store = GlobalStore<Scalar>;
  using Weights = GlobalWeights<Scalar>;
};

// ------------------------------------------------------------------ the steps of a trajectory
// Loops over domains run to KB = KMAX (unrolled, guarded by j < K) or to K.

// Round start: S ← 0 and (H_w)_ii = Σ_j w_j a_j,i (the CPU's order).
template <class Scalar, int KMAX, class Store, class Weights>
__device__ void begin_round(Store& st, Weights& wt, int K) {
  const int KB = KMAX > 0 ? KMAX : K;
  for (int q = 0; q < st.slots(); ++q)
#pragma unroll
    for (int e = 0; e < 2; ++e) {
      Scalar hsum = 0;
#pragma unroll
      for (int j = 0; j < KB; ++j) {
        if (j >= K) break;
        hsum += wt.w(j) * st.coef(q, e, j);
        st.S(q, e, j) = 0;
      }
      st.hdiag(q, e) = hsum;
    }
}

// One global step n: the inner step of θ and, inside a round (`in_round`),
// the sensitivity step of S, both with Ĝ at θ before the step. `xi` holds
// σξ_{j·d+i} of this step, or is null when σ = 0 (the reference adds noise
// exactly when σ ≠ 0).
template <class Scalar, int KMAX, class Store, class Weights>
__device__ void inner_and_sensitivity_step(Store& st, Weights& wt, const DiagonalArgs<Scalar>& A, bool in_round,
                                           Scalar eta, const Scalar* xi) {
  const int K = A.K, d = A.d;
  const int KB = KMAX > 0 ? KMAX : K;
  for (int q = 0; q < st.slots(); ++q) {
    const int i0 = 2 * st.pair(q);
    Scalar acc[2] = {0, 0};  // Σ_j ĝ_j w_j, in j order as the CPU
#pragma unroll
    for (int j = 0; j < KB; ++j) {
      if (j >= K) break;
      const Scalar wj = wt.w(j);
#pragma unroll
      for (int e = 0; e < 2; ++e) {
        Scalar g = st.coef(q, e, j) * (st.theta(q, e) - st.centre(q, e, j));
        if (xi && i0 + e < d) g += xi[j * d + i0 + e];
        if (in_round) {
          Scalar& s = st.S(q, e, j);
          s = s - eta * (st.hdiag(q, e) * s + g);  // sensitivity_step
        }
        acc[e] += g * wj;
      }
    }
#pragma unroll
    for (int e = 0; e < 2; ++e) st.theta(q, e) -= eta * acc[e];  // inner_step
  }
}

// End of round k: h = Sᵀ∇f_v(θ), the weight update, and the divergence test.
// Returns true when the run must stop (θ, h or w not finite).
template <class Scalar, int KMAX, class Store, class Weights>
__device__ bool round_end(Store& st, Weights& wt, const DiagonalArgs<Scalar>& A, const RunGroup& g, Scalar* red,
                          std::int64_t k) {
  const int K = A.K;
  const int KB = KMAX > 0 ? KMAX : K;
#pragma unroll
  for (int j = 0; j < KB; ++j) {
    if (j >= K) break;
    Scalar part = 0;
    for (int q = 0; q < st.slots(); ++q)
#pragma unroll
      for (int e = 0; e < 2; ++e) {
        const int i = 2 * st.pair(q) + e;
        if (i >= A.d) continue;
        const Scalar gv = A.av[i] * (st.theta(q, e) - A.cv[i]);
        part += st.S(q, e, j) * gv;
      }
    wt.h(j) = group_sum(part, g, red);
  }
  Scalar bad = 0;
  for (int q = 0; q < st.slots(); ++q)
#pragma unroll
    for (int e = 0; e < 2; ++e)
      if (2 * st.pair(q) + e < A.d && !finite_value(st.theta(q, e))) bad += 1;
  bad = group_sum(bad, g, red);
  wt.update(A.cfg.update, K, static_cast<Scalar>(outer_rate(A.cfg.outer, k)));
  bool finite = bad == 0;
#pragma unroll
  for (int j = 0; j < KB; ++j) {
    if (j >= K) break;
    finite = finite && finite_value(wt.w(j)) && finite_value(wt.h(j));
  }
  return !finite;
}

// Checkpoint c: θ and w to global memory.
template <class Scalar, int KMAX, class Store, class Weights>
__device__ void emit_checkpoint(Store& st, Weights& wt, const DiagonalArgs<Scalar>& A, const RunGroup& g, int run,
                                int c) {
  const std::size_t slot = static_cast<std::size_t>(run) * A.C + c;
  for (int q = 0; q < st.slots(); ++q)
#pragma unroll
    for (int e = 0; e < 2; ++e) {
      const int i = 2 * st.pair(q) + e;
      if (i < A.d) A.out_theta[slot * A.d + i] = st.theta(q, e);
    }
  if (g.lane != 0) return;
  const int KB = KMAX > 0 ? KMAX : A.K;
#pragma unroll
  for (int j = 0; j < KB; ++j) {
    if (j >= A.K) break;
    A.out_w[slot * A.K + j] = wt.w(j);
  }
  A.out_reached[slot] = 1;
}

// ------------------------------------------------------------------ the kernel

template <class Scalar, int KMAX>
__global__ void __launch_bounds__(kMaxGroup) quadratic_diagonal_kernel(const DiagonalArgs<Scalar> A) {
  __shared__ Scalar red[kMaxGroup / 32];
  extern __shared__ __align__(16) unsigned char smem[];  // KMAX > 0: two noise buffers per run
  const RunGroup g = make_group(A.group);
  const int runs_per_block = g.spans_block ? 1 : static_cast<int>(blockDim.x) / g.size;
  const int local = g.spans_block ? 0 : static_cast<int>(threadIdx.x) / g.size;
  const int run = static_cast<int>(blockIdx.x) * runs_per_block + local;
  if (run >= A.runs) return;  // the whole group leaves together

  typename Variant<Scalar, KMAX>::Store st;
  typename Variant<Scalar, KMAX>::Weights wt;
  st.init(A, run, g);
  wt.init(A);
  const std::size_t noise_size = static_cast<std::size_t>(A.K) * A.d;
  Scalar* const noise = KMAX > 0 ? reinterpret_cast<Scalar*>(smem) + 2 * noise_size * local
                                 : A.state + run * state_scalars(A) + static_cast<std::size_t>(2 + A.K) * A.dpad;
  const bool noisy = A.cfg.noise_sigma != 0;
  const std::uint64_t seed = A.seed[run];
  RunClock clk;
  clk.start(A.T[run], A.n_max);
  for (;;) {
    if (clk.begins_round()) begin_round<Scalar, KMAX>(st, wt, A.K);
    while (clk.next < A.C && A.budgets[clk.next] == clk.n) emit_checkpoint<Scalar, KMAX>(st, wt, A, g, run, clk.next++);
    if (clk.n == A.n_max) break;
    Scalar* xi = nullptr;
    if (noisy) {
      xi = noise + (clk.n & 1) * noise_size;
      draw_noise(xi, A.K, A.d, A.cfg.noise_sigma, g, seed, static_cast<std::uint32_t>(clk.n));
    }
    const Scalar eta = static_cast<Scalar>(inner_rate(A.cfg.inner, clk.t, clk.n));
    inner_and_sensitivity_step<Scalar, KMAX>(st, wt, A, clk.in_round(), eta, xi);
    if (clk.round_ends() && round_end<Scalar, KMAX>(st, wt, A, g, red, clk.k)) break;  // diverged: stop
    clk.advance();
  }
}

// ------------------------------------------------------------------ host side

int next_pow2(int x) {
  int p = 1;
  while (p < x) p <<= 1;
  return p;
}

template <class Scalar>
class DiagonalSolver final : public TrajectorySolver {
 public:
  DiagonalSolver(const QuadraticProblem& p, const AlgorithmConfig& cfg, const std::vector<std::int64_t>& budgets,
                 const DeviceContext& ctx)
      : ctx_(ctx), cfg_(cfg), d_(p.d), K_(p.K), npairs_((p.d + 1) / 2), dpad_(2 * npairs_),
        C_(static_cast<int>(budgets.size())), n_max_(budgets.back()) {
    kmax_ = K_ <= 1 ? 1 : K_ <= 2 ? 2 : K_ <= 4 ? 4 : K_ <= 8 ? 8 : 0;
    if (npairs_ > kMaxGroup) kmax_ = 0;  // one pair per thread needs d ≤ 512
    group_ = npairs_ <= 32 ? next_pow2(npairs_) : std::min<int>(kMaxGroup, static_cast<int>(ceil_div(npairs_, 32)) * 32);

    std::vector<double> a(static_cast<std::size_t>(K_) * dpad_, 0.0), c(a.size(), 0.0);
    std::vector<double> av(dpad_, 0.0), cv(dpad_, 0.0), theta0(dpad_, 0.0);
    for (int j = 0; j < K_; ++j)
      for (int i = 0; i < d_; ++i) {
        a[static_cast<std::size_t>(j) * dpad_ + i] = p.domains[j].A[i];
        c[static_cast<std::size_t>(j) * dpad_ + i] = p.domains[j].c[i];
      }
    for (int i = 0; i < d_; ++i) {
      av[i] = p.validation.A[i];
      cv[i] = p.validation.c[i];
      theta0[i] = p.theta0[i];
    }
    a_ = DeviceBuffer<Scalar>(to_scalar<Scalar>(a), ctx.stream);
    c_ = DeviceBuffer<Scalar>(to_scalar<Scalar>(c), ctx.stream);
    av_ = DeviceBuffer<Scalar>(to_scalar<Scalar>(av), ctx.stream);
    cv_ = DeviceBuffer<Scalar>(to_scalar<Scalar>(cv), ctx.stream);
    theta0_ = DeviceBuffer<Scalar>(to_scalar<Scalar>(theta0), ctx.stream);
    w0_ = DeviceBuffer<Scalar>(to_scalar<Scalar>(p.w0), ctx.stream);
    budgets_ = DeviceBuffer<std::int64_t>(budgets, ctx.stream);
  }

  template <class Kernel>
  void launch(Kernel kernel, dim3 grid, dim3 block, std::size_t smem, const DiagonalArgs<Scalar>& A) const {
    if (smem > 48 * 1024)
      CUDA_CHECK(cudaFuncSetAttribute(kernel, cudaFuncAttributeMaxDynamicSharedMemorySize, static_cast<int>(smem)));
    kernel<<<grid, block, smem, ctx_.stream>>>(A);
  }

  std::string path() const override { return kmax_ > 0 ? "diagonal-fused" : "diagonal-fused (state in global memory)"; }

  std::size_t bytes_per_run() const override {
    std::size_t scalars = static_cast<std::size_t>(C_) * (d_ + K_);  // outputs
    if (kmax_ == 0)
      scalars += static_cast<std::size_t>(2 + K_) * dpad_ + 2 * static_cast<std::size_t>(K_) * d_ +
                 3 * static_cast<std::size_t>(K_) * group_;
    return scalars * sizeof(Scalar) + C_ * sizeof(int) + sizeof(std::int64_t) + sizeof(std::uint64_t);
  }

  BatchOutput run_batch(const RunSpec* specs, int runs) override {
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

    // Launch shape: block-sized groups for P > 32, else 128-thread blocks of
    // 128/P runs (32-thread blocks when that would leave SMs idle).
    int block, runs_per_block;
    if (group_ > 32) {
      block = group_;
      runs_per_block = 1;
    } else {
      block = static_cast<long long>(runs) * group_ >= 2LL * 128 * ctx_.multiprocessors ? 128 : 32;
      runs_per_block = block / group_;
    }
    const long long grid = ceil_div(runs, runs_per_block);

    DeviceBuffer<Scalar> state, weights;
    if (kmax_ == 0) {
      state = DeviceBuffer<Scalar>(static_cast<std::size_t>(runs) *
                                   ((2 + K_) * static_cast<std::size_t>(dpad_) + 2 * static_cast<std::size_t>(K_) * d_));
      weights = DeviceBuffer<Scalar>(static_cast<std::size_t>(grid) * block * 3 * K_);
    }

    DiagonalArgs<Scalar> A;
    A.d = d_;
    A.K = K_;
    A.npairs = npairs_;
    A.dpad = dpad_;
    A.group = group_;
    A.runs = runs;
    A.C = C_;
    A.n_max = n_max_;
    A.a = a_.data();
    A.c = c_.data();
    A.av = av_.data();
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
    A.state = state.data();
    A.weights = weights.data();

    // Register variant: the runs' noise buffers in dynamic shared memory
    // (≤ 2·8·512 doubles = 64 KiB for a block-sized group).
    const std::size_t smem =
        kmax_ > 0 && cfg_.noise_sigma != 0 ? 2 * static_cast<std::size_t>(K_) * d_ * runs_per_block * sizeof(Scalar) : 0;
    const dim3 g(static_cast<unsigned>(grid)), b(static_cast<unsigned>(block));
    switch (kmax_) {
      case 1: launch(quadratic_diagonal_kernel<Scalar, 1>, g, b, smem, A); break;
      case 2: launch(quadratic_diagonal_kernel<Scalar, 2>, g, b, smem, A); break;
      case 4: launch(quadratic_diagonal_kernel<Scalar, 4>, g, b, smem, A); break;
      case 8: launch(quadratic_diagonal_kernel<Scalar, 8>, g, b, smem, A); break;
      default: launch(quadratic_diagonal_kernel<Scalar, 0>, g, b, 0, A); break;
    }
    check_launch(__func__);

    BatchOutput out;
    out.runs = runs;
    out.checkpoints = C_;
    out.d = d_;
    out.K = K_;
    std::vector<Scalar> theta_host, w_host;
    out_theta.download(theta_host, ctx_.stream);
    out_w.download(w_host, ctx_.stream);
    out_reached.download(out.reached, ctx_.stream);
    out.theta.assign(theta_host.begin(), theta_host.end());
    out.w.assign(w_host.begin(), w_host.end());
    return out;
  }

 private:
  DeviceContext ctx_;
  AlgorithmConfig cfg_;
  int d_, K_, npairs_, dpad_, C_;
  std::int64_t n_max_;
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
