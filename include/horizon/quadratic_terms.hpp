// horizon/quadratic_terms.hpp — the quadratic problem's terms of a step
// (docs/algorithm.md §4), for every engine:
//
//   ∇f_j(θ) = A_j (θ − c_j)            dense: a row dot product (sensitivity_step.hpp's
//                                      ordered_dot over l of A_j(i,l)·(θ_l − c_j,l));
//                                      diagonal: a_j,i (θ_i − c_j,i)
//   H_w = Σ_j w_j A_j                  entry by entry, j ascending, once per round
//   (H_w S)_ij = Σ_l H_w(i,l) S_lj     dense (ordered_dot); diagonal: (H_w)_ii S_ij
#pragma once

#include "horizon/hd.hpp"

namespace horizon {

// θ_i − c_i: the residual every quadratic gradient starts from.
template <class V, class C>
HORIZON_HD V residual(V theta, C c) {
  return theta - c;
}

// a_i (θ_i − c_i): a diagonal quadratic's gradient entry.
template <class V, class A, class C>
HORIZON_HD V diagonal_gradient(A a, V theta, C c) {
  return a * residual(theta, c);
}

// (H_w)_e = Σ_j w(j)·a(j), j = 0 … K−1: entry e of Σ_j w_j A_j. KMAX > 0:
// K ≤ KMAX, unrolled (as mixed_gradient in inner_step.hpp).
template <class V, int KMAX = 0, class W, class A>
HORIZON_HD V weighted_entry(int K, W w, A a) {
  V acc{};
  if constexpr (KMAX > 0) {
    HORIZON_UNROLL
    for (int j = 0; j < KMAX; ++j)
      if (j < K) acc += w(j) * a(j);
  } else {
    for (int j = 0; j < K; ++j) acc += w(j) * a(j);
  }
  return acc;
}

}  // namespace horizon
