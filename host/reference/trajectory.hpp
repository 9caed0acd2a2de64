// The CPU reference trajectory: docs/algorithm.md §2 in plain loops, templated on the
// problem's linear algebra (a Model), with checkpoints by forking.
//
// State of one run: θ (d), S (d×K row-major, S[i*K + j] = ∂θ_i/∂w_j),
// w (K), the global step n. A Model supplies, for the current round's w:
//   begin_round(w)                the round's weights (quadratics form H_w here)
//   gradients(θ, G, seed, n)      G[i*K + j] = ĝ_j(θ)_i: exact, or for minibatch
//                                 noise the batch of step n drawn from `seed`
//   hessian_times(θ, S, HS)       HS = H_w(θ) S, at the θ (and minibatch) of the
//                                 gradients() call just before
//   val_gradient(θ, gv)           gv = ∇f_v(θ)
// Noise (docs/algorithm.md §3) is added here, so every model sees the same
// draws. The formulas of a step are the shared ones of include/horizon/
// (run_clock, gradient_noise, sensitivity_step, inner_step, round_end), which
// the lanes and the CUDA kernels call too.
#pragma once

#include <cmath>
#include <cstdint>
#include <vector>

#include "horizon/config.hpp"
#include "horizon/gradient_noise.hpp"
#include "horizon/inner_step.hpp"
#include "horizon/metrics.hpp"
#include "horizon/problem.hpp"
#include "horizon/result.hpp"
#include "horizon/round_end.hpp"
#include "horizon/run_clock.hpp"
#include "horizon/schedule.hpp"
#include "horizon/sensitivity_step.hpp"
#include "reference/reference.hpp"

namespace horizon {
namespace reference {

// Ĝ ← G + σ ξ for the draws e = j·d + i of step n, four per Philox call.
inline void add_gradient_noise(double* G, int d, int K, double sigma, std::uint64_t seed, std::int64_t n) {
  if (sigma == 0) return;
  const int total = noise_draws(K, d);
  for (int q = 0; q < noise_quads(K, d); ++q) {
    double xi[4];
    const int count = scaled_noise_quad(seed, n, q, total, sigma, xi);
    for (int u = 0; u < count; ++u) {
      const int e = 4 * q + u;
      double& g = G[noise_coordinate(e, d) * K + noise_domain(e, d)];
      g = add_noise(g, xi[u]);
    }
  }
}

inline bool all_finite(const std::vector<double>& v) {
  for (double x : v)
    if (!std::isfinite(x)) return false;
  return true;
}

template <class Model>
class Trajectory {
 public:
  template <class ProblemData>
  Trajectory(const Model& model, const ProblemData& p, const AlgorithmConfig& cfg, RunSpec spec)
      : m_(model), cfg_(cfg), spec_(spec), d_(p.d), K_(p.K), theta_(p.theta0), w_(p.w0),
        S_(p.d * p.K), G_(p.d * p.K), HS_(p.d * p.K), gv_(p.d), h_(p.K), scratch_(p.K) {}

  // One round's inner loop from (θ, w) at global step n0, without the weight
  // update: θ after T steps, the sensitivity S and the hypergradient h.
  RoundProbe probe_round(const std::vector<double>& theta, const std::vector<double>& w, std::int64_t n0) {
    theta_ = theta;
    w_ = w;
    n_ = n0;
    sensitivity_round();
    return {theta_, S_, h_};
  }

  // Runs to the largest budget, forking a leftover tail at every checkpoint.
  // `budgets` ascending. Metrics are left for the Evaluator.
  RunResult run(const std::vector<std::int64_t>& budgets) {
    RunResult out;
    out.spec = spec_;
    const std::int64_t T = spec_.T;
    const std::int64_t rounds_total = rounds_in(budgets.back(), T);
    std::size_t next = 0;
    auto emit_checkpoints_at = [&](std::int64_t k) {
      for (; next < budgets.size() && rounds_in(budgets[next], T) == k; ++next)
        out.checkpoints.push_back(fork_leftover(budgets[next], k));
    };
    bool diverged = false;
    for (std::int64_t k = 0; k < rounds_total && !diverged; ++k) {
      emit_checkpoints_at(k);
      diverged = round(k);
    }
    if (!diverged) emit_checkpoints_at(rounds_total);
    for (; next < budgets.size(); ++next) {  // after a divergence: flagged results
      Checkpoint c = blank(budgets[next]);
      mark_diverged(c);
      out.checkpoints.push_back(c);
    }
    return out;
  }

 private:
  // One round: T steps with sensitivity, then the weight update and the
  // divergence test. Returns true when the run diverged.
  bool round(std::int64_t k) {
    sensitivity_round();
    return end_round(cfg_, k, w_.data(), h_.data(), K_, scratch_.data(), all_finite(theta_));
  }

  // T inner steps with S reset to 0, then h = Sᵀ ∇f_v(θ).
  void sensitivity_round() {
    m_.begin_round(w_.data());
    std::fill(S_.begin(), S_.end(), 0.0);
    for (std::int64_t t = 0; t < spec_.T; ++t, ++n_) {
      const double eta = inner_rate(cfg_.inner, t, n_);
      noisy_gradients(theta_.data(), n_);
      sensitivity_step(eta);
      inner_step(theta_.data(), eta);
    }
    m_.val_gradient(theta_.data(), gv_.data());
    for (int j = 0; j < K_; ++j)  // h = Sᵀ ∇f_v(θ)
      h_[j] = hypergradient_entry<double>(d_, [&](int i) { return S_[i * K_ + j]; }, [&](int i) { return gv_[i]; });
  }

  void noisy_gradients(const double* theta, std::int64_t n) {
    m_.gradients(theta, G_.data(), spec_.seed, n);
    if (cfg_.noise_kind == NoiseKind::gaussian) add_gradient_noise(G_.data(), d_, K_, cfg_.noise_sigma, spec_.seed, n);
  }

  // S ← S − η (H_w S + Ĝ), with H_w and Ĝ at the θ before the step.
  void sensitivity_step(double eta) {
    m_.hessian_times(theta_.data(), S_.data(), HS_.data());
    for (int e = 0; e < d_ * K_; ++e) S_[e] = sensitivity_update(S_[e], HS_[e], G_[e], eta);
  }

  // θ ← θ − η Ĝ w.
  void inner_step(double* theta, double eta) const {
    for (int i = 0; i < d_; ++i)
      theta[i] = inner_update(theta[i], eta, mixed_gradient<double>(K_, [&](int j) { return G_[i * K_ + j]; },
                                                                       [&](int j) { return w_[j]; }));
  }

  Checkpoint blank(std::int64_t N) const {
    Checkpoint c;
    c.N = N;
    c.rounds = rounds_in(N, spec_.T);
    c.steps = N;
    c.theta.resize(d_);  // sized, so a diverged checkpoint shows NaN entries
    c.w.resize(K_);
    return c;
  }

  // The result of a standalone run with budget N, taken after k = ⌊N/T⌋
  // rounds: a copy of θ runs the N − kT leftover steps at the current w,
  // with η(t, n), t = n − kT (run_clock.hpp).
  Checkpoint fork_leftover(std::int64_t N, std::int64_t k) {
    Checkpoint c = blank(N);
    c.theta = theta_;
    c.w = w_;
    for (std::int64_t n = k * spec_.T; n < N; ++n) {
      noisy_gradients(c.theta.data(), n);
      inner_step(c.theta.data(), inner_rate(cfg_.inner, StepPosition(spec_.T, N, n).t, n));
    }
    return c;
  }

  Model m_;
  const AlgorithmConfig& cfg_;
  RunSpec spec_;
  int d_, K_;
  std::int64_t n_ = 0;
  std::vector<double> theta_, w_, S_, G_, HS_, gv_, h_, scratch_;
};

}  // namespace reference
}  // namespace horizon
