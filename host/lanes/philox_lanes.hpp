// Philox4x32-10 (Random123's constants and rounds, rng.hpp) on the R = 8
// lanes of the lane-batched CPU paths, each lane with its own key: the same
// words as rng::philox per lane, by instruction-set level (lane_isa.hpp) —
// AVX-512, AVX2 and portable code — behind philox_lanes_seq.
#pragma once

#include <immintrin.h>

#include <cstdint>

#include "lanes/lane_isa.hpp"
#include "lanes/lanes.hpp"

namespace horizon {
namespace reference {
namespace {

constexpr int R = lanes;

// Philox4x32-10 on the R = 8 lanes with AVX2: each counter word of the 8
// lanes in one register; the 32×32→64 products of even and odd lanes come
// from two _mm256_mul_epu32 and are blended back into high and low words.
__attribute__((target("avx2"))) void philox_lanes_avx2(const std::uint32_t* key0, const std::uint32_t* key1,
                                                       std::uint32_t c0v, std::uint32_t c1v, std::uint32_t c2v,
                                                       std::uint32_t c3v, std::uint32_t (*out)[R]) {
  static_assert(R == 8, "one 256-bit register of 32-bit words per counter word");
  __m256i c0 = _mm256_set1_epi32(static_cast<int>(c0v)), c1 = _mm256_set1_epi32(static_cast<int>(c1v));
  __m256i c2 = _mm256_set1_epi32(static_cast<int>(c2v)), c3 = _mm256_set1_epi32(static_cast<int>(c3v));
  __m256i k0 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(key0));
  __m256i k1 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(key1));
  const __m256i m0 = _mm256_set1_epi64x(0xD2511F53), m1 = _mm256_set1_epi64x(0xCD9E8D57);
  const __m256i w0 = _mm256_set1_epi32(static_cast<int>(0x9E3779B9u)), w1 = _mm256_set1_epi32(static_cast<int>(0xBB67AE85u));
  for (int round = 0; round < 10; ++round) {
    const __m256i e0 = _mm256_mul_epu32(c0, m0), o0 = _mm256_mul_epu32(_mm256_srli_epi64(c0, 32), m0);
    const __m256i e1 = _mm256_mul_epu32(c2, m1), o1 = _mm256_mul_epu32(_mm256_srli_epi64(c2, 32), m1);
    const __m256i hi0 = _mm256_blend_epi32(_mm256_srli_epi64(e0, 32), o0, 0xAA);
    const __m256i lo0 = _mm256_blend_epi32(e0, _mm256_slli_epi64(o0, 32), 0xAA);
    const __m256i hi1 = _mm256_blend_epi32(_mm256_srli_epi64(e1, 32), o1, 0xAA);
    const __m256i lo1 = _mm256_blend_epi32(e1, _mm256_slli_epi64(o1, 32), 0xAA);
    c0 = _mm256_xor_si256(_mm256_xor_si256(hi1, c1), k0);
    c1 = lo1;
    c2 = _mm256_xor_si256(_mm256_xor_si256(hi0, c3), k1);
    c3 = lo0;
    k0 = _mm256_add_epi32(k0, w0);
    k1 = _mm256_add_epi32(k1, w1);
  }
  _mm256_storeu_si256(reinterpret_cast<__m256i*>(out[0]), c0);
  _mm256_storeu_si256(reinterpret_cast<__m256i*>(out[1]), c1);
  _mm256_storeu_si256(reinterpret_cast<__m256i*>(out[2]), c2);
  _mm256_storeu_si256(reinterpret_cast<__m256i*>(out[3]), c3);
}

// `count` consecutive Philox calls on the 8 lanes, counters {c0 + i, c1, c2,
// c3}, i < count, into out[i]; the same words as count philox_lanes_avx2 calls.
// One call is a chain of 10 dependent rounds (latency-bound: measured
// 1.5·10⁹ words/s on a core that retires 4 vector operations per cycle);
// two calls interleaved give the core two chains at once.
__attribute__((target("avx2"))) inline void philox_lanes_seq_avx2(const std::uint32_t* key0, const std::uint32_t* key1,
                                                                  std::uint32_t c0v, int count, std::uint32_t c1v,
                                                                  std::uint32_t c2v, std::uint32_t c3v,
                                                                  std::uint32_t (*out)[4][R]) {
  static_assert(R == 8, "one 256-bit register of 32-bit words per counter word");
  constexpr int M = 2;
  const __m256i key0v = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(key0));
  const __m256i key1v = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(key1));
  const __m256i m0 = _mm256_set1_epi64x(0xD2511F53), m1 = _mm256_set1_epi64x(0xCD9E8D57);
  const __m256i w0 = _mm256_set1_epi32(static_cast<int>(0x9E3779B9u)), w1 = _mm256_set1_epi32(static_cast<int>(0xBB67AE85u));
  int i = 0;
  for (; i + M <= count; i += M) {
    __m256i c0[M], c1[M], c2[M], c3[M];
    for (int m = 0; m < M; ++m) {
      c0[m] = _mm256_set1_epi32(static_cast<int>(c0v + static_cast<std::uint32_t>(i + m)));
      c1[m] = _mm256_set1_epi32(static_cast<int>(c1v));
      c2[m] = _mm256_set1_epi32(static_cast<int>(c2v));
      c3[m] = _mm256_set1_epi32(static_cast<int>(c3v));
    }
    __m256i k0 = key0v, k1 = key1v;  // the round keys are the same for every call
    for (int round = 0; round < 10; ++round) {
      for (int m = 0; m < M; ++m) {
        const __m256i e0 = _mm256_mul_epu32(c0[m], m0), o0 = _mm256_mul_epu32(_mm256_srli_epi64(c0[m], 32), m0);
        const __m256i e1 = _mm256_mul_epu32(c2[m], m1), o1 = _mm256_mul_epu32(_mm256_srli_epi64(c2[m], 32), m1);
        const __m256i hi0 = _mm256_blend_epi32(_mm256_srli_epi64(e0, 32), o0, 0xAA);
        const __m256i lo0 = _mm256_blend_epi32(e0, _mm256_slli_epi64(o0, 32), 0xAA);
        const __m256i hi1 = _mm256_blend_epi32(_mm256_srli_epi64(e1, 32), o1, 0xAA);
        const __m256i lo1 = _mm256_blend_epi32(e1, _mm256_slli_epi64(o1, 32), 0xAA);
        c0[m] = _mm256_xor_si256(_mm256_xor_si256(hi1, c1[m]), k0);
        c1[m] = lo1;
        c2[m] = _mm256_xor_si256(_mm256_xor_si256(hi0, c3[m]), k1);
        c3[m] = lo0;
      }
      k0 = _mm256_add_epi32(k0, w0);
      k1 = _mm256_add_epi32(k1, w1);
    }
    for (int m = 0; m < M; ++m) {
      _mm256_storeu_si256(reinterpret_cast<__m256i*>(out[i + m][0]), c0[m]);
      _mm256_storeu_si256(reinterpret_cast<__m256i*>(out[i + m][1]), c1[m]);
      _mm256_storeu_si256(reinterpret_cast<__m256i*>(out[i + m][2]), c2[m]);
      _mm256_storeu_si256(reinterpret_cast<__m256i*>(out[i + m][3]), c3[m]);
    }
  }
  for (; i < count; ++i)
    philox_lanes_avx2(key0, key1, c0v + static_cast<std::uint32_t>(i), c1v, c2v, c3v, out[i]);
}

// GCC 12's AVX-512 intrinsics warn about their own undefined pass-through
// operands; every lane of every result below is defined.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
// With AVX-512: each counter word of the 8 lanes in the low half of a 64-bit
// element, so one _mm512_mul_epu32 gives the whole 64-bit product and its
// high word is one shift away; no blends. The high halves of the elements
// collect garbage (the products' high words, carried by the xors), which
// _mm512_mul_epu32 ignores and the final vpmovqd drops. M calls at once:
// one call is a chain of 10 dependent rounds; M independent chains keep the
// vector units busy (32 registers hold M = 4).
template <int M>
__attribute__((target("avx512f"))) inline void philox_calls_avx512(__m512i key0v, __m512i key1v, std::uint32_t c0v,
                                                                  std::uint32_t c1v, std::uint32_t c2v,
                                                                  std::uint32_t c3v, std::uint32_t (*out)[4][R]) {
  static_assert(R == 8, "8 lanes in the 64-bit elements of one register");
  const __m512i m0 = _mm512_set1_epi64(0xD2511F53), m1 = _mm512_set1_epi64(0xCD9E8D57);
  const __m512i w0 = _mm512_set1_epi64(0x9E3779B9u), w1 = _mm512_set1_epi64(0xBB67AE85u);
  __m512i c0[M], c1[M], c2[M], c3[M];
  for (int m = 0; m < M; ++m) {
    c0[m] = _mm512_set1_epi64(c0v + static_cast<std::uint32_t>(m));
    c1[m] = _mm512_set1_epi64(c1v);
    c2[m] = _mm512_set1_epi64(c2v);
    c3[m] = _mm512_set1_epi64(c3v);
  }
  __m512i k0 = key0v, k1 = key1v;  // the round keys are the same for every call
  for (int round = 0; round < 10; ++round) {
    for (int m = 0; m < M; ++m) {
      const __m512i p0 = _mm512_mul_epu32(c0[m], m0), p1 = _mm512_mul_epu32(c2[m], m1);
      c0[m] = _mm512_ternarylogic_epi64(_mm512_srli_epi64(p1, 32), c1[m], k0, 0x96);  // hi1 ^ c1 ^ k0
      c2[m] = _mm512_ternarylogic_epi64(_mm512_srli_epi64(p0, 32), c3[m], k1, 0x96);  // hi0 ^ c3 ^ k1
      c1[m] = p1;  // lo1 in the low half
      c3[m] = p0;  // lo0
    }
    k0 = _mm512_add_epi32(k0, w0);  // 32-bit adds: each low half wraps mod 2^32
    k1 = _mm512_add_epi32(k1, w1);
  }
  for (int m = 0; m < M; ++m) {
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(out[m][0]), _mm512_cvtepi64_epi32(c0[m]));
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(out[m][1]), _mm512_cvtepi64_epi32(c1[m]));
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(out[m][2]), _mm512_cvtepi64_epi32(c2[m]));
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(out[m][3]), _mm512_cvtepi64_epi32(c3[m]));
  }
}

// philox_lanes_seq_avx2's words with AVX-512: 4 calls at a time, then 2, then 1.
__attribute__((target("avx512f"))) inline void philox_lanes_seq_avx512(const std::uint32_t* key0,
                                                                      const std::uint32_t* key1, std::uint32_t c0v,
                                                                      int count, std::uint32_t c1v, std::uint32_t c2v,
                                                                      std::uint32_t c3v, std::uint32_t (*out)[4][R]) {
  const __m512i k0 = _mm512_cvtepu32_epi64(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(key0)));
  const __m512i k1 = _mm512_cvtepu32_epi64(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(key1)));
  int i = 0;
  for (; i + 4 <= count; i += 4) philox_calls_avx512<4>(k0, k1, c0v + static_cast<std::uint32_t>(i), c1v, c2v, c3v, out + i);
  if (i + 2 <= count) {
    philox_calls_avx512<2>(k0, k1, c0v + static_cast<std::uint32_t>(i), c1v, c2v, c3v, out + i);
    i += 2;
  }
  if (i < count) philox_calls_avx512<1>(k0, k1, c0v + static_cast<std::uint32_t>(i), c1v, c2v, c3v, out + i);
}

#pragma GCC diagnostic pop

// Philox4x32-10 (Random123's constants and rounds) on R lanes with per-lane keys.
inline void philox_lanes_portable(const std::uint32_t* key0, const std::uint32_t* key1, std::uint32_t c0v, std::uint32_t c1v,
                         std::uint32_t c2v, std::uint32_t c3v, std::uint32_t (*out)[R]) {
  std::uint32_t c0[R], c1[R], c2[R], c3[R], k0[R], k1[R];
  for (int r = 0; r < R; ++r) c0[r] = c0v, c1[r] = c1v, c2[r] = c2v, c3[r] = c3v, k0[r] = key0[r], k1[r] = key1[r];
  for (int round = 0; round < 10; ++round) {
    for (int r = 0; r < R; ++r) {
      const std::uint64_t p0 = static_cast<std::uint64_t>(c0[r]) * 0xD2511F53u;
      const std::uint64_t p1 = static_cast<std::uint64_t>(c2[r]) * 0xCD9E8D57u;
      const std::uint32_t n0 = static_cast<std::uint32_t>(p1 >> 32) ^ c1[r] ^ k0[r];
      const std::uint32_t n2 = static_cast<std::uint32_t>(p0 >> 32) ^ c3[r] ^ k1[r];
      c1[r] = static_cast<std::uint32_t>(p1);
      c3[r] = static_cast<std::uint32_t>(p0);
      c0[r] = n0;
      c2[r] = n2;
      k0[r] += 0x9E3779B9u;
      k1[r] += 0xBB67AE85u;
    }
  }
  for (int r = 0; r < R; ++r) out[0][r] = c0[r], out[1][r] = c1[r], out[2][r] = c2[r], out[3][r] = c3[r];
}

inline void philox_lanes_seq(const std::uint32_t* key0, const std::uint32_t* key1, std::uint32_t c0, int count,
                             std::uint32_t c1, std::uint32_t c2, std::uint32_t c3, std::uint32_t (*out)[4][R]) {
  static const LaneIsa isa = lane_isa();
  if (isa >= LaneIsa::avx512)
    philox_lanes_seq_avx512(key0, key1, c0, count, c1, c2, c3, out);
  else if (isa >= LaneIsa::avx2)
    philox_lanes_seq_avx2(key0, key1, c0, count, c1, c2, c3, out);
  else
    for (int i = 0; i < count; ++i)
      philox_lanes_portable(key0, key1, c0 + static_cast<std::uint32_t>(i), c1, c2, c3, out[i]);
}

}  // namespace
}  // namespace reference
}  // namespace horizon
