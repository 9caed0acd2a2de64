// Exact metrics of docs/algorithm.md §5 for quadratic problems.
#include "horizon/metrics.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include <Eigen/Cholesky>
#include <Eigen/Dense>

#include "metrics/logistic_metrics.hpp"

namespace horizon {
namespace {

using Matrix = Eigen::MatrixXd;
using Vector = Eigen::VectorXd;

Vector as_vector(const std::vector<double>& v) {
  return Eigen::Map<const Vector>(v.data(), static_cast<Eigen::Index>(v.size()));
}

Matrix as_matrix(const QuadraticProblem& p, const Quadratic& q) {
  Matrix A = Matrix::Zero(p.d, p.d);
  for (int i = 0; i < p.d; ++i)
    for (int l = 0; l < p.d; ++l) A(i, l) = p.a(q, i, l);
  return A;
}

// A (θ − c) for either storage.
Vector apply(const QuadraticProblem& p, const Quadratic& q, const Vector& theta) {
  const Vector r = theta - as_vector(q.c);
  if (p.diagonal) return as_vector(q.A).cwiseProduct(r);
  return Eigen::Map<const Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>>(
             q.A.data(), p.d, p.d) *
         r;
}

bool all_finite(const std::vector<double>& v) {
  return std::all_of(v.begin(), v.end(), [](double x) { return std::isfinite(x); });
}

double quadratic_val_loss(const QuadraticProblem& p_, const double* theta) {
  const Vector t = Eigen::Map<const Vector>(theta, p_.d);
  const Vector g = apply(p_, p_.validation, t);
  return 0.5 * (t - as_vector(p_.validation.c)).dot(g);
}

MixtureMetrics quadratic_mixture(const QuadraticProblem& p_, const double* w) {
  const int d = p_.d, K = p_.K;
  MixtureMetrics m;
  Vector b = Vector::Zero(d);
  Vector theta_star, z;
  if (p_.diagonal) {
    Vector h = Vector::Zero(d);
    for (int j = 0; j < K; ++j) {
      const Vector a = as_vector(p_.domains[j].A);
      h += w[j] * a;
      b += w[j] * a.cwiseProduct(as_vector(p_.domains[j].c));
    }
    theta_star = b.cwiseQuotient(h);
    z = apply(p_, p_.validation, theta_star).cwiseQuotient(h);
  } else {
    Matrix H = Matrix::Zero(d, d);
    for (int j = 0; j < K; ++j) {
      const Matrix A = as_matrix(p_, p_.domains[j]);
      H += w[j] * A;
      b += w[j] * (A * as_vector(p_.domains[j].c));
    }
    const Eigen::LLT<Matrix> llt(H);
    theta_star = llt.solve(b);
    z = llt.solve(apply(p_, p_.validation, theta_star));
  }
  m.theta_star.assign(theta_star.data(), theta_star.data() + d);
  m.grad.resize(K);
  for (int j = 0; j < K; ++j) m.grad[j] = -z.dot(apply(p_, p_.domains[j], theta_star));
  m.phi = quadratic_val_loss(p_, theta_star.data());
  m.fw_gap = frank_wolfe_gap(m.grad, w);
  return m;
}

}  // namespace

Evaluator::Evaluator(const QuadraticProblem& p) : quadratic_(&p) {}
Evaluator::Evaluator(const LogisticProblem& p) : logistic_(std::make_shared<LogisticEvaluator>(p)) {}
Evaluator::Evaluator(const Problem& p) {
  if (const auto* q = std::get_if<QuadraticProblem>(&p))
    quadratic_ = q;
  else
    logistic_ = std::make_shared<LogisticEvaluator>(std::get<LogisticProblem>(p));
}

double Evaluator::val_loss(const double* theta) const {
  return quadratic_ ? quadratic_val_loss(*quadratic_, theta) : logistic_->val_loss(theta);
}

double Evaluator::val_acc(const double* theta) const {
  return quadratic_ ? std::numeric_limits<double>::quiet_NaN() : logistic_->val_acc(theta);
}

MixtureMetrics Evaluator::mixture(const double* w) const {
  return quadratic_ ? quadratic_mixture(*quadratic_, w) : logistic_->mixture(w);
}

double frank_wolfe_gap(const std::vector<double>& grad, const double* w) {
  double inner = 0, gmin = grad[0];
  for (std::size_t j = 0; j < grad.size(); ++j) {
    inner += grad[j] * w[j];
    gmin = std::min(gmin, grad[j]);
  }
  return inner - gmin;
}

void mark_diverged(Checkpoint& c) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  c.diverged = true;
  std::fill(c.theta.begin(), c.theta.end(), nan);
  std::fill(c.w.begin(), c.w.end(), nan);
  c.val_loss = c.val_acc = c.phi = c.fw_gap = nan;
}

void Evaluator::score(Checkpoint& c) const {
  if (c.diverged || !all_finite(c.theta) || !all_finite(c.w)) return mark_diverged(c);
  c.val_loss = val_loss(c.theta.data());
  c.val_acc = val_acc(c.theta.data());
  const MixtureMetrics m = mixture(c.w.data());
  c.phi = m.phi;
  c.fw_gap = m.fw_gap;
  if (!std::isfinite(c.val_loss) || !std::isfinite(c.phi) || !std::isfinite(c.fw_gap))
    mark_diverged(c);
}

}  // namespace horizon
