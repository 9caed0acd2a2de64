// horizon/portable_exp.hpp — exp built from +, × and exact bit operations
// only (the operations of rng.hpp that cannot be fused into FMAs), so it gives
// the same bits on every backend and vectorises on the CPU. A few ulp.
//
//   x = k·ln2 + r, k = ⌊x/ln2 + ½⌋, |r| ≤ ½ln2 (Cody–Waite: ln2 split in a
//   high part with trailing zero bits, so k·ln2_hi is exact),
//   e^r by its Taylor series to r¹³ (truncation < 1e-17 relative),
//   e^x = e^r · 2^⌊k/2⌋ · 2^(k−⌊k/2⌋): two exact scalings keep every power of
//   two a normal number, so results overflow to +inf and underflow through
//   the subnormals to 0 as they should. x is clamped to [−746, 710] first.
#pragma once

#include <cmath>
#include <cstdint>

#include "horizon/hd.hpp"
#include "horizon/rng.hpp"

namespace horizon {

HORIZON_HD inline double pow2_exact(std::int32_t k) {  // 2^k for −1022 ≤ k ≤ 1023
  return rng::bits_double(static_cast<std::uint64_t>(static_cast<std::int64_t>(k + 1023)) << 52);
}

HORIZON_HD inline double portable_exp(double x) {
  using namespace rng;
  x = x < -746.0 ? -746.0 : (x > 710.0 ? 710.0 : x);
  const double kd = std::floor(add_rn(mul_rn(x, 1.44269504088896340736), 0.5));
  const double ln2_hi = 6.93147180369123816490e-01, ln2_lo = 1.90821492927058770002e-10;
  const double r = add_rn(add_rn(x, -mul_rn(kd, ln2_hi)), -mul_rn(kd, ln2_lo));
  double p = 1.0 / 6227020800.0;  // 1/13!
  p = add_rn(mul_rn(p, r), 1.0 / 479001600.0);
  p = add_rn(mul_rn(p, r), 1.0 / 39916800.0);
  p = add_rn(mul_rn(p, r), 1.0 / 3628800.0);
  p = add_rn(mul_rn(p, r), 1.0 / 362880.0);
  p = add_rn(mul_rn(p, r), 1.0 / 40320.0);
  p = add_rn(mul_rn(p, r), 1.0 / 5040.0);
  p = add_rn(mul_rn(p, r), 1.0 / 720.0);
  p = add_rn(mul_rn(p, r), 1.0 / 120.0);
  p = add_rn(mul_rn(p, r), 1.0 / 24.0);
  p = add_rn(mul_rn(p, r), 1.0 / 6.0);
  p = add_rn(mul_rn(p, r), 0.5);
  p = add_rn(mul_rn(p, r), 1.0);
  p = add_rn(mul_rn(p, r), 1.0);
  const std::int32_t k = static_cast<std::int32_t>(kd);  // |k| ≤ 1077: 32 bits convert in every vector ISA
  const std::int32_t k1 = k / 2;
  return mul_rn(mul_rn(p, pow2_exact(k1)), pow2_exact(k - k1));
}

}  // namespace horizon
