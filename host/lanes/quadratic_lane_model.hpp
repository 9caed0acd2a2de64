// Quadratic models on lanes (lanes.hpp); the trajectory is
// lane_trajectory.hpp. Same operations, same order as quadratic_dense.cpp and
// quadratic_diagonal.cpp, one lane per run.
#pragma once
#include "lanes/lanes.hpp"

#include "horizon/quadratic_terms.hpp"
#include "horizon/sensitivity_step.hpp"
#include "lanes/lane_trajectory.hpp"

namespace horizon {
namespace reference {
namespace {

class QuadraticLaneModel {
 public:
  explicit QuadraticLaneModel(const QuadraticProblem& p)
      : p_(&p), d_(p.d), K_(p.K), H_(p.diagonal ? p.d : p.d * p.d) {}

  // H_w = Σ_j w_j A_j (the diagonal, for diagonal problems); recomputing it
  // for lanes whose w did not move gives the same bits.
  void weights_changed(const std::vector<Lane>& w) {
    for (std::size_t e = 0; e < H_.size(); ++e)
      put(H_[e], weighted_entry<Vec>(K_, [&](int j) { return get(w[j]); }, [&](int j) { return p_->domains[j].A[e]; }));
  }

  void gradients(const std::vector<Lane>& theta, std::vector<Lane>& G, const LaneKeys&, std::int64_t) const {
    for (int j = 0; j < K_; ++j) apply(p_->domains[j], theta, G.data(), K_, j);
  }

  void hessian_times(const std::vector<Lane>&, const std::vector<Lane>&, const std::vector<Lane>& S,
                     std::vector<Lane>& HS) const {
    for (int i = 0; i < d_; ++i)
      for (int k = 0; k < K_; ++k) {
        const Vec hs = p_->diagonal ? get(H_[i]) * get(S[i * K_ + k])
                                    : ordered_dot<Vec>(d_, [&](int l) { return get(H_[i * d_ + l]); },
                                                       [&](int l) { return get(S[l * K_ + k]); });
        put(HS[i * K_ + k], hs);
      }
  }

  void val_gradient(const std::vector<Lane>& theta, std::vector<Lane>& gv) const {
    apply(p_->validation, theta, gv.data(), 1, 0);
  }

 private:
  // out[i*stride + offset] = (A (θ − c))_i for every lane.
  void apply(const Quadratic& q, const std::vector<Lane>& theta, Lane* out, int stride, int offset) const {
    for (int i = 0; i < d_; ++i) {
      const double* row = q.A.data() + static_cast<std::size_t>(i) * d_;
      const Vec g = p_->diagonal ? diagonal_gradient(q.A[i], get(theta[i]), q.c[i])
                                 : ordered_dot<Vec>(d_, [&](int l) { return row[l]; },
                                                    [&](int l) { return residual(get(theta[l]), q.c[l]); });
      put(out[i * stride + offset], g);
    }
  }

  const QuadraticProblem* p_;
  int d_, K_;
  std::vector<Lane> H_;
};

// One group of runs; lanes_avx512.cpp, lanes_avx2.cpp and lanes_baseline.cpp
// compile it for their instruction sets.
inline std::vector<RunResult> quadratic_lanes_body(const QuadraticProblem& p, const AlgorithmConfig& cfg,
                                                   const std::vector<RunSpec>& specs,
                                                   const std::vector<std::int64_t>& budgets) {
  std::vector<RunResult> out = LaneTrajectory<QuadraticLaneModel>(QuadraticLaneModel(p), p, cfg, specs).run(budgets);
  for (std::size_t r = 0; r < out.size(); ++r) out[r].spec = specs[r];
  return out;
}

}  // namespace
}  // namespace reference
}  // namespace horizon
