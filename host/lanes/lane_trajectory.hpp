// The lane-batched trajectory: up to `lanes` runs (any horizons T, any
// seeds) advance step by step in lockstep, each value a vector of lanes.
// It is Trajectory (trajectory.hpp) with the runs as the innermost
// dimension; a LaneModel supplies the problem's linear algebra on lanes:
//   weights_changed(w)             w moved for some lanes (quadratics form H_w)
//   gradients(θ, G, keys, n)       G[i*K + j] = ĝ_j(θ)_i, exact or minibatch
//   hessian_times(θ, w, S, HS)     HS = H_w(θ) S at the gradients' θ and batch
//   val_gradient(θ, gv)
//   may_be_elementwise             (static) and, where true, elementwise() and
//   elementwise_step(θ, w, S, η, noisy): the whole step in one pass over the
//                                  coordinates (diagonal quadratics)
// Gaussian noise is added here, as in the reference. Every formula of a step
// is the shared one of include/horizon/ on Vec values (one lane per run).
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
#include "lanes/lanes_simd.hpp"

namespace horizon {
namespace reference {
namespace {

struct LaneKeys {  // each lane's seed as the two Philox key words
  std::uint32_t key0[R], key1[R];
};

template <class Model>
class LaneTrajectory {
 public:
  template <class ProblemData>
  LaneTrajectory(Model model, const ProblemData& p, const AlgorithmConfig& cfg, const std::vector<RunSpec>& specs)
      : m_(std::move(model)), cfg_(cfg), d_(p.d), K_(p.K), active_(static_cast<int>(specs.size())), theta_(d_),
        w_(K_), S_(d_ * K_), G_(d_ * K_), HS_(d_ * K_), gv_(d_), h_(K_), z_cos_((K_ * d_ + 3) / 4 * 2 * R),
        z_sin_(z_cos_.size()), word_a_(z_cos_.size()), word_b_(z_cos_.size()), words_(static_cast<std::size_t>(noise_quads(K_, d_)) * 4 * R), w1_(K_), h1_(K_), scratch_(K_),
        diverged_(R, false) {
    if constexpr (Model::may_be_elementwise) elementwise_ = m_.elementwise();
    for (int r = 0; r < R; ++r) {
      const RunSpec& spec = specs[r < active_ ? r : 0];  // idle lanes repeat lane 0
      T_[r] = spec.T;
      keys_.key0[r] = static_cast<std::uint32_t>(spec.seed);
      keys_.key1[r] = static_cast<std::uint32_t>(spec.seed >> 32);
    }
    for (int i = 0; i < d_; ++i) theta_[i] = splat(p.theta0[i]);
    for (int j = 0; j < K_; ++j) w_[j] = splat(p.w0[j]);
  }

  std::vector<RunResult> run(const std::vector<std::int64_t>& budgets) {
    std::vector<RunResult> out(active_);
    std::size_t next = 0;
    bool weights_moved = true;
    const std::int64_t n_max = budgets.back();
    for (int r = 0; r < R; ++r) clock_[r].start(T_[r], n_max);
    for (std::int64_t n = 0; n < n_max; ++n) {
      if (weights_moved) m_.weights_changed(w_);
      weights_moved = false;
      Lane eta;
      bool any_end = false;
      for (int r = 0; r < R; ++r) {  // each lane's clock stands at step n
        const RunClock& clk = clock_[r];
        if (clk.begins_round())
          for (Lane& s : S_) s.x[r] = 0.0;
        eta.x[r] = inner_rate(cfg_.inner, clk.t, n);
        ends_[r] = clk.round_ends();
        any_end = any_end || ends_[r];
      }
      if (elementwise_) {
        if constexpr (Model::may_be_elementwise) elementwise_step(n, get(eta));
      } else {
        m_.gradients(theta_, G_, keys_, n);
        add_gaussian_noise(n);
        sensitivity_step(get(eta));
        inner_step(get(eta));
      }
      if (any_end) weights_moved = end_rounds();
      for (RunClock& clk : clock_) clk.advance();
      for (; next < budgets.size() && budgets[next] == n + 1; ++next) record(budgets[next], out);
    }
    return out;
  }

 private:
  bool gaussian_noise() const { return cfg_.noise_kind == NoiseKind::gaussian && cfg_.noise_sigma != 0; }

  // Ĝ ← G + σξ with draw e = j·d + i of step n (gradient_noise.hpp).
  void add_gaussian_noise(std::int64_t n) {
    if (!gaussian_noise()) return;
    draw_normals(n);
    for (int j = 0; j < K_; ++j)  // draw e = j·d + i, in the order of e (no division per draw)
      for (int i = 0; i < d_; ++i) {
        Lane& g = G_[i * K_ + j];
        put(g, noisy(j, i, get(g)));
      }
  }

  // Ĝ_ij = G_ij + σ ξ_e of the step's draws (draw_normals), e = j·d + i.
  Vec noisy(int j, int i, const Vec& g) const {
    return add_noise(g, cfg_.noise_sigma * normal(noise_draw_index(j, i, d_)));
  }

  // A model whose every term is elementwise (a diagonal quadratic: ∇f_j and
  // H_w S coordinate by coordinate) takes the whole step in one pass over the
  // coordinates, without the G and HS arrays: the same formulas in the same
  // order per value as gradients(), add_gaussian_noise(), sensitivity_step()
  // and inner_step() one after the other (θ_i is read before it is written,
  // and no other coordinate reads it), so the same bits.
  void elementwise_step(std::int64_t n, const Vec& eta) {
    if (gaussian_noise()) {
      draw_normals(n);
      m_.elementwise_step(theta_, w_, S_, eta, [this](int j, int i, const Vec& g) { return noisy(j, i, g); });
    } else {
      m_.elementwise_step(theta_, w_, S_, eta, [](int, int, const Vec& g) { return g; });
    }
  }

  // Normal e of the step, on every lane (draw_normals).
  Vec normal(int draw) const {
    const unsigned e = static_cast<unsigned>(draw);
    Vec z;  // loaded straight into registers (a memcpy to a Lane first stalls: lane_vec.hpp)
    load((e % 2 ? z_sin_.data() : z_cos_.data()) + static_cast<std::size_t>(e / 2) * R, z);
    return z;
  }

  // The K·d normals of step n on every lane: Philox on 8 lanes, then
  // Box–Muller, draw e in z_cos_ (e even) or z_sin_ (e odd) at e / 2.
  void draw_normals(std::int64_t n) {
    const int calls = noise_quads(K_, d_);
    philox_lanes_seq(keys_.key0, keys_.key1, 0, calls, 0, static_cast<std::uint32_t>(n),
                     rng::gradient_noise_stream << 28, reinterpret_cast<std::uint32_t(*)[4][R]>(words_.data()));
    for (int q = 0; q < calls; ++q)
      for (int half = 0; half < 2; ++half)
        for (int r = 0; r < R; ++r) {
          word_a_[(2 * q + half) * R + r] = words_[(q * 4 + 2 * half) * R + r];
          word_b_[(2 * q + half) * R + r] = words_[(q * 4 + 2 * half + 1) * R + r];
        }
    box_muller_block(word_a_.data(), word_b_.data(), z_cos_.data(), z_sin_.data(), 2 * calls * R);
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
      diverged_[r] = end_round(cfg_, clock_[r].k, w1_.data(), h1_.data(), K_, scratch_.data(), theta_finite);
      for (int j = 0; j < K_; ++j) w_[j].x[r] = w1_[j];
      moved = true;
    }
    return moved;
  }

  void record(std::int64_t N, std::vector<RunResult>& out) const {
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
      out[r].checkpoints.push_back(std::move(c));
    }
  }

  Model m_;
  const AlgorithmConfig& cfg_;
  int d_, K_, active_;
  std::int64_t T_[R];
  RunClock clock_[R];  // each lane's position on the budget axis (no divisions per step)
  bool ends_[R];
  LaneKeys keys_;
  std::vector<Lane> theta_, w_, S_, G_, HS_, gv_, h_;  // [index] of lanes
  std::vector<double> z_cos_, z_sin_;                   // the step's normals, pair-major
  std::vector<std::uint32_t> word_a_, word_b_;          // their Philox words
  std::vector<std::uint32_t> words_;                    // [call][word][lane], as Philox gives them
  std::vector<double> w1_, h1_, scratch_;               // one lane's weight update
  std::vector<bool> diverged_;
  bool elementwise_ = false;  // the model takes whole steps elementwise (elementwise_step)
};

}  // namespace
}  // namespace reference
}  // namespace horizon
