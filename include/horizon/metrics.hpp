// horizon/metrics.hpp — exact metrics of a run (docs/algorithm.md §1, §5).
//
//   θ*(w) solves H_w θ = Σ_j w_j A_j c_j,   H_w = Σ_j w_j A_j
//   Φ(w) = f_v(θ*(w)),   ∇Φ(w)_j = −∇f_v(θ*)ᵀ H_w⁻¹ ∇f_j(θ*)
//   fw_gap = max_j ⟨∇Φ(w), w − e_j⟩ = ⟨∇Φ, w⟩ − min_j ∇Φ_j
// Dense quadratics use a Cholesky factorisation of H_w (Eigen); diagonal ones
// divide; logistic problems find θ*(w) by Newton's method
// (logistic_metrics.hpp). Shared by every backend: backends return θ and w,
// this scores them.
#pragma once

#include <memory>
#include <vector>

#include "horizon/problem.hpp"
#include "horizon/result.hpp"

namespace horizon {

struct MixtureMetrics {
  std::vector<double> theta_star;  // θ*(w), d
  std::vector<double> grad;        // ∇Φ(w), K
  double phi = 0;
  double fw_gap = 0;
};

class LogisticEvaluator;

// Scores runs of either problem kind. Holds a pointer to the problem, which
// must outlive it.
class Evaluator {
 public:
  explicit Evaluator(const QuadraticProblem& p);
  explicit Evaluator(const LogisticProblem& p);
  explicit Evaluator(const Problem& p);
  double val_loss(const double* theta) const;  // f_v(θ)
  double val_acc(const double* theta) const;   // NaN for kinds without accuracy
  MixtureMetrics mixture(const double* w) const;
  // Fills val_loss, val_acc, phi, fw_gap from c.theta and c.w; flags and NaNs
  // a checkpoint with any non-finite value.
  void score(Checkpoint& c) const;

 private:
  const QuadraticProblem* quadratic_ = nullptr;
  std::shared_ptr<const LogisticEvaluator> logistic_;
};

// ⟨g, w⟩ − min_j g_j.
double frank_wolfe_gap(const std::vector<double>& grad, const double* w);

// Marks a checkpoint diverged: flag set, θ, w and every metric NaN.
void mark_diverged(Checkpoint& c);

}  // namespace horizon
