// Diagonal quadratic model for the CPU reference (twin: kernels/quadratic_diagonal.cu).
//   ∇f_j(θ)_i = a_j,i (θ_i − c_j,i),  (H_w)_ii = Σ_j w_j a_j,i,  (H_w S)_ij = (H_w)_ii S_ij.
#include "horizon/quadratic_terms.hpp"
#include "reference/reference.hpp"
#include "reference/trajectory.hpp"

namespace horizon {
namespace reference {
namespace {

class DiagonalModel {
 public:
  explicit DiagonalModel(const QuadraticProblem& p) : p_(&p), d_(p.d), K_(p.K), h_(p.d) {}

  void begin_round(const double* w) {
    for (int i = 0; i < d_; ++i)
      h_[i] = weighted_entry<double>(K_, [&](int j) { return w[j]; }, [&](int j) { return p_->domains[j].A[i]; });
  }

  void gradients(const double* theta, double* G, std::uint64_t /*seed*/, std::int64_t /*n*/) const {
    for (int i = 0; i < d_; ++i)
      for (int j = 0; j < K_; ++j) {
        const Quadratic& q = p_->domains[j];
        G[i * K_ + j] = diagonal_gradient(q.A[i], theta[i], q.c[i]);
      }
  }

  void hessian_times(const double* /*theta*/, const double* S, double* HS) const {
    for (int i = 0; i < d_; ++i)
      for (int j = 0; j < K_; ++j) HS[i * K_ + j] = h_[i] * S[i * K_ + j];
  }

  void val_gradient(const double* theta, double* gv) const {
    const Quadratic& q = p_->validation;
    for (int i = 0; i < d_; ++i) gv[i] = diagonal_gradient(q.A[i], theta[i], q.c[i]);
  }

 private:
  const QuadraticProblem* p_;
  int d_, K_;
  std::vector<double> h_;
};

}  // namespace

RunResult run_quadratic_diagonal(const QuadraticProblem& p, const AlgorithmConfig& cfg,
                                 RunSpec spec, const std::vector<std::int64_t>& budgets) {
  return Trajectory<DiagonalModel>(DiagonalModel(p), p, cfg, spec).run(budgets);
}

RoundProbe probe_diagonal_round(const QuadraticProblem& p, const AlgorithmConfig& cfg, RunSpec spec,
                                const std::vector<double>& theta, const std::vector<double>& w, std::int64_t n0) {
  return Trajectory<DiagonalModel>(DiagonalModel(p), p, cfg, spec).probe_round(theta, w, n0);
}

}  // namespace reference
}  // namespace horizon
