// Dense quadratic model for the CPU reference (twins: kernels/quadratic_dense_fused.cu, kernels/quadratic_dense_gemm.cu).
//   ∇f_j(θ) = A_j (θ − c_j),  H_w = Σ_j w_j A_j (formed once per round),
//   H_w S a d×d by d×K product. A_j row-major d×d.
#include "horizon/quadratic_terms.hpp"
#include "horizon/sensitivity_step.hpp"
#include "reference/reference.hpp"
#include "reference/trajectory.hpp"

namespace horizon {
namespace reference {
namespace {

class DenseModel {
 public:
  explicit DenseModel(const QuadraticProblem& p)
      : p_(&p), d_(p.d), K_(p.K), H_(static_cast<std::size_t>(p.d) * p.d), r_(p.d) {}

  void begin_round(const double* w) {
    for (std::size_t e = 0; e < H_.size(); ++e)
      H_[e] = weighted_entry<double>(K_, [&](int j) { return w[j]; }, [&](int j) { return p_->domains[j].A[e]; });
  }

  void gradients(const double* theta, double* G, std::uint64_t /*seed*/, std::int64_t /*n*/) {
    for (int j = 0; j < K_; ++j) apply(p_->domains[j], theta, G + j, K_);
  }

  // (H_w S)_ij = Σ_l H_w(i,l) S_lj.
  void hessian_times(const double* /*theta*/, const double* S, double* HS) const {
    for (int i = 0; i < d_; ++i) {
      const double* row = H_.data() + static_cast<std::size_t>(i) * d_;
      for (int j = 0; j < K_; ++j)
        HS[i * K_ + j] = ordered_dot<double>(d_, [&](int l) { return row[l]; }, [&](int l) { return S[l * K_ + j]; });
    }
  }

  void val_gradient(const double* theta, double* gv) { apply(p_->validation, theta, gv, 1); }

 private:
  // out[i·stride] = (A (θ − c))_i.
  void apply(const Quadratic& q, const double* theta, double* out, int stride) {
    for (int l = 0; l < d_; ++l) r_[l] = residual(theta[l], q.c[l]);
    for (int i = 0; i < d_; ++i) {
      const double* row = q.A.data() + static_cast<std::size_t>(i) * d_;
      out[i * stride] = ordered_dot<double>(d_, [&](int l) { return row[l]; }, [&](int l) { return r_[l]; });
    }
  }

  const QuadraticProblem* p_;
  int d_, K_;
  std::vector<double> H_, r_;
};

}  // namespace

RunResult run_quadratic_dense(const QuadraticProblem& p, const AlgorithmConfig& cfg, RunSpec spec,
                              const std::vector<std::int64_t>& budgets) {
  return Trajectory<DenseModel>(DenseModel(p), p, cfg, spec).run(budgets);
}

RoundProbe probe_dense_round(const QuadraticProblem& p, const AlgorithmConfig& cfg, RunSpec spec,
                             const std::vector<double>& theta, const std::vector<double>& w, std::int64_t n0) {
  return Trajectory<DenseModel>(DenseModel(p), p, cfg, spec).probe_round(theta, w, n0);
}


}  // namespace reference
}  // namespace horizon
