// Lane-batched quadratic trajectories (quadratic_lanes.hpp). The structure
// mirrors Trajectory::run; each step function loops over lanes innermost.
#include "quadratic_lanes.hpp"

#include <cmath>

#include "horizon/metrics.hpp"
#include "horizon/rng.hpp"
#include "horizon/schedule.hpp"
#include "horizon/simplex.hpp"

namespace horizon {
namespace reference {
namespace {

constexpr int R = lanes;
using LaneWords = std::uint32_t[R];

// Exact uint32 → double without the branchy unsigned conversion.
inline double to_double(std::uint32_t a) {
  return static_cast<double>(static_cast<std::int32_t>(a ^ 0x80000000u)) + 2147483648.0;
}

// Philox4x32-10 (Random123's constants and rounds) on R lanes with per-lane keys.
inline void philox_lanes(const std::uint32_t* key0, const std::uint32_t* key1, std::uint32_t c0v, std::uint32_t c1v,
                         std::uint32_t c2v, std::uint32_t c3v, std::uint32_t (*out)[R]) {
  std::uint32_t c0[R], c1[R], c2[R], c3[R], k0[R], k1[R];
  for (int r = 0; r < R; ++r) c0[r] = c0v, c1[r] = c1v, c2[r] = c2v, c3[r] = c3v, k0[r] = key0[r], k1[r] = key1[r];
  for (int round = 0; round < 10; ++round) {
    for (int r = 0; r < R; ++r) {
      const std::uint64_t p0 = static_cast<std::uint64_t>(c0[r]) * 0xD2511F53u;
      const std::uint64_t p1 = static_cast<std::uint64_t>(c2[r]) * 0xCD9E8D57u;
      const std::uint32_t n0 = static_cast<std::uint32_t>(p1 >> 32) ^ c1[r] ^ k0[r];
      const std::uint32_t n2 = static_cast<std::uint32_t>(p0 >> 32) ^ c3[r] ^ k1[r];
      c1[r] = static_cast<std::uint32_t>(p1);
      c3[r] = static_cast<std::uint32_t>(p0);
      c0[r] = n0;
      c2[r] = n2;
      k0[r] += 0x9E3779B9u;
      k1[r] += 0xBB67AE85u;
    }
  }
  for (int r = 0; r < R; ++r) out[0][r] = c0[r], out[1][r] = c1[r], out[2][r] = c2[r], out[3][r] = c3[r];
}

// rng::box_muller on lanes (same operations; the words convert exactly).
inline void box_muller_lanes(const std::uint32_t* a, const std::uint32_t* b, double* z0, double* z1) {
  for (int r = 0; r < R; ++r) {
    const double u = rng::mul_rn(rng::add_rn(to_double(a[r]), 0.5), 0x1.0p-32);
    const double rho = rng::sqrt_rn(rng::mul_rn(-2.0, rng::portable_log(u)));
    double s, c;
    rng::turn_sincos(b[r], &s, &c);
    z0[r] = rng::mul_rn(rho, c);
    z1[r] = rng::mul_rn(rho, s);
  }
}

class Lanes {
 public:
  Lanes(const QuadraticProblem& p, const AlgorithmConfig& cfg, std::int64_t T, const std::vector<std::uint64_t>& seeds)
      : p_(p), cfg_(cfg), T_(T), d_(p.d), K_(p.K), active_(static_cast<int>(seeds.size())),
        theta_(d_ * R), tail_(d_ * R), w_(K_ * R), S_(d_ * K_ * R), G_(d_ * K_ * R), HS_(d_ * K_ * R), gv_(d_ * R),
        h_(K_ * R), H_((p.diagonal ? d_ : d_ * d_) * R), diverged_(R, false) {
    for (int r = 0; r < R; ++r) {
      const std::uint64_t seed = r < active_ ? seeds[r] : seeds[0];  // idle lanes repeat lane 0
      key0_[r] = static_cast<std::uint32_t>(seed);
      key1_[r] = static_cast<std::uint32_t>(seed >> 32);
      for (int i = 0; i < d_; ++i) theta_[i * R + r] = p.theta0[i];
      for (int j = 0; j < K_; ++j) w_[j * R + r] = p.w0[j];
    }
  }

  std::vector<RunResult> run(const std::vector<std::int64_t>& budgets) {
    std::vector<RunResult> out(active_);
    const std::int64_t rounds_total = budgets.back() / T_;
    std::size_t next = 0;
    auto emit_at = [&](std::int64_t k) {
      for (; next < budgets.size() && budgets[next] / T_ == k; ++next) fork_leftover(budgets[next], k, out);
    };
    for (std::int64_t k = 0; k < rounds_total; ++k) {
      emit_at(k);
      round(k);
    }
    emit_at(rounds_total);
    return out;
  }

 private:
  double* lane_row(std::vector<double>& v, int index) { return v.data() + static_cast<std::size_t>(index) * R; }

  void begin_round() {
    if (p_.diagonal) {
      for (int i = 0; i < d_; ++i) {
        double* h = lane_row(H_, i);
        for (int r = 0; r < R; ++r) h[r] = 0;
        for (int j = 0; j < K_; ++j) {
          const double a = p_.domains[j].A[i];
          const double* w = lane_row(w_, j);
          for (int r = 0; r < R; ++r) h[r] += w[r] * a;
        }
      }
      return;
    }
    for (int e = 0; e < d_ * d_; ++e) {
      double* h = lane_row(H_, e);
      for (int r = 0; r < R; ++r) h[r] = 0;
      for (int j = 0; j < K_; ++j) {
        const double a = p_.domains[j].A[e];
        const double* w = lane_row(w_, j);
        for (int r = 0; r < R; ++r) h[r] += w[r] * a;
      }
    }
  }

  // A (θ − c) for every lane into out[i*stride + offset].
  void apply(const Quadratic& q, const std::vector<double>& theta, double* out, int stride, int offset) {
    for (int i = 0; i < d_; ++i) {
      double acc[R];
      if (p_.diagonal) {
        const double a = q.A[i], c = q.c[i];
        const double* t = theta.data() + static_cast<std::size_t>(i) * R;
        for (int r = 0; r < R; ++r) acc[r] = a * (t[r] - c);
      } else {
        for (int r = 0; r < R; ++r) acc[r] = 0;
        const double* row = q.A.data() + static_cast<std::size_t>(i) * d_;
        for (int l = 0; l < d_; ++l) {
          const double a = row[l], c = q.c[l];
          const double* t = theta.data() + static_cast<std::size_t>(l) * R;
          for (int r = 0; r < R; ++r) acc[r] += a * (t[r] - c);
        }
      }
      double* dst = out + (static_cast<std::size_t>(i) * stride + offset) * R;
      for (int r = 0; r < R; ++r) dst[r] = acc[r];
    }
  }

  void noisy_gradients(const std::vector<double>& theta, std::int64_t n) {
    for (int j = 0; j < K_; ++j) apply(p_.domains[j], theta, G_.data(), K_, j);
    if (cfg_.noise_kind != NoiseKind::gaussian || cfg_.noise_sigma == 0) return;
    const double sigma = cfg_.noise_sigma;
    std::uint32_t words[4][R];
    double z[4][R];
    for (int q = 0; 4 * q < K_ * d_; ++q) {  // draw e = j·d + i, four per call
      philox_lanes(key0_, key1_, static_cast<std::uint32_t>(q), 0, static_cast<std::uint32_t>(n),
                   rng::gradient_noise_stream << 28, words);
      box_muller_lanes(words[0], words[1], z[0], z[1]);
      box_muller_lanes(words[2], words[3], z[2], z[3]);
      for (int t = 0; t < 4 && 4 * q + t < K_ * d_; ++t) {
        const int j = (4 * q + t) / d_, i = (4 * q + t) % d_;
        double* g = G_.data() + (static_cast<std::size_t>(i) * K_ + j) * R;
        for (int r = 0; r < R; ++r) g[r] += sigma * z[t][r];
      }
    }
  }

  // S ← S − η (H_w S + Ĝ).
  void sensitivity_step(double eta) {
    for (int i = 0; i < d_; ++i)
      for (int k = 0; k < K_; ++k) {
        double* hs = lane_row(HS_, i * K_ + k);
        double acc[R];
        if (p_.diagonal) {
          const double* h = lane_row(H_, i);
          const double* s = lane_row(S_, i * K_ + k);
          for (int r = 0; r < R; ++r) acc[r] = h[r] * s[r];
        } else {
          for (int r = 0; r < R; ++r) acc[r] = 0;
          for (int l = 0; l < d_; ++l) {
            const double* h = lane_row(H_, i * d_ + l);
            const double* s = lane_row(S_, l * K_ + k);
            for (int r = 0; r < R; ++r) acc[r] += h[r] * s[r];
          }
        }
        for (int r = 0; r < R; ++r) hs[r] = acc[r];
      }
    for (int e = 0; e < d_ * K_; ++e) {
      double* s = lane_row(S_, e);
      const double* hs = lane_row(HS_, e);
      const double* g = lane_row(G_, e);
      for (int r = 0; r < R; ++r) s[r] -= eta * (hs[r] + g[r]);
    }
  }

  // θ ← θ − η Ĝ w.
  void inner_step(std::vector<double>& theta, double eta) {
    for (int i = 0; i < d_; ++i) {
      double acc[R];
      for (int r = 0; r < R; ++r) acc[r] = 0;
      for (int j = 0; j < K_; ++j) {
        const double* g = lane_row(G_, i * K_ + j);
        const double* w = lane_row(w_, j);
        for (int r = 0; r < R; ++r) acc[r] += g[r] * w[r];
      }
      double* t = lane_row(theta, i);
      for (int r = 0; r < R; ++r) t[r] -= eta * acc[r];
    }
  }

  void round(std::int64_t k) {
    begin_round();
    std::fill(S_.begin(), S_.end(), 0.0);
    for (std::int64_t t = 0; t < T_; ++t, ++n_) {
      const double eta = inner_rate(cfg_.inner, t, n_);
      noisy_gradients(theta_, n_);
      sensitivity_step(eta);
      inner_step(theta_, eta);
    }
    apply(p_.validation, theta_, gv_.data(), 1, 0);
    for (int j = 0; j < K_; ++j) {  // h = Sᵀ ∇f_v(θ)
      double* h = lane_row(h_, j);
      for (int r = 0; r < R; ++r) h[r] = 0;
      for (int i = 0; i < d_; ++i) {
        const double* s = lane_row(S_, i * K_ + j);
        const double* gv = lane_row(gv_, i);
        for (int r = 0; r < R; ++r) h[r] += s[r] * gv[r];
      }
    }
    const double alpha = outer_rate(cfg_.outer, k);
    std::vector<double> w(K_), h(K_), scratch(K_);
    for (int r = 0; r < active_; ++r) {
      if (diverged_[r]) continue;
      for (int j = 0; j < K_; ++j) w[j] = w_[j * R + r], h[j] = h_[j * R + r];
      weight_update(cfg_.update, w.data(), h.data(), K_, alpha, scratch.data());
      bool finite = true;
      for (int j = 0; j < K_; ++j) finite = finite && std::isfinite(w[j]) && std::isfinite(h[j]);
      for (int i = 0; i < d_; ++i) finite = finite && std::isfinite(theta_[i * R + r]);
      for (int j = 0; j < K_; ++j) w_[j * R + r] = w[j];
      diverged_[r] = !finite;
    }
  }

  void fork_leftover(std::int64_t N, std::int64_t k, std::vector<RunResult>& out) {
    tail_ = theta_;
    const std::int64_t start = k * T_;
    for (std::int64_t n = start; n < N; ++n) {
      noisy_gradients(tail_, n);
      inner_step(tail_, inner_rate(cfg_.inner, n - start, n));
    }
    for (int r = 0; r < active_; ++r) {
      Checkpoint c;
      c.N = N;
      c.rounds = N / T_;
      c.steps = N;
      c.theta.resize(d_);
      c.w.resize(K_);
      for (int i = 0; i < d_; ++i) c.theta[i] = tail_[i * R + r];
      for (int j = 0; j < K_; ++j) c.w[j] = w_[j * R + r];
      if (diverged_[r]) mark_diverged(c);
      out[r].checkpoints.push_back(std::move(c));
    }
  }

  const QuadraticProblem& p_;
  const AlgorithmConfig& cfg_;
  std::int64_t T_;
  int d_, K_, active_;
  std::int64_t n_ = 0;
  std::uint32_t key0_[R], key1_[R];
  std::vector<double> theta_, tail_, w_, S_, G_, HS_, gv_, h_, H_;
  std::vector<bool> diverged_;
};

}  // namespace

// Compiled for several instruction sets; the loader picks the best the CPU
// has. The results are the same on each: IEEE +, ×, ÷, √ without contraction.
// `flatten` inlines the whole trajectory into each clone.
__attribute__((target_clones("avx512f", "avx2", "default"), flatten))
std::vector<RunResult> run_quadratic_lanes(const QuadraticProblem& p, const AlgorithmConfig& cfg, std::int64_t T,
                                           const std::vector<std::uint64_t>& seeds,
                                           const std::vector<std::int64_t>& budgets) {
  std::vector<RunResult> out = Lanes(p, cfg, T, seeds).run(budgets);
  for (std::size_t r = 0; r < out.size(); ++r) out[r].spec = {T, seeds[r]};
  return out;
}

}  // namespace reference
}  // namespace horizon
