// kernels/block_exec.hpp — how a kernel body runs: on the device, and
// replayed on the CPU by the KernelReplay tests.
//
// A kernel body is an HORIZON_HD template over a Block. Its control flow is
// uniform (every decision is read from the arguments or from shared memory,
// the same for all threads of the block), and its work is in phases
//
//     blk.each([&](int tid, State& st) { ... });   // one thread's part
//     blk.barrier();                                // __syncthreads()
//
// with a barrier between a phase that writes shared or global memory and one
// that reads what another thread wrote. On the device every thread runs the
// body: each() calls the phase once, for threadIdx.x, with the thread's own
// State (registers), and barrier() is __syncthreads(). On the host the body
// runs once per block: each() calls the phase for thread 0, 1, … in turn,
// each with its own State, and barrier() does nothing — a phase reads only
// what was written before the last barrier, so the sequential replay computes
// what the device computes. Blocks are replayed one after another (no kernel
// here lets blocks communicate).
//
// group_sum is the one reduction primitive. Over each group of P consecutive
// threads (P a power of two ≤ 32, or P = the whole block, a multiple of 32),
// every thread's value becomes the group's sum, the same bits in every
// thread: an xor butterfly within the warp (v += v of lane ^ m, m = 1, 2, 4,
// …; IEEE addition is commutative, so partners compute the same sum), then,
// for P > 32, the warps' sums added in warp order from 0 by every thread. The
// host version performs exactly these additions, so a replay sees the
// device's sums bit for bit. Blocks are a multiple of 32 threads, and all of
// a block's threads call group_sum together.
#pragma once

#include <cstddef>
#include <utility>
#include <vector>

#include "horizon/hd.hpp"

namespace horizon {
namespace cuda {

constexpr int kWarp = 32;

#if defined(__CUDACC__)
template <class State>
class DeviceBlock {
 public:
  __device__ explicit DeviceBlock(unsigned char* shared) : shared_(shared) {}
  __device__ int index() const { return static_cast<int>(blockIdx.x); }
  __device__ int threads() const { return static_cast<int>(blockDim.x); }
  __device__ unsigned char* shared() const { return shared_; }

  template <class F>
  __device__ __forceinline__ void each(F&& phase) {
    phase(static_cast<int>(threadIdx.x), state_);
  }
  __device__ __forceinline__ void barrier() { __syncthreads(); }

  // get(State&) → Scalar&, replaced by the sum over the thread's group.
  // `scratch`: shared memory for threads()/32 values, used when P > 32.
  template <class Scalar, class Get>
  __device__ void group_sum(int P, Get get, Scalar* scratch) {
    Scalar& v = get(state_);
    const int width = P < kWarp ? P : kWarp;
    for (int m = 1; m < width; m <<= 1) v += __shfl_xor_sync(0xffffffffu, v, m, width);
    if (P <= kWarp) return;
    if ((threadIdx.x & (kWarp - 1)) == 0) scratch[threadIdx.x / kWarp] = v;
    __syncthreads();
    Scalar s = 0;
    for (int w = 0; w < P / kWarp; ++w) s += scratch[w];
    __syncthreads();  // scratch is reused by the next call
    v = s;
  }

 private:
  State state_;
  unsigned char* shared_;
};
#endif

template <class State>
class HostBlock {
 public:
  HostBlock(int index, int threads, std::size_t shared_bytes)
      : index_(index), states_(static_cast<std::size_t>(threads)), shared_(shared_bytes) {}
  int index() const { return index_; }
  int threads() const { return static_cast<int>(states_.size()); }
  unsigned char* shared() { return shared_.data(); }

  template <class F>
  void each(F&& phase) {
    for (int t = 0; t < threads(); ++t) phase(t, states_[static_cast<std::size_t>(t)]);
  }
  void barrier() {}

  template <class Scalar, class Get>
  void group_sum(int P, Get get, Scalar* scratch) {
    const int n = threads();
    std::vector<Scalar> v(static_cast<std::size_t>(n)), next(v.size());
    for (int t = 0; t < n; ++t) v[t] = get(states_[t]);
    const int width = P < kWarp ? P : kWarp;
    for (int m = 1; m < width; m <<= 1) {
      for (int t = 0; t < n; ++t) next[t] = v[t] + v[t ^ m];
      v.swap(next);
    }
    if (P > kWarp) {
      for (int w = 0; w < P / kWarp; ++w) scratch[w] = v[static_cast<std::size_t>(w) * kWarp];
      Scalar s = 0;
      for (int w = 0; w < P / kWarp; ++w) s += scratch[w];
      for (int t = 0; t < n; ++t) v[t] = s;
    }
    for (int t = 0; t < n; ++t) get(states_[t]) = v[t];
  }

 private:
  int index_;
  std::vector<State> states_;
  std::vector<unsigned char> shared_;
};

// Replays a launch of `grid` blocks of `threads` threads with `shared_bytes`
// of shared memory: body(HostBlock<State>&) once per block, in block order.
template <class State, class Body>
void replay_grid(int grid, int threads, std::size_t shared_bytes, Body&& body) {
  for (int b = 0; b < grid; ++b) {
    HostBlock<State> blk(b, threads, shared_bytes);
    body(blk);
  }
}

}  // namespace cuda
}  // namespace horizon
