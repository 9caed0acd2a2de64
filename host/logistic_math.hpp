// Numerically stable pieces of the logistic loss, shared by the model and
// the metrics (logistic.hpp has the formulas).
#pragma once

#include <cmath>

namespace horizon {
namespace logistic {

// log(1 + exp(−m)) without overflow.
inline double softplus_neg(double m) { return (m > 0 ? 0.0 : -m) + std::log1p(std::exp(-std::abs(m))); }

// σ(−m) = 1 / (1 + exp(m)), the weight of an example in the gradient.
inline double sigmoid_neg(double m) {
  if (m >= 0) {
    const double e = std::exp(-m);
    return e / (1 + e);
  }
  return 1 / (1 + std::exp(m));
}

// σ(m)(1 − σ(m)) = σ(−m)(1 − σ(−m)), the Hessian weight.
inline double curvature(double m) {
  const double s = sigmoid_neg(m);
  return s * (1 - s);
}

}  // namespace logistic
}  // namespace horizon
