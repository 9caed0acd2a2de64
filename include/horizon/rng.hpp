// horizon/rng.hpp — counter-based random numbers (DESIGN.md §3).
//
// Philox4x32-10 (Random123) keyed by the run's 64-bit seed, key = {lo32, hi32}.
// A draw is addressed by (stream, n, j, i): n the global step, j the domain,
// i the coordinate (or the minibatch draw). Nothing depends on what ran before,
// on thread layout or on the backend.
//
// Standard normals use Marsaglia's polar method on coordinate pairs: pair
// p = i/2 uses counter {p, j, n, stream<<28 | attempt}; the four 32-bit words
// give two 53-bit uniforms u, v in [-1, 1); the pair is accepted when
// 0 < s = u²+v² < 1 and then ξ_{2p} = u·m, ξ_{2p+1} = v·m with
// m = sqrt(-2 ln s / s); otherwise attempt+1 is tried. Only +, ×, ÷ and sqrt
// (all correctly rounded in IEEE double on CPU and GPU) and a portable log
// built from them are used, each written so no compiler may fuse it into an
// FMA, hence CPU and GPU noise agree bit for bit.
#pragma once

#include <cmath>
#include <cstdint>
#include <cstring>

#include <Random123/philox.h>

#include "horizon/hd.hpp"

namespace horizon {
namespace rng {

enum Stream : std::uint32_t {
  gradient_noise = 0,  // gaussian noise on ĝ_j
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
  int e = static_cast<int>((bits >> 52) & 0x7ff) - 1022;  // x = m·2^e, m in [0.5, 1)
  double m = bits_double((bits & 0x000fffffffffffffull) | (std::uint64_t{1022} << 52));
  if (m < 0.70710678118654752440) {  // move m into [√½, √2)
    m = mul_rn(m, 2.0);
    e -= 1;
  }
  const double f = div_rn(add_rn(m, -1.0), add_rn(m, 1.0));
  const double f2 = mul_rn(f, f);
  // 1/(2k+1), k = 12 … 1, Horner from the top.
  const double coef[12] = {1.0 / 25, 1.0 / 23, 1.0 / 21, 1.0 / 19, 1.0 / 17, 1.0 / 15,
                           1.0 / 13, 1.0 / 11, 1.0 / 9,  1.0 / 7,  1.0 / 5,  1.0 / 3};
  double p = coef[0];
  for (int k = 1; k < 12; ++k) p = add_rn(mul_rn(p, f2), coef[k]);
  const double log_m = mul_rn(2.0, add_rn(f, mul_rn(f, mul_rn(f2, p))));
  const double ln2_hi = 6.93147180369123816490e-01;  // trailing zero bits: e·ln2_hi exact
  const double ln2_lo = 1.90821492927058770002e-10;
  const double de = static_cast<double>(e);
  return add_rn(mul_rn(de, ln2_hi), add_rn(mul_rn(de, ln2_lo), log_m));
}

// 53-bit uniform in [-1, 1) from two 32-bit words.
HORIZON_HD inline double signed_uniform(std::uint32_t hi, std::uint32_t lo) {
  const std::uint64_t u = ((static_cast<std::uint64_t>(hi) << 32) | lo) >> 11;
  return add_rn(mul_rn(static_cast<double>(u), 0x1.0p-52), -1.0);
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

// The two standard normals of pair p = i/2 for (stream, n, j).
HORIZON_HD inline void normal_pair(std::uint64_t seed, std::uint32_t stream, std::uint32_t n,
                                   std::uint32_t j, std::uint32_t p, double* z0, double* z1) {
  for (std::uint32_t attempt = 0;; ++attempt) {
    const auto r = philox(seed, p, j, n, (stream << 28) | attempt);
    const double u = signed_uniform(r.v[0], r.v[1]);
    const double v = signed_uniform(r.v[2], r.v[3]);
    const double s = add_rn(mul_rn(u, u), mul_rn(v, v));
    if (s > 0.0 && s < 1.0) {
      const double m = sqrt_rn(div_rn(mul_rn(-2.0, portable_log(s)), s));
      *z0 = mul_rn(u, m);
      *z1 = mul_rn(v, m);
      return;
    }
  }
}

// ξ_i for (stream, n, j): one standard normal.
HORIZON_HD inline double normal(std::uint64_t seed, std::uint32_t stream, std::uint32_t n,
                                std::uint32_t j, std::uint32_t i) {
  double z0, z1;
  normal_pair(seed, stream, n, j, i / 2, &z0, &z1);
  return (i & 1u) ? z1 : z0;
}

// Uniform integer in [0, m) for draw b of (stream, n, j): a 64-bit word
// reduced by multiply-high (bias < m / 2^64, far below anything measurable).
HORIZON_HD inline std::uint32_t uniform_index(std::uint64_t seed, std::uint32_t stream,
                                              std::uint32_t n, std::uint32_t j, std::uint32_t b,
                                              std::uint32_t m) {
  const auto r = philox(seed, b, j, n, stream << 28);
  const std::uint64_t x = (static_cast<std::uint64_t>(r.v[0]) << 32) | r.v[1];
#if defined(__CUDA_ARCH__)
  return static_cast<std::uint32_t>(__umul64hi(x, m));
#else
  return static_cast<std::uint32_t>((static_cast<unsigned __int128>(x) * m) >> 64);
#endif
}

}  // namespace rng
}  // namespace horizon
