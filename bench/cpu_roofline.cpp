// The CPU's measured ceilings for the lane code (issue #11's roofline), at
// the instruction-set level the lane paths use (lane_isa(); HORIZON_CPU_ISA
// caps it), on 1 … --threads threads (one independent loop per thread):
//
//   mul_add_gflops  separate vector multiplies and adds, 16 independent
//                   chains: the ceiling of horizon's arithmetic, which may not
//                   contract a·b + c into an FMA (bit-for-bit contract)
//   fma_gflops      the same with FMA instructions (2 flops each): the
//                   machine's nominal double-precision peak
//   philox_words_per_s   Philox4x32-10 on 8 lanes, 32 calls at a time as a
//                   lane step makes them (philox_lanes_seq), 4 words per
//                   lane per call
//   normals_per_s   Philox + Box–Muller exactly as a lane step draws its
//                   noise (32 calls → 256 pairs → 512 normals per block)
//
// Prints one JSON line per thread count. docs/performance.md divides the
// sweeps' useful flops/s and normals/s by these.
#include <omp.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <iostream>
#include <string>
#include <type_traits>
#include <vector>

#include <nlohmann/json.hpp>

#include "lanes/lane_isa.hpp"
#include "lanes/lanes_simd.hpp"

namespace {

using namespace horizon::reference;

// Independent chains of 8 lanes per loop: enough to cover a multiply plus an
// add's latency on two pipes each, few enough to stay in the 32 zmm / 16 ymm
// / 16 xmm registers (a Vec4x2 chain is 2 registers, a Vec2x4 chain 4).
constexpr int kChains512 = 16, kChains256 = 6, kChains128 = 3;

// v = v·m + a per chain, as a multiply and a separate add (no contraction:
// -ffp-contract=off). Returns a value so nothing is optimised away.
template <class V, int C>
inline double mul_add_kernel(long iters) {
  V acc[C];
  for (int c = 0; c < C; ++c) acc[c] = vsplat<V>(1.0 + c * 1e-3);
  const V m = vsplat<V>(0.999999), a = vsplat<V>(1e-7);
  for (long i = 0; i < iters; ++i)
    for (int c = 0; c < C; ++c) acc[c] = acc[c] * m + a;
  Lane out;
  V s = acc[0];
  for (int c = 1; c < C; ++c) s += acc[c];
  put(out, s);
  return out.x[0];
}

__attribute__((target("avx512f"), flatten)) double mul_add_avx512(long iters) { return mul_add_kernel<Vec8, kChains512>(iters); }
__attribute__((target("avx2"), flatten)) double mul_add_avx2(long iters) { return mul_add_kernel<Vec4x2, kChains256>(iters); }
__attribute__((flatten)) double mul_add_baseline(long iters) { return mul_add_kernel<Vec2x4, kChains128>(iters); }
constexpr int kChains = 16;  // FMA loops: 16 zmm, or 12 ymm (×4/3 the iterations)

__attribute__((target("avx512f"))) double fma_avx512(long iters) {
  __m512d acc[kChains];
  for (int c = 0; c < kChains; ++c) acc[c] = _mm512_set1_pd(1.0 + c * 1e-3);
  const __m512d m = _mm512_set1_pd(0.999999), a = _mm512_set1_pd(1e-7);
  for (long i = 0; i < iters; ++i)
    for (int c = 0; c < kChains; ++c) acc[c] = _mm512_fmadd_pd(acc[c], m, a);
  double out[8];
  __m512d s = acc[0];
  for (int c = 1; c < kChains; ++c) s = _mm512_add_pd(s, acc[c]);
  _mm512_storeu_pd(out, s);
  return out[0];
}
__attribute__((target("avx2,fma"))) double fma_avx2(long iters) {  // 12 chains × 8/3 iterations: the same flops
  constexpr int C = 12;
  __m256d acc[C];
  for (int c = 0; c < C; ++c) acc[c] = _mm256_set1_pd(1.0 + c * 1e-3);
  const __m256d m = _mm256_set1_pd(0.999999), a = _mm256_set1_pd(1e-7);
  for (long i = 0; i < iters * 8 / 3; ++i)
    for (int c = 0; c < C; ++c) acc[c] = _mm256_fmadd_pd(acc[c], m, a);
  double out[4];
  __m256d s = acc[0];
  for (int c = 1; c < C; ++c) s = _mm256_add_pd(s, acc[c]);
  _mm256_storeu_pd(out, s);
  return out[0];
}

// Philox on 8 lanes, `blocks` × 32 calls, 32 at a time as a lane step makes
// them (philox_lanes_seq); returns a word so it is kept.
template <int Dummy = 0>
inline std::uint32_t philox_kernel(long blocks) {
  constexpr int calls = 32;
  std::uint32_t k0[R], k1[R], words[calls][4][R], sink = 0;
  for (int r = 0; r < R; ++r) k0[r] = 17u * r + 1, k1[r] = 3u * r;
  for (long b = 0; b < blocks; ++b) {
    philox_lanes_seq(k0, k1, 0, calls, 0, static_cast<std::uint32_t>(b), 0, words);
    sink ^= words[b % calls][0][0] ^ words[calls - 1][3][R - 1];
  }
  return sink;
}

// The noise of a lane step: 32 Philox calls give 64 pairs per lane
// (word_a / word_b as lane_trajectory.hpp lays them out), then Box–Muller.
template <class V>
inline double normals_kernel(long blocks) {
  constexpr int calls = 32, pairs = 2 * calls * R;
  std::uint32_t k0[R], k1[R], words[calls][4][R], a[pairs], b[pairs];
  double z0[pairs], z1[pairs], sink = 0;
  for (int r = 0; r < R; ++r) k0[r] = 17u * r + 1, k1[r] = 3u * r;
  for (long blk = 0; blk < blocks; ++blk) {
    philox_lanes_seq(k0, k1, 0, calls, 0, static_cast<std::uint32_t>(blk), 0, words);
    for (int q = 0; q < calls; ++q)
      for (int half = 0; half < 2; ++half)
        for (int r = 0; r < R; ++r) a[(2 * q + half) * R + r] = words[q][2 * half][r], b[(2 * q + half) * R + r] = words[q][2 * half + 1][r];
    box_muller_block<V>(a, b, z0, z1, pairs);  // as lane_trajectory.hpp does per level
    sink += z0[blk % pairs] + z1[(blk * 7) % pairs];
  }
  return sink;
}

__attribute__((target("avx512f"), flatten)) std::uint32_t philox_avx512(long n) { return philox_kernel(n); }
__attribute__((target("avx2"), flatten)) std::uint32_t philox_avx2(long n) { return philox_kernel(n); }
__attribute__((flatten)) std::uint32_t philox_baseline(long n) { return philox_kernel(n); }
__attribute__((target("avx512f"), flatten)) double normals_avx512(long n) { return normals_kernel<Vec8>(n); }
__attribute__((target("avx2"), flatten)) double normals_avx2(long n) { return normals_kernel<Vec4x2>(n); }
__attribute__((flatten)) double normals_baseline(long n) { return normals_kernel<Vec2x4>(n); }

// Seconds for f() on `threads` threads at once (each its own loop), best of 3.
template <class F>
double timed(int threads, F f) {
  double best = 1e300;
  for (int rep = 0; rep < 3; ++rep) {
    double sink = 0;
    const auto t0 = std::chrono::steady_clock::now();
#pragma omp parallel num_threads(threads) reduction(+ : sink)
    sink += static_cast<double>(f());
    best = std::min(best, std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
    if (sink == 12345.678) std::puts("");  // keep the results alive
  }
  return best;
}

}  // namespace

int main(int argc, char** argv) {
  int max_threads = 2;
  bool smoke = false;
  for (int i = 1; i < argc; ++i) {
    if (!std::strcmp(argv[i], "--threads") && i + 1 < argc) max_threads = std::atoi(argv[++i]);
    else if (!std::strcmp(argv[i], "--smoke")) smoke = true;
    else {
      std::cerr << "usage: horizon_bench_roofline [--threads N] [--smoke]\n";
      return 2;
    }
  }
  const LaneIsa isa = lane_isa();
  const long flop_iters = smoke ? 1000 : 20000000, philox_blocks = smoke ? 10 : 40000, normal_blocks = smoke ? 10 : 20000;
  for (int t = 1; t <= max_threads; ++t) {
    double (*mul_add)(long) = isa == LaneIsa::avx512 ? mul_add_avx512 : isa == LaneIsa::avx2 ? mul_add_avx2 : mul_add_baseline;
    const int chains = isa == LaneIsa::avx512 ? kChains512 : isa == LaneIsa::avx2 ? kChains256 : kChains128;
    const double s_ma = timed(t, [&] { return mul_add(flop_iters); });
    double s_fma = 0;
    if (isa == LaneIsa::avx512) s_fma = timed(t, [&] { return fma_avx512(flop_iters); });
    else if (isa == LaneIsa::avx2 && __builtin_cpu_supports("fma")) s_fma = timed(t, [&] { return fma_avx2(flop_iters); });
    const double s_ph = timed(t, [&] {
      return isa == LaneIsa::avx512 ? philox_avx512(philox_blocks)
                                    : isa == LaneIsa::avx2 ? philox_avx2(philox_blocks) : philox_baseline(philox_blocks);
    });
    const double s_bm = timed(t, [&] {
      return isa == LaneIsa::avx512 ? normals_avx512(normal_blocks)
                                    : isa == LaneIsa::avx2 ? normals_avx2(normal_blocks) : normals_baseline(normal_blocks);
    });
    const double flops_ma = 2.0 * R * chains * static_cast<double>(flop_iters) * t;  // mul + add, 8 lanes, per chain
    const double flops = 2.0 * R * kChains * static_cast<double>(flop_iters) * t;       // the FMA loops
    nlohmann::json out = {{"benchmark", "cpu_roofline"},
                          {"lane_isa", lane_isa_name(isa)},
                          {"threads", t},
                          {"mul_add_gflops", flops_ma / s_ma / 1e9},
                          {"fma_gflops", s_fma > 0 ? nlohmann::json(flops / s_fma / 1e9) : nlohmann::json(nullptr)},
                          {"philox_words_per_s", 4.0 * R * 32 * philox_blocks * t / s_ph},
                          {"normals_per_s", 2.0 * 2 * 32 * R * normal_blocks * t / s_bm}};
    std::cout << out.dump() << '\n';
  }
  return 0;
}
