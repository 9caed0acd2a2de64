// Lane-batched quadratic trajectories (quadratic_lanes.hpp). The structure
// mirrors Trajectory::run; each step function loops over lanes innermost.
#include "quadratic_lanes.hpp"

// Vec values only pass between inline functions of this file; the ABI note
// about AVX-512 vector returns in the default clone does not apply.
#pragma GCC diagnostic ignored "-Wpsabi"

#include <immintrin.h>

#include <cmath>
#include <cstring>

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

// Philox4x32-10 on the R = 8 lanes with AVX2: each counter word of the 8
// lanes in one register; the 32×32→64 products of even and odd lanes come
// from two _mm256_mul_epu32 and are blended back into high and low words.
__attribute__((target("avx2"))) void philox_lanes_avx2(const std::uint32_t* key0, const std::uint32_t* key1,
                                                       std::uint32_t c0v, std::uint32_t c1v, std::uint32_t c2v,
                                                       std::uint32_t c3v, std::uint32_t (*out)[R]) {
  static_assert(R == 8, "one 256-bit register of 32-bit words per counter word");
  __m256i c0 = _mm256_set1_epi32(static_cast<int>(c0v)), c1 = _mm256_set1_epi32(static_cast<int>(c1v));
  __m256i c2 = _mm256_set1_epi32(static_cast<int>(c2v)), c3 = _mm256_set1_epi32(static_cast<int>(c3v));
  __m256i k0 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(key0));
  __m256i k1 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(key1));
  const __m256i m0 = _mm256_set1_epi64x(0xD2511F53), m1 = _mm256_set1_epi64x(0xCD9E8D57);
  const __m256i w0 = _mm256_set1_epi32(static_cast<int>(0x9E3779B9u)), w1 = _mm256_set1_epi32(static_cast<int>(0xBB67AE85u));
  for (int round = 0; round < 10; ++round) {
    const __m256i e0 = _mm256_mul_epu32(c0, m0), o0 = _mm256_mul_epu32(_mm256_srli_epi64(c0, 32), m0);
    const __m256i e1 = _mm256_mul_epu32(c2, m1), o1 = _mm256_mul_epu32(_mm256_srli_epi64(c2, 32), m1);
    const __m256i hi0 = _mm256_blend_epi32(_mm256_srli_epi64(e0, 32), o0, 0xAA);
    const __m256i lo0 = _mm256_blend_epi32(e0, _mm256_slli_epi64(o0, 32), 0xAA);
    const __m256i hi1 = _mm256_blend_epi32(_mm256_srli_epi64(e1, 32), o1, 0xAA);
    const __m256i lo1 = _mm256_blend_epi32(e1, _mm256_slli_epi64(o1, 32), 0xAA);
    c0 = _mm256_xor_si256(_mm256_xor_si256(hi1, c1), k0);
    c1 = lo1;
    c2 = _mm256_xor_si256(_mm256_xor_si256(hi0, c3), k1);
    c3 = lo0;
    k0 = _mm256_add_epi32(k0, w0);
    k1 = _mm256_add_epi32(k1, w1);
  }
  _mm256_storeu_si256(reinterpret_cast<__m256i*>(out[0]), c0);
  _mm256_storeu_si256(reinterpret_cast<__m256i*>(out[1]), c1);
  _mm256_storeu_si256(reinterpret_cast<__m256i*>(out[2]), c2);
  _mm256_storeu_si256(reinterpret_cast<__m256i*>(out[3]), c3);
}

// Philox4x32-10 (Random123's constants and rounds) on R lanes with per-lane keys.
inline void philox_lanes_portable(const std::uint32_t* key0, const std::uint32_t* key1, std::uint32_t c0v, std::uint32_t c1v,
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

inline void philox_lanes(const std::uint32_t* key0, const std::uint32_t* key1, std::uint32_t c0, std::uint32_t c1,
                         std::uint32_t c2, std::uint32_t c3, std::uint32_t (*out)[R]) {
  static const bool avx2 = __builtin_cpu_supports("avx2");
  if (avx2)
    philox_lanes_avx2(key0, key1, c0, c1, c2, c3, out);
  else
    philox_lanes_portable(key0, key1, c0, c1, c2, c3, out);
}

// rng::box_muller over `count` independent pairs (same operations; the words
// convert exactly). One long loop, so the out-of-order core overlaps the
// long dependency chains (log, sin, cos) of many pairs.
inline void box_muller_many(const std::uint32_t* a, const std::uint32_t* b, double* z0, double* z1, int count) {
  for (int r = 0; r < count; ++r) {
    const double u = rng::mul_rn(rng::add_rn(to_double(a[r]), 0.5), 0x1.0p-32);
    const double rho = rng::sqrt_rn(rng::mul_rn(-2.0, rng::portable_log(u)));
    double s, c;
    rng::turn_sincos(b[r], &s, &c);
    z0[r] = rng::mul_rn(rho, c);
    z1[r] = rng::mul_rn(rho, s);
  }
}

// One value per lane as a GCC vector: its arithmetic is elementwise IEEE, so
// a lane computes exactly what the scalar reference computes, and the
// compiler emits 1 AVX-512 / 2 AVX2 / 4 SSE2 registers per operation. The
// state is stored as plain `Lane` arrays (8-byte aligned, whatever the ISA
// of the clone) and moved in and out of registers with memcpy.
typedef double Vec __attribute__((vector_size(8 * R)));
struct Lane {
  double x[R];
};

inline Vec get(const Lane& l) {
  Vec v;
  std::memcpy(&v, l.x, sizeof v);
  return v;
}
inline void put(Lane& l, const Vec& v) { std::memcpy(l.x, &v, sizeof v); }
inline Lane splat(double x) {
  Lane l;
  for (int r = 0; r < R; ++r) l.x[r] = x;
  return l;
}

class Lanes {
 public:
  Lanes(const QuadraticProblem& p, const AlgorithmConfig& cfg, const std::vector<RunSpec>& specs)
      : p_(p), cfg_(cfg), d_(p.d), K_(p.K), active_(static_cast<int>(specs.size())), theta_(d_), w_(K_),
        S_(d_ * K_), G_(d_ * K_), HS_(d_ * K_), gv_(d_), h_(K_), H_(p.diagonal ? d_ : d_ * d_),
        z_cos_((K_ * d_ + 3) / 4 * 2 * R), z_sin_(z_cos_.size()), word_a_(z_cos_.size()), word_b_(z_cos_.size()),
        w1_(K_), h1_(K_), scratch_(K_), diverged_(R, false) {
    for (int r = 0; r < R; ++r) {
      const RunSpec& spec = specs[r < active_ ? r : 0];  // idle lanes repeat lane 0
      T_[r] = spec.T;
      key0_[r] = static_cast<std::uint32_t>(spec.seed);
      key1_[r] = static_cast<std::uint32_t>(spec.seed >> 32);
    }
    for (int i = 0; i < d_; ++i) theta_[i] = splat(p.theta0[i]);
    for (int j = 0; j < K_; ++j) w_[j] = splat(p.w0[j]);
  }

  // One pass over the steps. A lane's round starts at n ≡ 0 (mod T) and ends
  // after step n with n + 1 ≡ 0; steps past the last whole round form the
  // leftover of the largest budget. The checkpoint at budget N is θ after
  // step N − 1: within a round θ never depends on S, and the round's steps
  // use the same w, η(n − kT, n) and noise as the leftover steps of a run
  // stopped at N (DESIGN.md §2), so this equals the reference's fork bit for bit.
  std::vector<RunResult> run(const std::vector<std::int64_t>& budgets) {
    std::vector<RunResult> out(active_);
    std::size_t next = 0;
    bool weights_moved = true;
    for (std::int64_t n = 0; n < budgets.back(); ++n) {
      if (weights_moved) begin_round();  // H_w of lanes whose w did not move is recomputed unchanged
      weights_moved = false;
      Lane eta;
      bool any_end = false;
      for (int r = 0; r < R; ++r) {
        const std::int64_t t = n % T_[r];
        if (t == 0)
          for (Lane& s : S_) s.x[r] = 0.0;
        eta.x[r] = inner_rate(cfg_.inner, t, n);
        ends_[r] = t + 1 == T_[r];
        any_end = any_end || ends_[r];
      }
      noisy_gradients(n);
      sensitivity_step(get(eta));
      inner_step(get(eta));
      if (any_end) weights_moved = end_rounds(n);
      for (; next < budgets.size() && budgets[next] == n + 1; ++next) record(budgets[next], out);
    }
    return out;
  }

 private:
  // H_w = Σ_j w_j A_j (the diagonal, for diagonal problems), per lane.
  void begin_round() {
    const int entries = p_.diagonal ? d_ : d_ * d_;
    for (int e = 0; e < entries; ++e) {
      Vec h = get(splat(0.0));
      for (int j = 0; j < K_; ++j) h += get(w_[j]) * p_.domains[j].A[e];
      put(H_[e], h);
    }
  }

  // out[i*stride + offset] = (A (θ − c))_i for every lane.
  void apply(const Quadratic& q, const std::vector<Lane>& theta, Lane* out, int stride, int offset) const {
    for (int i = 0; i < d_; ++i) {
      Vec acc;
      if (p_.diagonal) {
        acc = q.A[i] * (get(theta[i]) - q.c[i]);
      } else {
        acc = get(splat(0.0));
        const double* row = q.A.data() + static_cast<std::size_t>(i) * d_;
        for (int l = 0; l < d_; ++l) acc += row[l] * (get(theta[l]) - q.c[l]);
      }
      put(out[i * stride + offset], acc);
    }
  }

  void noisy_gradients(std::int64_t n) {
    for (int j = 0; j < K_; ++j) apply(p_.domains[j], theta_, G_.data(), K_, j);
    if (cfg_.noise_kind != NoiseKind::gaussian || cfg_.noise_sigma == 0) return;
    // Draw e = j·d + i of the step is word pair e/2 of call e/4 (rng.hpp).
    const int calls = (K_ * d_ + 3) / 4;
    for (int q = 0; q < calls; ++q) {
      std::uint32_t words[4][R];
      philox_lanes(key0_, key1_, static_cast<std::uint32_t>(q), 0, static_cast<std::uint32_t>(n),
                   rng::gradient_noise_stream << 28, words);
      for (int half = 0; half < 2; ++half)
        for (int r = 0; r < R; ++r) {
          word_a_[(2 * q + half) * R + r] = words[2 * half][r];
          word_b_[(2 * q + half) * R + r] = words[2 * half + 1][r];
        }
    }
    box_muller_many(word_a_.data(), word_b_.data(), z_cos_.data(), z_sin_.data(), 2 * calls * R);
    const double sigma = cfg_.noise_sigma;
    for (int e = 0; e < K_ * d_; ++e) {
      const double* z = (e % 2 ? z_sin_.data() : z_cos_.data()) + static_cast<std::size_t>(e / 2) * R;
      Vec zv;
      for (int r = 0; r < R; ++r) zv[r] = z[r];
      Lane& g = G_[(e % d_) * K_ + e / d_];
      put(g, get(g) + sigma * zv);
    }
  }

  // S ← S − η (H_w S + Ĝ), η per lane.
  void sensitivity_step(const Vec& eta) {
    for (int i = 0; i < d_; ++i)
      for (int k = 0; k < K_; ++k) {
        Vec acc;
        if (p_.diagonal) {
          acc = get(H_[i]) * get(S_[i * K_ + k]);
        } else {
          acc = get(splat(0.0));
          for (int l = 0; l < d_; ++l) acc += get(H_[i * d_ + l]) * get(S_[l * K_ + k]);
        }
        put(HS_[i * K_ + k], acc);
      }
    for (int e = 0; e < d_ * K_; ++e) put(S_[e], get(S_[e]) - eta * (get(HS_[e]) + get(G_[e])));
  }

  // θ ← θ − η Ĝ w.
  void inner_step(const Vec& eta) {
    for (int i = 0; i < d_; ++i) {
      Vec acc = get(splat(0.0));
      for (int j = 0; j < K_; ++j) acc += get(G_[i * K_ + j]) * get(w_[j]);
      put(theta_[i], get(theta_[i]) - eta * acc);
    }
  }

  // The weight update of every lane whose round ended at step n (its k-th
  // round, k = (n + 1)/T − 1); a non-finite w, h or θ flags the lane diverged.
  // Returns whether any lane's weights moved.
  bool end_rounds(std::int64_t n) {
    apply(p_.validation, theta_, gv_.data(), 1, 0);
    for (int j = 0; j < K_; ++j) {  // h = Sᵀ ∇f_v(θ)
      Vec acc = get(splat(0.0));
      for (int i = 0; i < d_; ++i) acc += get(S_[i * K_ + j]) * get(gv_[i]);
      put(h_[j], acc);
    }
    bool moved = false;
    for (int r = 0; r < active_; ++r) {
      if (!ends_[r] || diverged_[r]) continue;
      const std::int64_t k = (n + 1) / T_[r] - 1;
      for (int j = 0; j < K_; ++j) w1_[j] = w_[j].x[r], h1_[j] = h_[j].x[r];
      weight_update(cfg_.update, w1_.data(), h1_.data(), K_, outer_rate(cfg_.outer, k), scratch_.data());
      bool finite = true;
      for (int j = 0; j < K_; ++j) finite = finite && std::isfinite(w1_[j]) && std::isfinite(h1_[j]);
      for (int i = 0; i < d_; ++i) finite = finite && std::isfinite(theta_[i].x[r]);
      for (int j = 0; j < K_; ++j) w_[j].x[r] = w1_[j];
      diverged_[r] = !finite;
      moved = true;
    }
    return moved;
  }

  void record(std::int64_t N, std::vector<RunResult>& out) const {
    for (int r = 0; r < active_; ++r) {
      Checkpoint c;
      c.N = N;
      c.rounds = N / T_[r];
      c.steps = N;
      c.theta.resize(d_);
      c.w.resize(K_);
      for (int i = 0; i < d_; ++i) c.theta[i] = theta_[i].x[r];
      for (int j = 0; j < K_; ++j) c.w[j] = w_[j].x[r];
      if (diverged_[r]) mark_diverged(c);
      out[r].checkpoints.push_back(std::move(c));
    }
  }

  const QuadraticProblem& p_;
  const AlgorithmConfig& cfg_;
  int d_, K_, active_;
  std::int64_t T_[R];
  bool ends_[R];
  std::uint32_t key0_[R], key1_[R];
  std::vector<Lane> theta_, w_, S_, G_, HS_, gv_, h_, H_;  // [index] of lanes
  std::vector<double> z_cos_, z_sin_;           // the step's normals, pair-major
  std::vector<std::uint32_t> word_a_, word_b_;  // their Philox words
  std::vector<double> w1_, h1_, scratch_;       // one lane's weight update
  std::vector<bool> diverged_;
};

}  // namespace

// Compiled for several instruction sets; the loader picks the best the CPU
// has. The results are the same on each: IEEE +, ×, ÷, √ without contraction.
// `flatten` inlines the whole trajectory into each clone.
__attribute__((target_clones("avx512f", "avx2", "default"), flatten))
std::vector<RunResult> run_quadratic_lanes(const QuadraticProblem& p, const AlgorithmConfig& cfg,
                                           const std::vector<RunSpec>& specs, const std::vector<std::int64_t>& budgets) {
  std::vector<RunResult> out = Lanes(p, cfg, specs).run(budgets);
  for (std::size_t r = 0; r < out.size(); ++r) out[r].spec = specs[r];
  return out;
}

}  // namespace reference
}  // namespace horizon
