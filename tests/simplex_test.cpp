// Simplex projection and the two weight updates (simplex.hpp).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <numeric>
#include <random>

#include "horizon/simplex.hpp"

namespace horizon {
namespace {

std::vector<double> project(std::vector<double> v) {
  std::vector<double> scratch(v.size());
  project_to_simplex(v.data(), static_cast<int>(v.size()), scratch.data());
  return v;
}

// Independent projection: bisection on τ with Σ max(v − τ, 0) = 1.
std::vector<double> project_by_bisection(const std::vector<double>& v) {
  double lo = *std::min_element(v.begin(), v.end()) - 1, hi = *std::max_element(v.begin(), v.end());
  for (int it = 0; it < 200; ++it) {
    const double mid = 0.5 * (lo + hi);
    double s = 0;
    for (double x : v) s += std::max(x - mid, 0.0);
    (s > 1 ? lo : hi) = mid;
  }
  std::vector<double> out;
  for (double x : v) out.push_back(std::max(x - 0.5 * (lo + hi), 0.0));
  return out;
}

TEST(Simplex, ProjectionPropertiesOnRandomInputs) {
  std::mt19937_64 gen(99);
  std::normal_distribution<double> z(0.0, 2.0);
  for (int K : {1, 2, 3, 7, 33}) {
    for (int trial = 0; trial < 200; ++trial) {
      std::vector<double> v(K);
      for (double& x : v) x = z(gen);
      const std::vector<double> p = project(v);
      EXPECT_NEAR(std::accumulate(p.begin(), p.end(), 0.0), 1.0, 1e-12);
      for (double x : p) EXPECT_GE(x, 0.0);
      const std::vector<double> ref = project_by_bisection(v);
      for (int j = 0; j < K; ++j) EXPECT_NEAR(p[j], ref[j], 1e-12);
      EXPECT_EQ(project(p).size(), p.size());
      const std::vector<double> again = project(p);  // idempotent
      for (int j = 0; j < K; ++j) EXPECT_NEAR(again[j], p[j], 1e-15);
      // Variational inequality: ⟨v − p, e_k − p⟩ ≤ 0 for every vertex.
      for (int k = 0; k < K; ++k) {
        double ip = 0;
        for (int j = 0; j < K; ++j) ip += (v[j] - p[j]) * ((j == k ? 1.0 : 0.0) - p[j]);
        EXPECT_LE(ip, 1e-12);
      }
    }
  }
}

TEST(Simplex, PlantedCases) {
  EXPECT_EQ(project({5.0, -3.0}), (std::vector<double>{1.0, 0.0}));
  EXPECT_EQ(project({0.25, 0.75}), (std::vector<double>{0.25, 0.75}));
  const auto tie = project({2.0, 2.0, 2.0});
  for (double x : tie) EXPECT_NEAR(x, 1.0 / 3, 1e-15);
}

TEST(Simplex, ExponentiatedUpdate) {
  std::vector<double> w = {0.2, 0.3, 0.5};
  const std::vector<double> h = {1.0, -2.0, 0.5};
  std::vector<double> shifted_w = w;
  const std::vector<double> shifted_h = {1001.0, 998.0, 1000.5};  // h + 1000: same result
  exponentiated_update(w.data(), h.data(), 3, 0.7);
  exponentiated_update(shifted_w.data(), shifted_h.data(), 3, 0.7);
  double z = 0.2 * std::exp(-0.7) + 0.3 * std::exp(2 * 0.7) + 0.5 * std::exp(-0.5 * 0.7);
  EXPECT_NEAR(w[0], 0.2 * std::exp(-0.7) / z, 1e-15);
  EXPECT_NEAR(w[1], 0.3 * std::exp(1.4) / z, 1e-15);
  for (int j = 0; j < 3; ++j) EXPECT_NEAR(w[j], shifted_w[j], 1e-15);
  // Huge h does not overflow thanks to the min shift.
  std::vector<double> v = {0.5, 0.5};
  const std::vector<double> big = {1e300, 1e300 + 1e290};
  exponentiated_update(v.data(), big.data(), 2, 1.0);
  EXPECT_TRUE(std::isfinite(v[0]) && std::isfinite(v[1]));
  // A vertex stays a vertex.
  std::vector<double> e = {0.0, 1.0, 0.0};
  exponentiated_update(e.data(), h.data(), 3, 1.0);
  EXPECT_EQ(e, (std::vector<double>{0.0, 1.0, 0.0}));
}

}  // namespace
}  // namespace horizon
