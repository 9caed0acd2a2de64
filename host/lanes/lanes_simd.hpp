// Vector building blocks of the lane-batched CPU paths (quadratic_lane_model.hpp,
// logistic_lane_model.hpp): lane values as GCC vectors, Box–Muller over many
// pairs, rows to lanes, exp and the sigmoid (Philox: philox_lanes.hpp). Every operation is elementwise IEEE, so a lane
// computes the same bits as the scalar code in rng.hpp and the reference.
#pragma once

#include <immintrin.h>

#include <cstdint>
#include <cstring>
#include <type_traits>

#include "horizon/rng.hpp"
#include "lanes/lane_vec.hpp"
#include "lanes/lanes.hpp"
#include "lanes/philox_lanes.hpp"

// Vec values only pass between inline functions of the lane files; the ABI
// note about AVX-512 vector returns in the default clone does not apply.
#pragma GCC diagnostic ignored "-Wpsabi"

namespace horizon {
namespace reference {
namespace {


// Exact uint32 → double without the branchy unsigned conversion.
inline double to_double(std::uint32_t a) {
  return static_cast<double>(static_cast<std::int32_t>(a ^ 0x80000000u)) + 2147483648.0;
}

// rng::box_muller over `count` independent pairs (same operations; the words
// convert exactly). One long loop, so the out-of-order core overlaps the
// long dependency chains (log, sin, cos) of many pairs.
inline void box_muller_many(const std::uint32_t* a, const std::uint32_t* b, double* z0, double* z1, int count) {
  for (int r = 0; r < count; ++r) {
    const double u = rng::mul_rn(rng::add_rn(to_double(a[r]), 0.5), 0x1.0p-32);
    const double rho = rng::sqrt_rn(rng::mul_rn(-2.0, rng::portable_log(u)));
    double s, c;
    rng::turn_sincos(b[r], &s, &c);
    z0[r] = rng::mul_rn(rho, c);
    z1[r] = rng::mul_rn(rho, s);
  }
}

// One value per lane: `Vec` is the lane_vec.hpp type of the translation
// unit's instruction set (HORIZON_LANE_VEC = 8, 4 or 2 doubles per register;
// default 8). Its arithmetic is elementwise IEEE, so a lane computes exactly
// what the scalar reference computes. The state is stored as plain `Lane`
// arrays (8-byte aligned, whatever the ISA) and moved in and out of
// registers with unaligned vector loads and stores.
#if !defined(HORIZON_LANE_VEC) || HORIZON_LANE_VEC == 8
using Vec = Vec8;
#elif HORIZON_LANE_VEC == 4
using Vec = Vec4x2;
#elif HORIZON_LANE_VEC == 2
using Vec = Vec2x4;
#else
#error "HORIZON_LANE_VEC must be 8, 4 or 2"
#endif
struct Lane {
  double x[R];
};

template <class V = Vec>
inline V get(const Lane& l) {
  static_assert(sizeof(V) == sizeof l.x, "one double per lane");
  V v;
  load(l.x, v);
  return v;
}
template <class V>
inline void put(Lane& l, const V& v) {
  static_assert(sizeof(V) == sizeof l.x, "one double per lane");
  store(l.x, v);
}
inline Lane splat(double x) {
  Lane l;
  for (int r = 0; r < R; ++r) l.x[r] = x;
  return l;
}

// x on every lane. (GCC turns this into one broadcast; a brace initialiser
// of 8 copies measured twice as slow in the logistic lanes.)
template <class V>
struct Splat {  // a native vector (up to 8 doubles): a load from a splat Lane
  static V of(double x) {
    const Lane l = splat(x);
    V v;
    load(l.x, v);
    return v;
  }
};
template <class H>
struct Splat<Pair<H>> {  // any Pair, also one of two Vecs (16 values)
  static Pair<H> of(double x) { return {Splat<H>::of(x), Splat<H>::of(x)}; }
};
template <class V = Vec>
inline V vsplat(double x) {
  return Splat<V>::of(x);
}

// rng::box_muller on the lanes of V, in vector operations only: the words
// convert to doubles exactly (through the bits of 2^52 + word), the log's
// exponent and the sin/cos quadrant are exact integer bit operations, and
// every +, ×, ÷, √ is the scalar one in the scalar order — so each lane is
// rng::box_muller's result bit for bit (tests/lanes_test.cpp). Unlike
// box_muller_many, nothing mixes 32- and 64-bit elements, which GCC's own
// vectorisation of the scalar loop pays for in shuffles.
template <class V>
inline V exact_double(decltype(to_bits(V{})) small) {  // 0 ≤ small < 2^52
  return from_bits(small | 0x4330000000000000ll) - 0x1.0p52;
}

template <class V>
inline V log_lanes(V x) {  // rng::portable_log for 0 < x < 1
  const auto bits = to_bits(x);
  const V e0 = exact_double<V>(bits >> 52) - 1022.0;  // the scalar's int e0, exactly
  const V m0 = from_bits((bits & 0x000fffffffffffffll) | (1022ll << 52));
  const auto low = m0 < vsplat<V>(0.70710678118654752440);
  const V m = select(low, m0 * 2.0, m0);
  const V e = select(low, e0 - 1.0, e0);
  const V f = (m + -1.0) / (m + 1.0);
  const V f2 = f * f;
  V p = vsplat<V>(1.0 / 25);
  p = p * f2 + 1.0 / 23;
  p = p * f2 + 1.0 / 21;
  p = p * f2 + 1.0 / 19;
  p = p * f2 + 1.0 / 17;
  p = p * f2 + 1.0 / 15;
  p = p * f2 + 1.0 / 13;
  p = p * f2 + 1.0 / 11;
  p = p * f2 + 1.0 / 9;
  p = p * f2 + 1.0 / 7;
  p = p * f2 + 1.0 / 5;
  p = p * f2 + 1.0 / 3;
  const V log_m = 2.0 * (f + f * (f2 * p));
  const double ln2_hi = 6.93147180369123816490e-01, ln2_lo = 1.90821492927058770002e-10;
  return e * ln2_hi + (e * ln2_lo + log_m);
}

template <class V>
inline void quarter_sincos_lanes(V r, V* s, V* c) {  // rng::quarter_sincos
  const V x = r * 1.57079632679489661923;
  const V x2 = x * x;
  V ps = vsplat<V>(-1.0 / 1307674368000.0);
  ps = ps * x2 + 1.0 / 6227020800.0;
  ps = ps * x2 + -1.0 / 39916800.0;
  ps = ps * x2 + 1.0 / 362880.0;
  ps = ps * x2 + -1.0 / 5040.0;
  ps = ps * x2 + 1.0 / 120.0;
  ps = ps * x2 + -1.0 / 6.0;
  *s = x + x * (x2 * ps);
  V pc = vsplat<V>(1.0 / 20922789888000.0);
  pc = pc * x2 + -1.0 / 87178291200.0;
  pc = pc * x2 + 1.0 / 479001600.0;
  pc = pc * x2 + -1.0 / 3628800.0;
  pc = pc * x2 + 1.0 / 40320.0;
  pc = pc * x2 + -1.0 / 720.0;
  pc = pc * x2 + 1.0 / 24.0;
  pc = pc * x2 + -0.5;
  *c = 1.0 + x2 * pc;
}

// 8 pairs: words a[0..7], b[0..7] → z0[0..7], z1[0..7].
template <class V>
inline void box_muller_lanes(const std::uint32_t* a, const std::uint32_t* b, double* z0, double* z1) {
  decltype(to_bits(V{})) wa, wb;
  load_words(a, wa);
  load_words(b, wb);
  const V u = (exact_double<V>(wa) + 0.5) * 0x1.0p-32;
  const V rho = sqrt_lanes(-2.0 * log_lanes(u));
  // rng::turn_sincos: quadrant = top two bits, t = the rest · 2⁻³⁰ (exact).
  const auto quadrant = wb >> 30;
  const V t = exact_double<V>(wb & 0x3fffffffll) * 0x1.0p-30;
  const auto upper = t > vsplat<V>(0.5);
  V qs, qc;
  quarter_sincos_lanes(select(upper, 1.0 + -t, t), &qs, &qc);
  const V sq = select(upper, qc, qs), cq = select(upper, qs, qc);
  // Rotate by quadrant·90°: s = sq, cq, −sq, −cq and c = cq, −sq, −cq, sq.
  const auto one = (quadrant & 0ll) + 1, two = one + one;  // integer lanes of 1 and 2
  const auto odd = (quadrant & 1ll) == one;
  const V s_mag = select(odd, cq, sq), c_mag = select(odd, sq, cq);
  const V s = select(quadrant >= two, -s_mag, s_mag);               // quadrants 2, 3
  const V c = select(((quadrant + 1ll) & 2ll) == two, -c_mag, c_mag);  // quadrants 1, 2
  store(z0, rho * c);
  store(z1, rho * s);
}

// `count` pairs (a multiple of 2R): rng::box_muller of a[p], b[p] into
// z0[p], z1[p], as every lane step draws its noise. Each Horner chain of the
// log and sin/cos is latency-bound, so each call works on independent chains:
// 4 registers of 8 with AVX-512 (32 registers; measured 9 % more normals/s
// than 2), 2 values of 2 × 4 with AVX2 (16 registers; 4 measured no faster).
// Baseline x86-64 (SSE2): GCC's vectorisation of the scalar loop measured
// faster than the 2-wide explicit one (no pmovzxdq).
template <class V = Vec>
inline void box_muller_block(const std::uint32_t* a, const std::uint32_t* b, double* z0, double* z1, int count) {
  if constexpr (std::is_same_v<V, Vec2x4>) {
    box_muller_many(a, b, z0, z1, count);
  } else {
    using Wide = std::conditional_t<std::is_same_v<V, Vec8>, Pair<Pair<V>>, Pair<V>>;
    constexpr int wide = static_cast<int>(sizeof(Wide) / sizeof(double));
    int p = 0;
    for (; p + wide <= count; p += wide) box_muller_lanes<Wide>(a + p, b + p, z0 + p, z1 + p);
    for (; p < count; p += 2 * R) box_muller_lanes<Pair<V>>(a + p, b + p, z0 + p, z1 + p);
  }
}

// Rows to lanes: out[l].x[r] = rows[r][l] for l < d, r < R (a minibatch's
// examples, one row per lane). With AVX-512, 8×8 blocks are loaded a row per
// register and transposed in registers, so each Lane is written by one
// vector store instead of 8 scalar ones; with AVX2, 4×4 blocks (below).
// Otherwise the plain loop.
inline void rows_to_lanes_portable(const double* const* rows, int d, Lane* out) {
  for (int r = 0; r < R; ++r)
    for (int l = 0; l < d; ++l) out[l].x[r] = rows[r][l];
}

// GCC 12's AVX-512 intrinsics warn about their own undefined pass-through
// operand (-Wmaybe-uninitialized); every lane of every result is defined.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
__attribute__((target("avx512f"))) inline void rows_to_lanes_avx512(const double* const* rows, int d, Lane* out) {
  static_assert(R == 8, "8 rows of 8 doubles per block");
  for (int l0 = 0; l0 < d; l0 += 8) {
    const int width = d - l0 < 8 ? d - l0 : 8;
    const __mmask8 mask = static_cast<__mmask8>((1u << width) - 1);
    __m512d x[8], t[8], u[8];
    for (int r = 0; r < 8; ++r) x[r] = _mm512_maskz_loadu_pd(mask, rows[r] + l0);
    for (int r = 0; r < 8; r += 2) {  // pairs of rows: their even and their odd columns
      t[r] = _mm512_unpacklo_pd(x[r], x[r + 1]);
      t[r + 1] = _mm512_unpackhi_pd(x[r], x[r + 1]);
    }
    for (int h = 0; h < 8; h += 4) {  // 128-bit quarters: columns {0,4}, {1,5}, {2,6}, {3,7}
      u[h] = _mm512_shuffle_f64x2(t[h], t[h + 2], 0x88);
      u[h + 1] = _mm512_shuffle_f64x2(t[h + 1], t[h + 3], 0x88);
      u[h + 2] = _mm512_shuffle_f64x2(t[h], t[h + 2], 0xDD);
      u[h + 3] = _mm512_shuffle_f64x2(t[h + 1], t[h + 3], 0xDD);
    }
    for (int c = 0; c < 4; ++c) {  // column c from u[c] and u[c + 4], and column c + 4
      if (c < width) _mm512_storeu_pd(out[l0 + c].x, _mm512_shuffle_f64x2(u[c], u[c + 4], 0x88));
      if (c + 4 < width) _mm512_storeu_pd(out[l0 + c + 4].x, _mm512_shuffle_f64x2(u[c], u[c + 4], 0xDD));
    }
  }
}
#pragma GCC diagnostic pop

// With AVX2: 4×4 blocks (4 rows × 4 columns) transposed in registers, each
// column stored as one half of a Lane; the last columns of a row by masked
// loads (which never touch memory past the row's end).
__attribute__((target("avx2"))) inline void rows_to_lanes_avx2(const double* const* rows, int d, Lane* out) {
  static_assert(R == 8, "two blocks of 4 rows");
  for (int l0 = 0; l0 < d; l0 += 4) {
    const int width = d - l0 < 4 ? d - l0 : 4;
    const __m256i mask = _mm256_cmpgt_epi64(_mm256_set1_epi64x(width), _mm256_set_epi64x(3, 2, 1, 0));
    for (int h = 0; h < 8; h += 4) {
      __m256d x[4];
      for (int r = 0; r < 4; ++r) x[r] = _mm256_maskload_pd(rows[h + r] + l0, mask);
      const __m256d t0 = _mm256_unpacklo_pd(x[0], x[1]), t1 = _mm256_unpackhi_pd(x[0], x[1]);
      const __m256d t2 = _mm256_unpacklo_pd(x[2], x[3]), t3 = _mm256_unpackhi_pd(x[2], x[3]);
      const __m256d col[4] = {_mm256_permute2f128_pd(t0, t2, 0x20), _mm256_permute2f128_pd(t1, t3, 0x20),
                              _mm256_permute2f128_pd(t0, t2, 0x31), _mm256_permute2f128_pd(t1, t3, 0x31)};
      for (int c = 0; c < width; ++c) _mm256_storeu_pd(out[l0 + c].x + h, col[c]);
    }
  }
}

inline void rows_to_lanes(const double* const* rows, int d, Lane* out) {
  static const LaneIsa isa = lane_isa();
  if (isa >= LaneIsa::avx512)
    rows_to_lanes_avx512(rows, d, out);
  else if (isa >= LaneIsa::avx2)
    rows_to_lanes_avx2(rows, d, out);
  else
    rows_to_lanes_portable(rows, d, out);
}

// ⌊t⌋ for |t| < 2^51: t rounded to the nearest integer by adding and taking
// away 1.5·2^52 (exact), then one less where that rounded up.
template <class V>
inline V floor_lanes(V t) {
  const V magic = vsplat<V>(0x1.8p52);
  const V r = (t + magic) - magic;
  return r - select(r > t, vsplat<V>(1.0), vsplat<V>(0.0));
}
// t rounded toward zero (integer division's rounding), from floor.
template <class V>
inline V trunc_lanes(V t) {
  return select(t >= vsplat<V>(0.0), floor_lanes(t), -floor_lanes(-t));
}
// The AVX-512 and AVX2 registers: one rounding instruction (vrndscalepd,
// vroundpd) for the lane loop. floor and trunc are exact, so these give the
// bits of the versions above (and of the scalar std::floor). SSE2 has no
// rounding instruction, so its 2-wide halves keep the versions above.
inline Vec8 floor_lanes(Vec8 t) {
  for (int r = 0; r < 8; ++r) t[r] = __builtin_floor(t[r]);
  return t;
}
inline Vec4 floor_lanes(Vec4 t) {
  for (int r = 0; r < 4; ++r) t[r] = __builtin_floor(t[r]);
  return t;
}
inline Vec8 trunc_lanes(Vec8 t) {
  for (int r = 0; r < 8; ++r) t[r] = __builtin_trunc(t[r]);
  return t;
}
inline Vec4 trunc_lanes(Vec4 t) {
  for (int r = 0; r < 4; ++r) t[r] = __builtin_trunc(t[r]);
  return t;
}
template <class H>
inline Pair<H> floor_lanes(const Pair<H>& t) {
  return {floor_lanes(t.lo), floor_lanes(t.hi)};
}
template <class H>
inline Pair<H> trunc_lanes(const Pair<H>& t) {
  return {trunc_lanes(t.lo), trunc_lanes(t.hi)};
}

// 2^j for integer-valued j in [−1022, 1023], exactly (pow2_exact): j + 1023
// added to 2^52 sits in the low mantissa bits, which move to the exponent.
template <class V>
inline V pow2_lanes(V j) {
  const auto bits = to_bits((j + 1023.0) + 0x1.0p52);
  return from_bits((bits & 0xFFFFFFFFFFFFFll) << 52);
}

// portable_exp (horizon/portable_exp.hpp) on every lane with vector
// operations only: the same additions and products in the same order, and
// floor, the int conversion and the powers of two done exactly, so each lane
// equals the scalar function bit for bit (tests/lanes_test.cpp).
template <class V>
inline V exp_lanes(V x) {
  x = select(x < vsplat<V>(-746.0), vsplat<V>(-746.0), select(x > vsplat<V>(710.0), vsplat<V>(710.0), x));
  const V kd = floor_lanes(x * 1.44269504088896340736 + 0.5);
  const double ln2_hi = 6.93147180369123816490e-01, ln2_lo = 1.90821492927058770002e-10;
  const V r = (x + -(kd * ln2_hi)) + -(kd * ln2_lo);
  V p = vsplat<V>(1.0 / 6227020800.0);
  p = p * r + 1.0 / 479001600.0;
  p = p * r + 1.0 / 39916800.0;
  p = p * r + 1.0 / 3628800.0;
  p = p * r + 1.0 / 362880.0;
  p = p * r + 1.0 / 40320.0;
  p = p * r + 1.0 / 5040.0;
  p = p * r + 1.0 / 720.0;
  p = p * r + 1.0 / 120.0;
  p = p * r + 1.0 / 24.0;
  p = p * r + 1.0 / 6.0;
  p = p * r + 0.5;
  p = p * r + 1.0;
  p = p * r + 1.0;
  // k1 = k / 2 rounded toward zero, as the scalar's int division.
  const V k1 = trunc_lanes(kd * 0.5);
  return (p * pow2_lanes(k1)) * pow2_lanes(kd - k1);
}

// logistic::sigmoid_neg (host/reference/logistic_math.hpp) on every lane: σ(−m) from
// e = exp(−|m|), e/(1+e) for m ≥ 0, else 1/(1+e).
template <class V>
inline V sigmoid_neg_lanes(V m) {
  const V minus_abs = from_bits(to_bits(m) | static_cast<long long>(1ull << 63));
  const V e = exp_lanes(minus_abs);
  const V one_plus = 1.0 + e;
  return select(m >= vsplat<V>(0.0), e, vsplat<V>(1.0)) / one_plus;
}

}  // namespace
}  // namespace reference
}  // namespace horizon
