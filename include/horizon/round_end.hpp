// horizon/round_end.hpp — the end of a round (docs/algorithm.md §2), for
// every engine:
//
//   h = Sᵀ ∇f_v(θ)              K-vector, the T-step hypergradient
//   w ← update(w, h, α(k))      simplex.hpp, α from schedule.hpp
//   diverged ⇔ some θ_i, h_j or w_j (after the update) is not finite
//
// A diverged run stops: its later checkpoints are flagged, with NaN metrics.
// The sequential h below is the reference's order; the kernels reduce over i
// in a tree (kernels/block_exec.hpp) and differ from it only by rounding.
#pragma once

#include <cmath>
#include <cstdint>

#include "horizon/config.hpp"
#include "horizon/hd.hpp"
#include "horizon/schedule.hpp"
#include "horizon/simplex.hpp"

namespace horizon {

template <class Scalar>
HORIZON_HD bool finite_value(Scalar x) {
#if defined(__CUDA_ARCH__)
  return isfinite(x);
#else
  return std::isfinite(x);
#endif
}

// h_j = Σ_i s(i)·gv(i), i = 0 … d−1 ascending from 0.
template <class V, class S, class G>
HORIZON_HD V hypergradient_entry(int d, S s, G gv) {
  V acc{};
  for (int i = 0; i < d; ++i) acc += s(i) * gv(i);
  return acc;
}

// The weight update of round k on w (K values, h the round's hypergradient,
// scratch K values), then the divergence test. `theta_finite`: every θ_i is
// finite. Returns true when the run diverged and must stop.
template <class Scalar>
HORIZON_HD bool end_round(const AlgorithmConfig& cfg, std::int64_t k, Scalar* w, const Scalar* h, int K,
                          Scalar* scratch, bool theta_finite) {
  weight_update(cfg.update, w, h, K, static_cast<Scalar>(outer_rate(cfg.outer, k)), scratch);
  bool finite = theta_finite;
  for (int j = 0; j < K; ++j) finite = finite && finite_value(w[j]) && finite_value(h[j]);
  return !finite;
}

}  // namespace horizon
