// horizon/inner_step.hpp — the inner step (docs/algorithm.md §2), for every
// engine:
//
//   θ ← θ − η Ĝ w,   (Ĝ w)_i = Σ_j Ĝ_ij w_j  (j ascending, from 0)
//
// The same step serves the steps of a round and the leftover steps after the
// last round (those without the sensitivity step).
#pragma once

#include "horizon/hd.hpp"

namespace horizon {

// acc + Ĝ_ij w_j: one term of (Ĝ w)_i, for engines that interleave the
// domains with other work (the diagonal kernel).
template <class V, class W>
HORIZON_HD V mix_term(V acc, V g, W wj) {
  return acc + g * wj;
}

// (Ĝ w)_i = Σ_j g(j) w(j), j = 0 … K−1. KMAX > 0: K ≤ KMAX and the loop is
// unrolled to KMAX (a kernel's per-domain registers are never indexed
// dynamically).
template <class V, int KMAX = 0, class G, class W>
HORIZON_HD V mixed_gradient(int K, G g, W w) {
  V acc{};
  if constexpr (KMAX > 0) {
    HORIZON_UNROLL
    for (int j = 0; j < KMAX; ++j)
      if (j < K) acc = mix_term(acc, g(j), w(j));
  } else {
    for (int j = 0; j < K; ++j) acc = mix_term(acc, g(j), w(j));
  }
  return acc;
}

// θ_i − η (Ĝ w)_i.
template <class V, class E>
HORIZON_HD V inner_update(V theta, E eta, V mixed) {
  return theta - eta * mixed;
}

}  // namespace horizon
