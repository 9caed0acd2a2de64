// Logistic model on lanes (lanes.hpp); the trajectory is lane_trajectory.hpp.
// Same operations, same order as logistic.cpp, one lane per run. With full
// gradients every lane reads the same example (a broadcast); with minibatch
// noise each lane reads its own rows, gathered once per step for the
// gradients and the Hessian product of that step (lane_minibatch.hpp, shared
// by a lane family).
#pragma once
#include <type_traits>

#include "lanes/lane_family.hpp"
#include "lanes/lane_minibatch.hpp"
#include "lanes/lane_trajectory.hpp"
#include "lanes/lanes.hpp"
#include "reference/logistic_math.hpp"

namespace horizon {
namespace reference {
namespace {

// f(i0, size) over [begin, end) in tiles of Tile, the tail in one smaller
// tile; size is a std::integral_constant, so the callee's loops have fixed
// bounds and its sums live in registers.
template <int Tile, class F>
inline void for_tiles(int end, F&& f, int begin = 0) {
  int i0 = begin;
  for (; i0 + Tile <= end; i0 += Tile) f(i0, std::integral_constant<int, Tile>{});
  if constexpr (Tile > 1) {
    if (i0 < end) for_tiles<Tile - 1>(end, f, i0);
  }
}

class LogisticLaneModel {
 public:
  using Draws = LaneMinibatch;

  LogisticLaneModel(const LogisticProblem& p, const AlgorithmConfig&, Draws& rows)
      : p_(&p), rows_(&rows), d_(p.d), K_(p.K), minibatch_(rows.active()), batch_(rows.batch()), weight_(p.K), xs_(p.K),
        c_(p.K) {
    for (int j = 0; j < K_; ++j) {
      weight_[j].resize(minibatch_ ? batch_ : p.domains[j].n);
      x_[j] = minibatch_ ? rows.rows(j) : nullptr;
      y_[j] = minibatch_ ? rows.labels(j) : nullptr;
    }
  }

  void weights_changed(const std::vector<Lane>&) {}

  static constexpr bool may_be_elementwise = false;  // lane_trajectory.hpp

  void gradients(const std::vector<Lane>& theta, std::vector<Lane>& G) {
    for (int j = 0; j < K_; ++j) {
      const int count = minibatch_ ? batch_ : p_->domains[j].n;
      if (minibatch_) rows_->ensure(j);  // every domain's before hessian_times reads them
      Vec g[kMaxD];
      for (int l = 0; l < d_; ++l) g[l] = vsplat(0.0);
      const auto x = [&](int b, int l) { return row_value(j, b, l); };
      for_tiles<kTile>(count, [&](int b0, auto eb) {
        constexpr int EB = decltype(eb)::value;
        Vec s[EB], sig[EB];
        margins<EB>(x, b0, theta, s);
        for (int e = 0; e < EB; ++e) sig[e] = sigmoid_neg_lanes(label(j, b0 + e) * s[e]);
        Vec coef[EB];
        for (int e = 0; e < EB; ++e) {
          coef[e] = -label(j, b0 + e) * sig[e] / static_cast<double>(count);
          put(weight_[j][b0 + e], logistic::curvature_of(sig[e]) / static_cast<double>(count));
        }
        accumulate<EB>(x, b0, coef, g);
      });
      for (int l = 0; l < d_; ++l) put(G[l * K_ + j], g[l] + p_->lambda * get(theta[l]));
    }
  }

  // H_w S = Σ_j w_j [X_Bᵀ D (X_B S)/B + λS], the examples of gradients().
  // Each entry (l, k) sums its terms over (j, b) in the reference's order:
  // HS_lk = w̄λS_lk + Σ_j Σ_b (c_jb x_jbl) xs_jbk.
  void hessian_times(const std::vector<Lane>&, const std::vector<Lane>& w, const std::vector<Lane>& S,
                     std::vector<Lane>& HS) {
    Vec wsum = vsplat(0.0);
    for (int j = 0; j < K_; ++j) wsum += get(w[j]);
    for (int j = 0; j < K_; ++j) {  // xs = xᵀS and c = w_j·weight for every example
      const int count = static_cast<int>(weight_[j].size());
      xs_[j].resize(static_cast<std::size_t>(count) * K_);
      c_[j].resize(count);
      for_tiles<kTile>(count, [&](int b0, auto eb) {
        for_tiles<kTile>(K_, [&](int k0, auto kb) {
          xs_tile<decltype(eb)::value, decltype(kb)::value>(j, b0, k0, S);
        });
      });
      for (int b = 0; b < count; ++b) put(c_[j][b], get(w[j]) * get(weight_[j][b]));
    }
    const Vec ridge = wsum * p_->lambda;
    for_tiles<kTile>(d_, [&](int l0, auto lb) {
      for_tiles<kTile>(K_, [&](int k0, auto kb) {
        hessian_tile<decltype(lb)::value, decltype(kb)::value>(l0, k0, ridge, S, HS);
      });
    });
  }

  void val_gradient(const std::vector<Lane>& theta, std::vector<Lane>& gv) const {
    const Dataset& data = p_->validation;
    Vec g[kMaxD];
    for (int l = 0; l < d_; ++l) g[l] = p_->lambda_v * get(theta[l]);
    const auto x = [&](int i, int l) { return vsplat(data.X[static_cast<std::size_t>(i) * d_ + l]); };
    for_tiles<kTile>(data.n, [&](int i0, auto eb) {
      constexpr int EB = decltype(eb)::value;
      Vec s[EB], sig[EB];
      margins<EB>(x, i0, theta, s);
      for (int e = 0; e < EB; ++e) sig[e] = sigmoid_neg_lanes(data.y[i0 + e] * s[e]);
      Vec coef[EB];
      for (int e = 0; e < EB; ++e) coef[e] = -data.y[i0 + e] * sig[e] / static_cast<double>(data.n);
      accumulate<EB>(x, i0, coef, g);
    });
    for (int l = 0; l < d_; ++l) put(gv[l], g[l]);
  }

  // g_l += coef_e x(b0 + e, l) for e = 0 … EB−1 in order, as the reference
  // adds its examples one by one.
  template <int EB, class Row>
  void accumulate(const Row& x, int b0, const Vec* coef, Vec* g) const {
    for (int l = 0; l < d_; ++l) {
      Vec acc = g[l];
      for (int e = 0; e < EB; ++e) acc += coef[e] * x(b0 + e, l);
      g[l] = acc;
    }
  }

  // s_e = Σ_l x(b0 + e, l) θ_l for EB examples at once.
  template <int EB, class Row>
  void margins(const Row& x, int b0, const std::vector<Lane>& theta, Vec* s) const {
    for (int e = 0; e < EB; ++e) s[e] = vsplat(0.0);
    for (int l = 0; l < d_; ++l) {
      const Vec t = get(theta[l]);
      for (int e = 0; e < EB; ++e) s[e] += x(b0 + e, l) * t;
    }
  }

  static constexpr int kMaxD = lanes_max_d, kMaxK = 64;

 private:
  // The tiles below keep L×KB (or EB×KB) independent sums in registers
  // while the examples stream past, so no add waits on the one before; each
  // sum still adds its terms in the reference's order, so the bits are its.

  // HS entries l0 … l0+L−1 × k0 … k0+KB−1.
  template <int L, int KB>
  void hessian_tile(int l0, int k0, const Vec& ridge, const std::vector<Lane>& S, std::vector<Lane>& HS) const {
    Vec acc[L][KB];
    for (int a = 0; a < L; ++a)
      for (int c = 0; c < KB; ++c) acc[a][c] = ridge * get(S[(l0 + a) * K_ + k0 + c]);
    for (int j = 0; j < K_; ++j) {
      const int count = static_cast<int>(weight_[j].size());
      for (int b = 0; b < count; ++b) {
        const Vec cb = get(c_[j][b]);
        Vec cx[L];
        for (int a = 0; a < L; ++a) cx[a] = cb * row_value(j, b, l0 + a);
        const Lane* xs = &xs_[j][static_cast<std::size_t>(b) * K_ + k0];
        for (int c = 0; c < KB; ++c) {
          const Vec v = get(xs[c]);
          for (int a = 0; a < L; ++a) acc[a][c] += cx[a] * v;
        }
      }
    }
    for (int a = 0; a < L; ++a)
      for (int c = 0; c < KB; ++c) put(HS[(l0 + a) * K_ + k0 + c], acc[a][c]);
  }

  // xs_jbk = Σ_l x_jbl S_lk for examples b0 … b0+EB−1, columns k0 … k0+KB−1.
  template <int EB, int KB>
  void xs_tile(int j, int b0, int k0, const std::vector<Lane>& S) {
    Vec acc[EB][KB];
    for (int e = 0; e < EB; ++e)
      for (int c = 0; c < KB; ++c) acc[e][c] = vsplat(0.0);
    for (int l = 0; l < d_; ++l)
      for (int c = 0; c < KB; ++c) {
        const Vec v = get(S[l * K_ + k0 + c]);
        for (int e = 0; e < EB; ++e) acc[e][c] += row_value(j, b0 + e, l) * v;
      }
    for (int e = 0; e < EB; ++e)
      for (int c = 0; c < KB; ++c) put(xs_[j][static_cast<std::size_t>(b0 + e) * K_ + k0 + c], acc[e][c]);
  }

  // 4×4 tiles of sums fit the 32 AVX-512 registers as Vec8 (one register a
  // value); a Pair of Vec4 takes two of the 16 AVX2 registers, where 4×4
  // spilled the sums to the stack (perf), so 3×3 there (and for SSE2).
  static constexpr int kTile = std::is_same_v<Vec, Vec8> ? 4 : 3;

  // Entry l of row b of domain j for the step, one per lane.
  Vec row_value(int j, int b, int l) const {
    return minibatch_ ? get(x_[j][static_cast<std::size_t>(b) * d_ + l])
                      : vsplat(p_->domains[j].X[static_cast<std::size_t>(b) * d_ + l]);
  }

  Vec label(int j, int b) const { return minibatch_ ? get(y_[j][b]) : vsplat(p_->domains[j].y[b]); }

  const LogisticProblem* p_;
  Draws* rows_;  // the step's minibatch (inactive with full gradients)
  int d_, K_;
  bool minibatch_;
  int batch_;
  std::vector<std::vector<Lane>> weight_;  // σ(m)(1−σ(m))/count per example of the step
  std::vector<std::vector<Lane>> xs_, c_;  // per example: xᵀS (K), w_j·weight
  // The step's minibatch rows and labels per domain (Draws); arrays in the
  // object, not on the heap, so lane stores do not make them reload (lane_family.hpp).
  const Lane* x_[kMaxK];
  const Lane* y_[kMaxK];
};

// One family of groups (lane_family.hpp); lanes_avx512.cpp, lanes_avx2.cpp
// and lanes_baseline.cpp compile it for their instruction sets.
inline std::vector<std::vector<RunResult>> logistic_lanes_body(const LogisticProblem& p, const AlgorithmConfig& cfg,
                                                               const std::vector<std::vector<RunSpec>>& groups,
                                                               const std::vector<std::int64_t>& budgets) {
  return run_lane_family<LogisticLaneModel>(p, cfg, groups, budgets);
}

}  // namespace
}  // namespace reference
}  // namespace horizon
