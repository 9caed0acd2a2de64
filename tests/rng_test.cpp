// Philox4x32-10 and the portable normals (rng.hpp).
#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "horizon/portable_exp.hpp"
#include "horizon/rng.hpp"

namespace horizon {
namespace {

TEST(Philox, KnownAnswer) {
  // Random123's known-answer test for philox4x32-10, counter 0, key 0.
  const auto r = rng::philox(0, 0, 0, 0, 0);
  EXPECT_EQ(r.v[0], 0x6627e8d5u);
  EXPECT_EQ(r.v[1], 0xe169c58du);
  EXPECT_EQ(r.v[2], 0xbc57ac4cu);
  EXPECT_EQ(r.v[3], 0x9b00dbd8u);
}

TEST(PortableLog, AgreesWithLibmToAFewUlp) {
  std::mt19937_64 gen(20261125);
  std::uniform_real_distribution<double> u(0.0, 1.0);
  for (int k = 0; k < 200000; ++k) {
    double x = u(gen);
    if (k % 3 == 0) x = std::ldexp(x, -static_cast<int>(gen() % 60));  // small values too
    if (x <= 0) continue;
    const double want = std::log(x);
    EXPECT_NEAR(rng::portable_log(x), want, 4 * std::abs(want) * 2.220446049250313e-16 + 1e-300) << x;
  }
  EXPECT_EQ(rng::portable_log(1.0), 0.0);
}

TEST(PortableSinCos, AgreesWithLibmOnEveryQuadrant) {
  std::mt19937_64 gen(7);
  const double two_pi = 6.283185307179586476925;
  for (int k = 0; k < 200000; ++k) {
    const std::uint32_t word = static_cast<std::uint32_t>(gen());
    double s, c;
    rng::turn_sincos(word, &s, &c);
    const double angle = two_pi * (word * 0x1.0p-32);
    // A few ulp of 1, plus the rounding of the reference angle itself
    // (2π·v rounds by up to ulp(2π)/2 = 4.4e-16, which moves sin/cos as much).
    EXPECT_NEAR(s, std::sin(angle), 1e-15) << word;
    EXPECT_NEAR(c, std::cos(angle), 1e-15) << word;
  }
  double s, c;
  rng::turn_sincos(0, &s, &c);
  EXPECT_EQ(s, 0.0);
  EXPECT_EQ(c, 1.0);
  rng::turn_sincos(1u << 30, &s, &c);  // a quarter turn, exactly
  EXPECT_EQ(s, 1.0);
}

TEST(PortableExp, AgreesWithLibmAndHandlesTheExtremes) {
  std::mt19937_64 gen(11);
  std::uniform_real_distribution<double> u(-700.0, 700.0);
  for (int k = 0; k < 200000; ++k) {
    const double x = k % 2 ? u(gen) : u(gen) / 100;
    const double want = std::exp(x);
    EXPECT_NEAR(portable_exp(x), want, 4 * 2.220446049250313e-16 * want) << x;
  }
  EXPECT_EQ(portable_exp(0.0), 1.0);
  EXPECT_EQ(portable_exp(1000.0), INFINITY);
  EXPECT_EQ(portable_exp(-1000.0), 0.0);
  EXPECT_GT(portable_exp(-740.0), 0.0);  // subnormal, not flushed
  EXPECT_NEAR(portable_exp(-740.0) / std::exp(-740.0), 1.0, 1e-3);
}

TEST(Normals, TailsAreBoundedAsDocumented) {
  double z0, z1;
  rng::box_muller(0, 0, &z0, &z1);  // the smallest u: ρ = √(2·33·ln 2)
  EXPECT_NEAR(z0, std::sqrt(66 * std::log(2.0)), 1e-12);
  EXPECT_LT(z0, 6.77);
}

TEST(Normals, MomentsMatchStandardNormal) {
  // 2^20 draws: mean within 5 standard errors, variance within 5 of its
  // standard errors (√(2/n)), fourth moment near 3.
  const int n = 1 << 20;
  double s1 = 0, s2 = 0, s4 = 0;
  for (int k = 0; k < n; ++k) {
    const double z = rng::normal(12345, rng::gradient_noise_stream, static_cast<std::uint32_t>(k / 64),
                                 static_cast<std::uint32_t>(k % 3), static_cast<std::uint32_t>(k % 64));
    s1 += z;
    s2 += z * z;
    s4 += z * z * z * z;
  }
  const double mean = s1 / n, var = s2 / n - mean * mean;
  EXPECT_LT(std::abs(mean), 5.0 / std::sqrt(n));
  EXPECT_LT(std::abs(var - 1.0), 5.0 * std::sqrt(2.0 / n));
  EXPECT_NEAR(s4 / n, 3.0, 0.05);
}

TEST(Normals, PairIsUncorrelatedAndDeterministic) {
  const int n = 200000;
  double sxy = 0;
  for (int k = 0; k < n; ++k) {
    double a, b;
    rng::normal_pair(7, rng::gradient_noise_stream, k, 1, 0, &a, &b);
    sxy += a * b;
    if (k < 100) {
      EXPECT_EQ(a, rng::normal(7, rng::gradient_noise_stream, k, 1, 0));
      EXPECT_EQ(b, rng::normal(7, rng::gradient_noise_stream, k, 1, 1));
    }
  }
  EXPECT_LT(std::abs(sxy / n), 5.0 / std::sqrt(n));
  // Every field of the address changes the draw.
  const double base = rng::normal(1, 0, 2, 3, 4);
  EXPECT_NE(base, rng::normal(2, 0, 2, 3, 4));
  EXPECT_NE(base, rng::normal(1, 1, 2, 3, 4));
  EXPECT_NE(base, rng::normal(1, 0, 3, 3, 4));
  EXPECT_NE(base, rng::normal(1, 0, 2, 4, 4));
  EXPECT_NE(base, rng::normal(1, 0, 2, 3, 6));
}

TEST(UniformIndex, CoversRangeEvenly) {
  const std::uint32_t m = 7;
  std::vector<int> counts(m, 0);
  const int n = 70000;
  for (int k = 0; k < n; ++k) ++counts[rng::uniform_index(3, rng::minibatch, k, 0, 0, m)];
  for (int c : counts) EXPECT_NEAR(c, n / m, 5 * std::sqrt(n / m));
}

}  // namespace
}  // namespace horizon
