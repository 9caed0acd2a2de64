// horizon/rng.hpp — counter-based random numbers (docs/algorithm.md §3).
//
// Philox4x32-10 (Random123) keyed by the run's 64-bit seed, key = {lo32, hi32}.
// A draw is addressed by (stream, n, j, i): n the global step, j the domain,
// i the coordinate (or the minibatch draw). Nothing depends on what ran before,
// on thread layout or on the backend.
//
// Standard normals, four per Philox call: draws 4q … 4q+3 of (stream, n, j)
// use counter {q, j, n, stream<<28}. The gradient noise of step n numbers its
// K·d draws e = j·d + i (domain-major) with j = 0 in the counter, so a step
// needs ⌈K·d/4⌉ calls. The words r0 … r3 of a call make two Box–Muller pairs: u = (r0 + ½)·2⁻³², v = r1·2⁻³² give
//   ξ_4q = ρ cos 2πv,  ξ_4q+1 = ρ sin 2πv,  ρ = √(−2 ln u),
// and (r2, r3) likewise give ξ_4q+2, ξ_4q+3. (u ≥ 2⁻³³ truncates the tails at
// |ξ| ≤ 6.77, a probability of 1.3e-11 per draw.) Only +, ×, ÷ and √ (each
// correctly rounded in IEEE double on CPU and GPU), written so no compiler
// may fuse them into FMAs, and a portable log and sin/cos built from them
// are used, with no branches on data, so CPU and GPU noise agree bit for bit
// and a loop over runs vectorises.
#pragma once

#include <cmath>
#include <cstdint>
#include <cstring>

#include <Random123/philox.h>

#include "horizon/hd.hpp"

namespace horizon {
namespace rng {

enum Stream : std::uint32_t {
  gradient_noise_stream = 0,  // gaussian noise on ĝ_j
  minibatch = 1,       // minibatch example indices
  generator = 2,       // problem generators (key = problem seed)
};

// Operations that are never contracted into FMAs (host builds use
// -ffp-contract=off; the device uses the _rn intrinsics).
HORIZON_HD inline double mul_rn(double a, double b) {
#if defined(__CUDA_ARCH__)
  return __dmul_rn(a, b);
#else
  return a * b;
#endif
}
HORIZON_HD inline double add_rn(double a, double b) {
#if defined(__CUDA_ARCH__)
  return __dadd_rn(a, b);
#else
  return a + b;
#endif
}
HORIZON_HD inline double div_rn(double a, double b) {
#if defined(__CUDA_ARCH__)
  return __ddiv_rn(a, b);
#else
  return a / b;
#endif
}
HORIZON_HD inline double sqrt_rn(double a) {
#if defined(__CUDA_ARCH__)
  return __dsqrt_rn(a);
#else
  return std::sqrt(a);
#endif
}

HORIZON_HD inline std::uint64_t double_bits(double x) {
#if defined(__CUDA_ARCH__)
  return static_cast<std::uint64_t>(__double_as_longlong(x));
#else
  std::uint64_t b;
  std::memcpy(&b, &x, sizeof b);
  return b;
#endif
}
HORIZON_HD inline double bits_double(std::uint64_t b) {
#if defined(__CUDA_ARCH__)
  return __longlong_as_double(static_cast<long long>(b));
#else
  double x;
  std::memcpy(&x, &b, sizeof x);
  return x;
#endif
}

// Natural log for 0 < x < 1 (a normal double), identical on every backend:
// x = m·2^e with m in [√½, √2), log m = 2·atanh(f), f = (m−1)/(m+1),
// |f| ≤ 0.1716, series to f^25 (truncation < 1e-19 relative). A few ulp.
HORIZON_HD inline double portable_log(double x) {
  const std::uint64_t bits = double_bits(x);
  const int e0 = static_cast<int>((bits >> 52) & 0x7ff) - 1022;  // x = m·2^e, m in [0.5, 1)
  const double m0 = bits_double((bits & 0x000fffffffffffffull) | (std::uint64_t{1022} << 52));
  const bool low = m0 < 0.70710678118654752440;  // move m into [√½, √2)
  const double m = low ? mul_rn(m0, 2.0) : m0;
  const int e = low ? e0 - 1 : e0;
  const double f = div_rn(add_rn(m, -1.0), add_rn(m, 1.0));
  const double f2 = mul_rn(f, f);
  // Horner in f² with 1/(2k+1), k = 12 … 1.
  double p = 1.0 / 25;
  p = add_rn(mul_rn(p, f2), 1.0 / 23);
  p = add_rn(mul_rn(p, f2), 1.0 / 21);
  p = add_rn(mul_rn(p, f2), 1.0 / 19);
  p = add_rn(mul_rn(p, f2), 1.0 / 17);
  p = add_rn(mul_rn(p, f2), 1.0 / 15);
  p = add_rn(mul_rn(p, f2), 1.0 / 13);
  p = add_rn(mul_rn(p, f2), 1.0 / 11);
  p = add_rn(mul_rn(p, f2), 1.0 / 9);
  p = add_rn(mul_rn(p, f2), 1.0 / 7);
  p = add_rn(mul_rn(p, f2), 1.0 / 5);
  p = add_rn(mul_rn(p, f2), 1.0 / 3);
  const double log_m = mul_rn(2.0, add_rn(f, mul_rn(f, mul_rn(f2, p))));
  const double ln2_hi = 6.93147180369123816490e-01;  // trailing zero bits: e·ln2_hi exact
  const double ln2_lo = 1.90821492927058770002e-10;
  const double de = static_cast<double>(e);
  return add_rn(mul_rn(de, ln2_hi), add_rn(mul_rn(de, ln2_lo), log_m));
}

// sin(π/2·r), cos(π/2·r) for 0 ≤ r ≤ ½ (angles up to π/4): Taylor series to
// x¹⁵ and x¹⁶ (truncation < 1e-17). A few ulp.
HORIZON_HD inline void quarter_sincos(double r, double* s, double* c) {
  const double x = mul_rn(r, 1.57079632679489661923);
  const double x2 = mul_rn(x, x);
  double ps = -1.0 / 1307674368000.0;  // −1/15!
  ps = add_rn(mul_rn(ps, x2), 1.0 / 6227020800.0);
  ps = add_rn(mul_rn(ps, x2), -1.0 / 39916800.0);
  ps = add_rn(mul_rn(ps, x2), 1.0 / 362880.0);
  ps = add_rn(mul_rn(ps, x2), -1.0 / 5040.0);
  ps = add_rn(mul_rn(ps, x2), 1.0 / 120.0);
  ps = add_rn(mul_rn(ps, x2), -1.0 / 6.0);
  *s = add_rn(x, mul_rn(x, mul_rn(x2, ps)));
  double pc = 1.0 / 20922789888000.0;  // 1/16!
  pc = add_rn(mul_rn(pc, x2), -1.0 / 87178291200.0);
  pc = add_rn(mul_rn(pc, x2), 1.0 / 479001600.0);
  pc = add_rn(mul_rn(pc, x2), -1.0 / 3628800.0);
  pc = add_rn(mul_rn(pc, x2), 1.0 / 40320.0);
  pc = add_rn(mul_rn(pc, x2), -1.0 / 720.0);
  pc = add_rn(mul_rn(pc, x2), 1.0 / 24.0);
  pc = add_rn(mul_rn(pc, x2), -0.5);
  *c = add_rn(1.0, mul_rn(x2, pc));
}

// sin 2πv and cos 2πv for v = k·2⁻³² (k a 32-bit word). The reduction is
// exact: the top two bits pick the quadrant, the rest is the fraction
// t in [0, 1) of a quarter turn; t > ½ uses the complementary angle.
HORIZON_HD inline void turn_sincos(std::uint32_t k, double* s, double* c) {
  const std::uint32_t quadrant = k >> 30;
  const double t = mul_rn(static_cast<double>(static_cast<std::int32_t>(k & 0x3fffffffu)), 0x1.0p-30);
  const bool upper = t > 0.5;
  double a, b;  // sin, cos of the quarter-turn fraction
  quarter_sincos(upper ? add_rn(1.0, -t) : t, &a, &b);
  const double sq = upper ? b : a, cq = upper ? a : b;
  // Rotate by quadrant·90°.
  *s = quadrant == 0 ? sq : quadrant == 1 ? cq : quadrant == 2 ? -sq : -cq;
  *c = quadrant == 0 ? cq : quadrant == 1 ? -sq : quadrant == 2 ? -cq : sq;
}

HORIZON_HD inline r123::Philox4x32::ctr_type philox(std::uint64_t seed, std::uint32_t c0,
                                                    std::uint32_t c1, std::uint32_t c2,
                                                    std::uint32_t c3) {
  r123::Philox4x32 gen;
  r123::Philox4x32::ctr_type ctr = {{c0, c1, c2, c3}};
  r123::Philox4x32::key_type key = {
      {static_cast<std::uint32_t>(seed), static_cast<std::uint32_t>(seed >> 32)}};
  return gen(ctr, key);
}

// One Box–Muller pair from words (a, b).
HORIZON_HD inline void box_muller(std::uint32_t a, std::uint32_t b, double* z0, double* z1) {
  const double u = mul_rn(add_rn(static_cast<double>(a), 0.5), 0x1.0p-32);  // (0, 1)
  const double rho = sqrt_rn(mul_rn(-2.0, portable_log(u)));
  double s, c;
  turn_sincos(b, &s, &c);
  *z0 = mul_rn(rho, c);
  *z1 = mul_rn(rho, s);
}

// ξ_{4q} … ξ_{4q+3} for (stream, n, j).
HORIZON_HD inline void normal_quad(std::uint64_t seed, std::uint32_t stream, std::uint32_t n,
                                   std::uint32_t j, std::uint32_t q, double z[4]) {
  const auto r = philox(seed, q, j, n, stream << 28);
  box_muller(r.v[0], r.v[1], &z[0], &z[1]);
  box_muller(r.v[2], r.v[3], &z[2], &z[3]);
}

// ξ_{2p}, ξ_{2p+1} for (stream, n, j): half of quad p/2.
HORIZON_HD inline void normal_pair(std::uint64_t seed, std::uint32_t stream, std::uint32_t n,
                                   std::uint32_t j, std::uint32_t p, double* z0, double* z1) {
  const auto r = philox(seed, p / 2, j, n, stream << 28);
  if (p & 1u)
    box_muller(r.v[2], r.v[3], z0, z1);
  else
    box_muller(r.v[0], r.v[1], z0, z1);
}

// ξ_i for (stream, n, j): one standard normal.
HORIZON_HD inline double normal(std::uint64_t seed, std::uint32_t stream, std::uint32_t n,
                                std::uint32_t j, std::uint32_t i) {
  double z0, z1;
  normal_pair(seed, stream, n, j, i / 2, &z0, &z1);
  return (i & 1u) ? z1 : z0;
}

// 53-bit uniform in [-1, 1) from two 32-bit words.
HORIZON_HD inline double signed_uniform(std::uint32_t hi, std::uint32_t lo) {
  const std::uint64_t u = ((static_cast<std::uint64_t>(hi) << 32) | lo) >> 11;
  return add_rn(mul_rn(static_cast<double>(u), 0x1.0p-52), -1.0);
}

// Uniform integer in [0, m) from two Philox words (hi, lo) taken as one
// 64-bit word, reduced by multiply-high (bias < m / 2^64, far below anything
// measurable).
HORIZON_HD inline std::uint32_t reduce_index(std::uint32_t hi, std::uint32_t lo, std::uint32_t m) {
  const std::uint64_t x = (static_cast<std::uint64_t>(hi) << 32) | lo;
#if defined(__CUDA_ARCH__)
  return static_cast<std::uint32_t>(__umul64hi(x, m));
#else
  return static_cast<std::uint32_t>((static_cast<unsigned __int128>(x) * m) >> 64);
#endif
}

// Uniform integer in [0, m) for draw b of (stream, n, j).
HORIZON_HD inline std::uint32_t uniform_index(std::uint64_t seed, std::uint32_t stream,
                                              std::uint32_t n, std::uint32_t j, std::uint32_t b,
                                              std::uint32_t m) {
  const auto r = philox(seed, b, j, n, stream << 28);
  return reduce_index(r.v[0], r.v[1], m);
}

}  // namespace rng
}  // namespace horizon
