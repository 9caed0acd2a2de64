// horizon/gradient_noise.hpp — the gaussian gradient noise of a step
// (docs/algorithm.md §3), for every engine.
//
//   Ĝ_ij = G_ij + σ ξ_e,   e = j·d + i (domain-major), ξ_e standard normal
//
// The K·d draws of step n come four per Philox call (rng.hpp: call q gives
// draws 4q … 4q+3), so a step needs ⌈K·d/4⌉ calls. σ ξ is formed in double
// and rounded once to the engine's Scalar; the noise is added only when
// σ ≠ 0 (so a noiseless run is bitwise free of it). The lanes draw the same
// words with a vectorised Philox (host/lanes/lanes_simd.hpp) and use the
// index map and the addition below.
#pragma once

#include <cstdint>

#include "horizon/hd.hpp"
#include "horizon/rng.hpp"

namespace horizon {

HORIZON_HD inline int noise_draws(int K, int d) { return K * d; }
HORIZON_HD inline int noise_quads(int K, int d) { return (K * d + 3) / 4; }
HORIZON_HD inline int noise_draw_index(int j, int i, int d) { return j * d + i; }
HORIZON_HD inline int noise_domain(int e, int d) { return e / d; }
HORIZON_HD inline int noise_coordinate(int e, int d) { return e % d; }

// xi[u] = σ ξ_{4q+u} of step n for the u < 4 with 4q + u < total (= K·d);
// returns how many were written.
template <class Scalar>
HORIZON_HD int scaled_noise_quad(std::uint64_t seed, std::int64_t n, int q, int total, double sigma, Scalar* xi) {
  double z[4];
  rng::normal_quad(seed, rng::gradient_noise_stream, static_cast<std::uint32_t>(n), 0, static_cast<std::uint32_t>(q), z);
  int u = 0;
  for (; u < 4 && 4 * q + u < total; ++u) xi[u] = static_cast<Scalar>(sigma * z[u]);
  return u;
}

// ĝ = g + σξ, with σξ already formed.
template <class V, class N>
HORIZON_HD V add_noise(V g, N scaled) {
  return g + scaled;
}

}  // namespace horizon
