// Dense quadratic model for the CPU reference (twins: kernels/quadratic_dense_fused.cu, kernels/quadratic_dense_gemm.cu).
//   ∇f_j(θ) = A_j (θ − c_j),  H_w = Σ_j w_j A_j (formed once per round),
//   H_w S a d×d by d×K product. A_j row-major d×d.
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
    std::fill(H_.begin(), H_.end(), 0.0);
    for (int j = 0; j < K_; ++j) {
      const double* A = p_->domains[j].A.data();
      for (std::size_t e = 0; e < H_.size(); ++e) H_[e] += w[j] * A[e];
    }
  }

  void gradients(const double* theta, double* G, std::uint64_t /*seed*/, std::int64_t /*n*/) {
    for (int j = 0; j < K_; ++j) {
      const Quadratic& q = p_->domains[j];
      for (int l = 0; l < d_; ++l) r_[l] = theta[l] - q.c[l];
      for (int i = 0; i < d_; ++i) {
        const double* row = q.A.data() + static_cast<std::size_t>(i) * d_;
        double s = 0;
        for (int l = 0; l < d_; ++l) s += row[l] * r_[l];
        G[i * K_ + j] = s;
      }
    }
  }

  void hessian_times(const double* /*theta*/, const double* S, double* HS) const {
    for (int i = 0; i < d_; ++i) {
      double* out = HS + i * K_;
      for (int j = 0; j < K_; ++j) out[j] = 0;
      const double* row = H_.data() + static_cast<std::size_t>(i) * d_;
      for (int l = 0; l < d_; ++l)
        for (int j = 0; j < K_; ++j) out[j] += row[l] * S[l * K_ + j];
    }
  }

  void val_gradient(const double* theta, double* gv) {
    const Quadratic& q = p_->validation;
    for (int l = 0; l < d_; ++l) r_[l] = theta[l] - q.c[l];
    for (int i = 0; i < d_; ++i) {
      const double* row = q.A.data() + static_cast<std::size_t>(i) * d_;
      double s = 0;
      for (int l = 0; l < d_; ++l) s += row[l] * r_[l];
      gv[i] = s;
    }
  }

 private:
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
