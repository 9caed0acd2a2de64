// Logistic model for the CPU reference (logistic.hpp has the formulas).
// Per step, gradients() draws the step's examples (all of them, or B per
// domain with replacement for minibatch noise, docs/algorithm.md §3) and keeps their
// curvature weights; hessian_times() then applies that same minibatch's
// Hessian, H_w S = Σ_j w_j [X_Bᵀ D (X_B S)/B + λS], never forming a d×d matrix.
#include "horizon/rng.hpp"
#include "reference/logistic_math.hpp"
#include "reference/reference.hpp"
#include "reference/trajectory.hpp"

namespace horizon {
namespace reference {
namespace {

class LogisticModel {
 public:
  LogisticModel(const LogisticProblem& p, const AlgorithmConfig& cfg)
      : p_(&p), d_(p.d), K_(p.K), minibatch_(cfg.noise_kind == NoiseKind::minibatch), batch_(cfg.batch),
        w_(p.K), rows_(p.K), weight_(p.K), xs_(p.K) {}

  void begin_round(const double* w) { w_.assign(w, w + K_); }

  void gradients(const double* theta, double* G, std::uint64_t seed, std::int64_t n) {
    for (int j = 0; j < K_; ++j) {
      const Dataset& data = p_->domains[j];
      const int count = minibatch_ ? batch_ : data.n;
      rows_[j].resize(count);
      weight_[j].resize(count);
      for (int b = 0; b < count; ++b)
        rows_[j][b] = minibatch_ ? static_cast<int>(rng::uniform_index(seed, rng::minibatch, static_cast<std::uint32_t>(n),
                                                                        static_cast<std::uint32_t>(j),
                                                                        static_cast<std::uint32_t>(b),
                                                                        static_cast<std::uint32_t>(data.n)))
                                 : b;
      for (int l = 0; l < d_; ++l) G[l * K_ + j] = 0;
      for (int b = 0; b < count; ++b) {
        const double* x = row(data, rows_[j][b]);
        const double y = data.y[rows_[j][b]];
        double s = 0;
        for (int l = 0; l < d_; ++l) s += x[l] * theta[l];
        const double m = y * s;
        const double sig = logistic::sigmoid_neg(m);
        const double coef = -y * sig / count;
        for (int l = 0; l < d_; ++l) G[l * K_ + j] += coef * x[l];
        weight_[j][b] = logistic::curvature_of(sig) / count;
      }
      for (int l = 0; l < d_; ++l) G[l * K_ + j] += p_->lambda * theta[l];
    }
  }

  void hessian_times(const double* /*theta*/, const double* S, double* HS) {
    double wsum = 0;
    for (int j = 0; j < K_; ++j) wsum += w_[j];
    for (int e = 0; e < d_ * K_; ++e) HS[e] = wsum * p_->lambda * S[e];
    for (int j = 0; j < K_; ++j) {
      const Dataset& data = p_->domains[j];
      xs_[j].resize(K_);
      for (std::size_t b = 0; b < rows_[j].size(); ++b) {
        const double* x = row(data, rows_[j][b]);
        std::fill(xs_[j].begin(), xs_[j].end(), 0.0);  // xᵀS, a K-vector
        for (int l = 0; l < d_; ++l)
          for (int k = 0; k < K_; ++k) xs_[j][k] += x[l] * S[l * K_ + k];
        const double c = w_[j] * weight_[j][b];
        for (int l = 0; l < d_; ++l)
          for (int k = 0; k < K_; ++k) HS[l * K_ + k] += c * x[l] * xs_[j][k];
      }
    }
  }

  void val_gradient(const double* theta, double* gv) const {
    const Dataset& data = p_->validation;
    for (int l = 0; l < d_; ++l) gv[l] = p_->lambda_v * theta[l];
    for (int i = 0; i < data.n; ++i) {
      const double* x = row(data, i);
      double s = 0;
      for (int l = 0; l < d_; ++l) s += x[l] * theta[l];
      const double coef = -data.y[i] * logistic::sigmoid_neg(data.y[i] * s) / data.n;
      for (int l = 0; l < d_; ++l) gv[l] += coef * x[l];
    }
  }

 private:
  const double* row(const Dataset& data, int i) const { return data.X.data() + static_cast<std::size_t>(i) * d_; }

  const LogisticProblem* p_;
  int d_, K_;
  bool minibatch_;
  int batch_;
  std::vector<double> w_;
  std::vector<std::vector<int>> rows_;       // the step's examples, per domain
  std::vector<std::vector<double>> weight_;  // σ(m)(1−σ(m))/count of each
  std::vector<std::vector<double>> xs_;
};

}  // namespace

RunResult run_logistic(const LogisticProblem& p, const AlgorithmConfig& cfg, RunSpec spec,
                       const std::vector<std::int64_t>& budgets) {
  return Trajectory<LogisticModel>(LogisticModel(p, cfg), p, cfg, spec).run(budgets);
}

RoundProbe probe_logistic_round(const LogisticProblem& p, const AlgorithmConfig& cfg, RunSpec spec,
                                const std::vector<double>& theta, const std::vector<double>& w, std::int64_t n0) {
  return Trajectory<LogisticModel>(LogisticModel(p, cfg), p, cfg, spec).probe_round(theta, w, n0);
}

}  // namespace reference
}  // namespace horizon
