// Metrics of logistic problems (used through Evaluator, metrics.hpp).
//   θ*(w) by damped Newton on F_w from θ = 0, stopped when the Newton
//   decrement ½ gᵀH⁻¹g ≤ newton_tol (default 1e-24, i.e. F_w(θ) − F_w(θ*)
//   below 1e-24 and ‖θ − θ*‖ ≈ 1e-12/√λ); ∇Φ from the formed d×d Hessian.
#pragma once

#include "horizon/logistic.hpp"
#include "horizon/metrics.hpp"

namespace horizon {

class LogisticEvaluator {
 public:
  explicit LogisticEvaluator(const LogisticProblem& p, double newton_tol = 1e-24);
  double val_loss(const double* theta) const;
  double val_acc(const double* theta) const;
  MixtureMetrics mixture(const double* w) const;

 private:
  const LogisticProblem& p_;
  double tol_;
};

}  // namespace horizon
