// horizon/sensitivity_step.hpp — the forward-mode sensitivity step
// (docs/algorithm.md §2), for every engine:
//
//   S ← S − η (H_w(θ) S + Ĝ)          S d×K, S_ij = ∂θ_i/∂w_j, reset to 0 per round
//
// with H_w and Ĝ at the θ before the step. An engine forms (H_w S)_ij its own
// way (a dense row dot product, a diagonal product, a Hessian-times-matrix
// product, a GEMM), then updates each entry with sensitivity_update. V is the
// value type: double, float, or a vector of lanes; E the step size's type.
#pragma once

#include "horizon/hd.hpp"

namespace horizon {

// S_ij − η ((H_w S)_ij + Ĝ_ij).
template <class V, class E>
HORIZON_HD V sensitivity_update(V s, V hs, V g, E eta) {
  return s - eta * (hs + g);
}

// Σ_l a(l)·x(l), l = 0 … n−1 ascending from 0: every dot product of the
// quadratic steps ((A_j(θ − c_j))_i, (H_w S)_ij) in the reference's order.
template <class V, class A, class X>
HORIZON_HD V ordered_dot(int n, A a, X x) {
  V acc{};  // +0 (also for vectors of lanes), as the reference's `double s = 0`
  for (int l = 0; l < n; ++l) acc += a(l) * x(l);
  return acc;
}

}  // namespace horizon
