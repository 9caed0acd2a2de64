// horizon/simplex.hpp — the weight update on the simplex Δ_K (docs/algorithm.md §2).
//
// w, h: K-vectors, contiguous. Shared by the CPU reference and the kernels
// (K is small: the projection sorts with insertion sort, O(K²) worst case,
// exact same operation order on every backend).
#pragma once

#include <cmath>

#include "horizon/config.hpp"
#include "horizon/hd.hpp"

namespace horizon {

// w_j ← w_j·exp(−α(h_j − min_i h_i)), then w ← w / Σw.
template <class Scalar>
HORIZON_HD void exponentiated_update(Scalar* w, const Scalar* h, int K, Scalar alpha) {
  Scalar hmin = h[0];
  for (int j = 1; j < K; ++j) hmin = h[j] < hmin ? h[j] : hmin;
  Scalar sum = 0;
  for (int j = 0; j < K; ++j) {
    const Scalar gap = h[j] - hmin;  // 0 for the smallest h: exp(−α·0) = 1 exactly, no call needed
    if (gap != Scalar(0)) w[j] = w[j] * std::exp(-alpha * gap);
    sum += w[j];
  }
  for (int j = 0; j < K; ++j) w[j] = w[j] / sum;
}

// In place: v ← Proj_Δ(v), the Euclidean projection onto the simplex.
// Sort-based (Held–Wolfe–Crowder / Duchi et al.): sort u = v descending,
// ρ = max{r : u_r − (Σ_{i≤r} u_i − 1)/r > 0}, τ = (Σ_{i≤ρ} u_i − 1)/ρ,
// v_j ← max(v_j − τ, 0). `scratch` holds K values.
template <class Scalar>
HORIZON_HD void project_to_simplex(Scalar* v, int K, Scalar* scratch) {
  for (int j = 0; j < K; ++j) {  // insertion sort, descending
    Scalar x = v[j];
    int i = j;
    while (i > 0 && scratch[i - 1] < x) {
      scratch[i] = scratch[i - 1];
      --i;
    }
    scratch[i] = x;
  }
  Scalar cumsum = 0, tau = 0;
  for (int r = 0; r < K; ++r) {
    cumsum += scratch[r];
    const Scalar t = (cumsum - Scalar(1)) / Scalar(r + 1);
    if (scratch[r] - t > 0) tau = t;
  }
  for (int j = 0; j < K; ++j) v[j] = v[j] - tau > 0 ? v[j] - tau : Scalar(0);
}

// w ← Proj_Δ(w − α h). `scratch` holds K values.
template <class Scalar>
HORIZON_HD void projected_update(Scalar* w, const Scalar* h, int K, Scalar alpha,
                                 Scalar* scratch) {
  for (int j = 0; j < K; ++j) w[j] = w[j] - alpha * h[j];
  project_to_simplex(w, K, scratch);
}

// The weight update of docs/algorithm.md §2, dispatched on the configured rule.
template <class Scalar>
HORIZON_HD void weight_update(UpdateKind kind, Scalar* w, const Scalar* h, int K, Scalar alpha,
                              Scalar* scratch) {
  if (kind == UpdateKind::exponentiated)
    exponentiated_update(w, h, K, alpha);
  else
    projected_update(w, h, K, alpha, scratch);
}

}  // namespace horizon
