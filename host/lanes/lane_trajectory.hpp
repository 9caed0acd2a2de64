// The lane-batched trajectory: up to `lanes` runs (any horizons T, any
// seeds) advance step by step in lockstep, each value a vector of lanes.
// It is Trajectory (trajectory.hpp) with the runs as the innermost
// dimension; a LaneModel supplies the problem's linear algebra on lanes:
//   weights_changed(w)             w moved for some lanes (quadratics form H_w)
//   gradients(θ, G)                G[i*K + j] = ĝ_j(θ)_i, exact or on the step's
//                                  minibatch (the model's Draws, drawn before)
//   hessian_times(θ, w, S, HS)     HS = H_w(θ) S at the gradients' θ and batch
//   val_gradient(θ, gv)
//   may_be_elementwise             (static) and, where true, elementwise() and
//   elementwise_step(θ, w, S, η, noisy): the whole step in one pass over the
//                                  coordinates (diagonal quadratics)
// Gaussian noise is added here, as in the reference, from the step's
// LaneNormals (drawn by the caller: lane_family.hpp, which shares them among
// trajectories with the same seeds). Every formula of a step is the shared
// one of include/horizon/ on Vec values (one lane per run).
//
// One pass over the steps: a lane's round starts at n ≡ 0 (mod T) and ends
// after step n with n + 1 ≡ 0; the steps past its last whole round are the
// leftover steps of the largest budget. The checkpoint at budget N is θ after
// step N − 1: within a round θ never depends on S, and the round's steps use
// the same w, η(n − kT, n) and noise as the leftover steps of a run stopped
// at N (docs/algorithm.md §2), so it equals the reference's fork bit for bit
// (tests/lanes_test.cpp).
#pragma once

#include <cmath>
#include <type_traits>
#include <vector>

#include "horizon/config.hpp"
#include "horizon/gradient_noise.hpp"
#include "horizon/inner_step.hpp"
#include "horizon/metrics.hpp"
#include "horizon/result.hpp"
#include "horizon/round_end.hpp"
#include "horizon/run_clock.hpp"
#include "horizon/schedule.hpp"
#include "horizon/sensitivity_step.hpp"
#include "lanes/lane_draws.hpp"
#include "lanes/lanes_simd.hpp"

namespace horizon {
namespace reference {
namespace {

template <class Model>
class LaneTrajectory {
 public:
  // normals: the step's Gaussian draws for these specs' seeds, drawn before
  // each step() (read only where the configuration has Gaussian noise).
  template <class ProblemData>
  LaneTrajectory(Model model, const ProblemData& p, const AlgorithmConfig& cfg, const std::vector<RunSpec>& specs,
                 const LaneNormals& normals)
      : m_(std::move(model)), cfg_(&cfg), z_cos_(normals.cosines()), z_sin_(normals.sines()), d_(p.d), K_(p.K),
        active_(static_cast<int>(specs.size())), specs_(specs), theta_(d_), w_(K_), S_(d_ * K_), G_(d_ * K_),
        HS_(d_ * K_), gv_(d_), h_(K_), w1_(K_), h1_(K_), scratch_(K_), diverged_(R, false) {
    if constexpr (Model::may_be_elementwise) elementwise_ = m_.elementwise();
    for (int r = 0; r < R; ++r) T_[r] = specs[r < active_ ? r : 0].T;  // idle lanes repeat lane 0
    for (int i = 0; i < d_; ++i) theta_[i] = splat(p.theta0[i]);
    for (int j = 0; j < K_; ++j) w_[j] = splat(p.w0[j]);
  }

  // Before step 0: the budgets (ascending) at which to record checkpoints.
  void start(const std::vector<std::int64_t>& budgets) {
    budgets_ = &budgets;
    next_ = 0;
    out_.assign(active_, RunResult{});
    for (int r = 0; r < active_; ++r) out_[r].spec = specs_[r];
    for (int r = 0; r < R; ++r) clock_[r].start(T_[r], budgets.back());
  }

  // Step n (0, 1, … in turn, up to the last budget), with the step's draws
  // made: the normals, and the model's own (a minibatch).
  void step(std::int64_t n) {
    if (weights_moved_) m_.weights_changed(w_);
    weights_moved_ = false;
    Lane eta;
    bool any_end = false;
    for (int r = 0; r < R; ++r) {  // each lane's clock stands at step n
      const RunClock& clk = clock_[r];
      if (clk.begins_round())
        for (Lane& s : S_) s.x[r] = 0.0;
      eta.x[r] = inner_rate(cfg_->inner, clk.t, n);
      ends_[r] = clk.round_ends();
      any_end = any_end || ends_[r];
    }
    if (elementwise_) {
      if constexpr (Model::may_be_elementwise) elementwise_step(get(eta));
    } else {
      m_.gradients(theta_, G_);
      add_gaussian_noise();
      sensitivity_step(get(eta));
      inner_step(get(eta));
    }
    if (any_end) weights_moved_ = end_rounds();
    for (RunClock& clk : clock_) clk.advance();
    for (; next_ < budgets_->size() && (*budgets_)[next_] == n + 1; ++next_) record((*budgets_)[next_]);
  }

  // After the last step: one result per spec, every budget's checkpoint.
  std::vector<RunResult> take_results() { return std::move(out_); }

  static bool gaussian_noise(const AlgorithmConfig& cfg) {
    return cfg.noise_kind == NoiseKind::gaussian && cfg.noise_sigma != 0;
  }

 private:
  // Ĝ ← G + σξ with draw e = j·d + i of the step (gradient_noise.hpp).
  void add_gaussian_noise() {
    if (!gaussian_noise(*cfg_)) return;
    for (int j = 0; j < K_; ++j)  // draw e = j·d + i, in the order of e (no division per draw)
      for (int i = 0; i < d_; ++i) {
        Lane& g = G_[i * K_ + j];
        put(g, noisy(j, i, get(g)));
      }
  }

  // Ĝ_ij = G_ij + σ ξ_e of the step's normals, e = j·d + i.
  Vec noisy(int j, int i, const Vec& g) const {
    return add_noise(g, cfg_->noise_sigma * normal(noise_draw_index(j, i, d_)));
  }

  // Normal e of the step, on every lane (LaneNormals::cosines, sines).
  Vec normal(int draw) const {
    const unsigned e = static_cast<unsigned>(draw);
    Vec z;  // loaded straight into registers (a memcpy to a Lane first stalls: lane_vec.hpp)
    load((e % 2 ? z_sin_ : z_cos_) + static_cast<std::size_t>(e / 2) * R, z);
    return z;
  }

  // A model whose every term is elementwise (a diagonal quadratic: ∇f_j and
  // H_w S coordinate by coordinate) takes the whole step in one pass over the
  // coordinates, without the G and HS arrays: the same formulas in the same
  // order per value as gradients(), add_gaussian_noise(), sensitivity_step()
  // and inner_step() one after the other (θ_i is read before it is written,
  // and no other coordinate reads it), so the same bits.
  void elementwise_step(const Vec& eta) {
    if (gaussian_noise(*cfg_)) {
      m_.elementwise_step(theta_, w_, S_, eta, [this](int j, int i, const Vec& g) { return noisy(j, i, g); });
    } else {
      m_.elementwise_step(theta_, w_, S_, eta, [](int, int, const Vec& g) { return g; });
    }
  }

  // S ← S − η (H_w S + Ĝ), η per lane.
  void sensitivity_step(const Vec& eta) {
    m_.hessian_times(theta_, w_, S_, HS_);
    for (int e = 0; e < d_ * K_; ++e) put(S_[e], sensitivity_update(get(S_[e]), get(HS_[e]), get(G_[e]), eta));
  }

  // θ ← θ − η Ĝ w.
  void inner_step(const Vec& eta) {
    for (int i = 0; i < d_; ++i) {
      const Vec mixed =
          mixed_gradient<Vec>(K_, [&](int j) { return get(G_[i * K_ + j]); }, [&](int j) { return get(w_[j]); });
      put(theta_[i], inner_update(get(theta_[i]), eta, mixed));
    }
  }

  // The weight update of every lane whose round ended at step n (its round
  // k); a non-finite w, h or θ flags the lane diverged.
  // Returns whether any lane's weights moved.
  bool end_rounds() {
    m_.val_gradient(theta_, gv_);
    for (int j = 0; j < K_; ++j)  // h = Sᵀ ∇f_v(θ)
      put(h_[j], hypergradient_entry<Vec>(d_, [&](int i) { return get(S_[i * K_ + j]); },
                                          [&](int i) { return get(gv_[i]); }));
    bool moved = false;
    for (int r = 0; r < active_; ++r) {
      if (!ends_[r] || diverged_[r]) continue;
      for (int j = 0; j < K_; ++j) w1_[j] = w_[j].x[r], h1_[j] = h_[j].x[r];
      bool theta_finite = true;
      for (int i = 0; i < d_; ++i) theta_finite = theta_finite && std::isfinite(theta_[i].x[r]);
      diverged_[r] = end_round(*cfg_, clock_[r].k, w1_.data(), h1_.data(), K_, scratch_.data(), theta_finite);
      for (int j = 0; j < K_; ++j) w_[j].x[r] = w1_[j];
      moved = true;
    }
    return moved;
  }

  void record(std::int64_t N) {
    for (int r = 0; r < active_; ++r) {
      Checkpoint c;
      c.N = N;
      c.rounds = rounds_in(N, T_[r]);
      c.steps = N;
      c.theta.resize(d_);
      c.w.resize(K_);
      for (int i = 0; i < d_; ++i) c.theta[i] = theta_[i].x[r];
      for (int j = 0; j < K_; ++j) c.w[j] = w_[j].x[r];
      if (diverged_[r]) mark_diverged(c);
      out_[r].checkpoints.push_back(std::move(c));
    }
  }

  Model m_;
  const AlgorithmConfig* cfg_;
  const double *z_cos_, *z_sin_;  // the step's normals (LaneNormals, drawn by the caller)
  int d_, K_, active_;
  std::vector<RunSpec> specs_;
  std::int64_t T_[R];
  RunClock clock_[R];  // each lane's position on the budget axis (no divisions per step)
  bool ends_[R];
  std::vector<Lane> theta_, w_, S_, G_, HS_, gv_, h_;  // [index] of lanes
  std::vector<double> w1_, h1_, scratch_;               // one lane's weight update
  std::vector<bool> diverged_;
  bool elementwise_ = false;    // the model takes whole steps elementwise (elementwise_step)
  bool weights_moved_ = true;   // H_w is due (step 0, or a round ended)
  const std::vector<std::int64_t>* budgets_ = nullptr;
  std::size_t next_ = 0;        // the next budget to record
  std::vector<RunResult> out_;  // per spec
};

}  // namespace
}  // namespace reference
}  // namespace horizon
