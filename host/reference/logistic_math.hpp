// The pieces of the logistic loss shared by the model, the lanes and the
// metrics (logistic.hpp has the formulas). The step uses portable_exp so
// every backend computes the same bits; the metrics use libm.
#pragma once

#include <cmath>

#include "horizon/portable_exp.hpp"

namespace horizon {
namespace logistic {

// log(1 + exp(−m)) without overflow (metrics only).
inline double softplus_neg(double m) { return (m > 0 ? 0.0 : -m) + std::log1p(std::exp(-std::abs(m))); }

// σ(−m) = 1 / (1 + exp(m)), the weight of an example in the gradient:
// e = exp(−|m|); m ≥ 0 → e/(1+e), else 1/(1+e). No overflow, no branch on data.
inline double sigmoid_neg(double m) {
  const double e = portable_exp(-std::abs(m));
  const double one_plus = 1.0 + e;
  return (m >= 0 ? e : 1.0) / one_plus;
}

// σ(m)(1 − σ(m)) = σ(−m)(1 − σ(−m)), the Hessian weight (a double, or a
// vector of lanes).
template <class V>
inline V curvature_of(V sigma_neg) {
  return sigma_neg * (1.0 - sigma_neg);
}

}  // namespace logistic
}  // namespace horizon
