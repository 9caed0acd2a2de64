// Exact metrics for logistic problems: θ*(w) by Newton's method, Φ, ∇Φ,
// the Frank–Wolfe gap, validation loss and accuracy.
#include "metrics/logistic_metrics.hpp"

#include <cmath>

#include <Eigen/Cholesky>
#include <Eigen/Dense>

#include "horizon/metrics.hpp"
#include "reference/logistic_math.hpp"

namespace horizon {
namespace {

using Matrix = Eigen::MatrixXd;
using Vector = Eigen::VectorXd;

double margin(const Dataset& data, int d, int i, const double* theta) {
  const double* x = data.X.data() + static_cast<std::size_t>(i) * d;
  double s = 0;
  for (int l = 0; l < d; ++l) s += x[l] * theta[l];
  return data.y[i] * s;
}

// Mean loss, gradient and (optionally) Hessian of one data set, without λ.
void data_terms(const Dataset& data, int d, const Vector& theta, double* loss, Vector* grad, Matrix* hess) {
  *loss = 0;
  grad->setZero(d);
  if (hess) hess->setZero(d, d);
  for (int i = 0; i < data.n; ++i) {
    const double m = margin(data, d, i, theta.data());
    const Eigen::Map<const Vector> x(data.X.data() + static_cast<std::size_t>(i) * d, d);
    *loss += logistic::softplus_neg(m);
    const double sig = logistic::sigmoid_neg(m);
    *grad -= data.y[i] * sig * x;
    if (hess) hess->selfadjointView<Eigen::Lower>().rankUpdate(x, logistic::curvature_of(sig));
  }
  *loss /= data.n;
  *grad /= data.n;
  if (hess) {
    *hess = hess->selfadjointView<Eigen::Lower>();
    *hess /= data.n;
  }
}

}  // namespace

LogisticEvaluator::LogisticEvaluator(const LogisticProblem& p, double newton_tol) : p_(p), tol_(newton_tol) {}

double LogisticEvaluator::val_loss(const double* theta) const {
  double loss = 0, sq = 0;
  for (int i = 0; i < p_.validation.n; ++i) loss += logistic::softplus_neg(margin(p_.validation, p_.d, i, theta));
  for (int l = 0; l < p_.d; ++l) sq += theta[l] * theta[l];
  return loss / p_.validation.n + 0.5 * p_.lambda_v * sq;
}

double LogisticEvaluator::val_acc(const double* theta) const {
  int correct = 0;
  for (int i = 0; i < p_.validation.n; ++i) {
    const double* x = p_.validation.X.data() + static_cast<std::size_t>(i) * p_.d;
    double s = 0;
    for (int l = 0; l < p_.d; ++l) s += x[l] * theta[l];
    correct += (s > 0 ? 1.0 : -1.0) == p_.validation.y[i];
  }
  return static_cast<double>(correct) / p_.validation.n;
}

// Newton on F_w = Σ_j w_j f_j from θ0 (zeros), with backtracking; stops when
// the Newton decrement λ²/2 = ½ gᵀH⁻¹g ≤ tol (F_w is λ-strongly convex, so
// F_w(θ) − F_w(θ*) ≤ λ²/2 near the optimum).
MixtureMetrics LogisticEvaluator::mixture(const double* w) const {
  const int d = p_.d;
  Vector theta = Vector::Zero(d);
  auto objective = [&](const Vector& t, Vector* g, Matrix* H) {
    double total = 0;
    if (g) g->setZero(d);
    if (H) H->setZero(d, d);
    for (int j = 0; j < p_.K; ++j) {
      if (w[j] == 0) continue;
      double loss;
      Vector gj;
      Matrix Hj;
      data_terms(p_.domains[j], d, t, &loss, &gj, H ? &Hj : nullptr);
      total += w[j] * loss;
      if (g) *g += w[j] * gj;
      if (H) *H += w[j] * Hj;
    }
    double wsum = 0;
    for (int j = 0; j < p_.K; ++j) wsum += w[j];
    total += 0.5 * p_.lambda * wsum * t.squaredNorm();
    if (g) *g += p_.lambda * wsum * t;
    if (H) H->diagonal().array() += p_.lambda * wsum;
    return total;
  };
  Vector g;
  Matrix H;
  Eigen::LLT<Matrix> llt;
  for (int it = 0; it < 100; ++it) {
    const double f = objective(theta, &g, &H);
    llt.compute(H);
    const Vector step = llt.solve(g);
    const double decrement = 0.5 * g.dot(step);
    if (!(decrement > tol_)) break;
    // Damped steps far from θ*; full steps once the decrement is small, where
    // Newton converges quadratically and an Armijo test on f would only
    // compare rounding noise (and stall the last iterations).
    double t = 1;
    if (decrement > 1e-8)
      while (t > 1e-12 && objective(theta - t * step, nullptr, nullptr) > f - 0.25 * t * g.dot(step)) t *= 0.5;
    theta -= t * step;
  }
  objective(theta, &g, &H);  // H_w at θ* for the implicit hypergradient
  llt.compute(H);

  MixtureMetrics m;
  m.theta_star.assign(theta.data(), theta.data() + d);
  double vloss;
  Vector gv;
  data_terms(p_.validation, d, theta, &vloss, &gv, nullptr);
  gv += p_.lambda_v * theta;
  const Vector z = llt.solve(gv);
  m.grad.resize(p_.K);
  for (int j = 0; j < p_.K; ++j) {
    double loss;
    Vector gj;
    data_terms(p_.domains[j], d, theta, &loss, &gj, nullptr);
    gj += p_.lambda * theta;
    m.grad[j] = -z.dot(gj);
  }
  m.phi = vloss + 0.5 * p_.lambda_v * theta.squaredNorm();
  m.fw_gap = frank_wolfe_gap(m.grad, w);
  return m;
}

}  // namespace horizon
