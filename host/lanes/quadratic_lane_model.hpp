// Quadratic models on lanes (lanes.hpp); the trajectory is
// lane_trajectory.hpp. Same operations, same order as quadratic_dense.cpp and
// quadratic_diagonal.cpp, one lane per run.
#pragma once
#include "lanes/lanes.hpp"

#include "horizon/inner_step.hpp"
#include "horizon/quadratic_terms.hpp"
#include "horizon/sensitivity_step.hpp"
#include "lanes/lane_draws.hpp"
#include "lanes/lane_family.hpp"
#include "lanes/lane_trajectory.hpp"

namespace horizon {
namespace reference {
namespace {

class QuadraticLaneModel {
 public:
  using Draws = NoDraws;  // only the trajectory's Gaussian normals (lane_draws.hpp)

  QuadraticLaneModel(const QuadraticProblem& p, const AlgorithmConfig&, Draws&)
      : p_(&p), d_(p.d), K_(p.K), H_(p.diagonal ? p.d : p.d * p.d) {}

  // H_w = Σ_j w_j A_j (the diagonal, for diagonal problems); recomputing it
  // for lanes whose w did not move gives the same bits.
  void weights_changed(const std::vector<Lane>& w) {
    for (std::size_t e = 0; e < H_.size(); ++e)
      put(H_[e], weighted_entry<Vec>(K_, [&](int j) { return get(w[j]); }, [&](int j) { return p_->domains[j].A[e]; }));
  }

  void gradients(const std::vector<Lane>& theta, std::vector<Lane>& G) const {
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

  // A diagonal problem's terms are all elementwise (lane_trajectory.hpp's
  // elementwise_step).
  static constexpr bool may_be_elementwise = true;
  bool elementwise() const { return p_->diagonal; }

  // One step of a diagonal problem, coordinate i by coordinate: for each
  // domain j, Ĝ_ij = noisy(j, i, a_j,i (θ_i − c_j,i)), S_ij ← S_ij − η(H_ii S_ij
  // + Ĝ_ij), and (Ĝ w)_i term by term (j ascending); then θ_i ← θ_i − η (Ĝ w)_i.
  template <class Noisy>
  void elementwise_step(std::vector<Lane>& theta, const std::vector<Lane>& w, std::vector<Lane>& S, const Vec& eta,
                        const Noisy& noisy) const {
    for (int i = 0; i < d_; ++i) {
      const Vec t = get(theta[i]), h = get(H_[i]);
      Vec mixed{};
      for (int j = 0; j < K_; ++j) {
        const Quadratic& q = p_->domains[j];
        const Vec g = noisy(j, i, diagonal_gradient(q.A[i], t, q.c[i]));
        Lane& s = S[i * K_ + j];
        const Vec sij = get(s);
        put(s, sensitivity_update(sij, h * sij, g, eta));
        mixed = mix_term(mixed, g, get(w[j]));
      }
      put(theta[i], inner_update(t, eta, mixed));
    }
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

// One family of groups (lane_family.hpp); lanes_avx512.cpp, lanes_avx2.cpp
// and lanes_baseline.cpp compile it for their instruction sets.
inline std::vector<std::vector<RunResult>> quadratic_lanes_body(const QuadraticProblem& p, const AlgorithmConfig& cfg,
                                                                const std::vector<std::vector<RunSpec>>& groups,
                                                                const std::vector<std::int64_t>& budgets) {
  return run_lane_family<QuadraticLaneModel>(p, cfg, groups, budgets);
}

}  // namespace
}  // namespace reference
}  // namespace horizon
