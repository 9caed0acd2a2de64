// Logistic model on lanes (lanes.hpp); the trajectory is lane_trajectory.hpp.
// Same operations, same order as logistic.cpp, one lane per run. With full
// gradients every lane reads the same example (a broadcast); with minibatch
// noise each lane draws its own rows, gathered once per step and kept for
// the Hessian product of the same step.
#include "horizon/rng.hpp"
#include "lane_trajectory.hpp"
#include "lanes.hpp"
#include "logistic_math.hpp"

namespace horizon {
namespace reference {
namespace {

// logistic::sigmoid_neg on every lane (a loop the compiler vectorises).
inline Vec sigmoid_neg(const Vec& m) {
  Lane in, out;
  put(in, m);
  for (int r = 0; r < R; ++r) out.x[r] = logistic::sigmoid_neg(in.x[r]);
  return get(out);
}

class LogisticLaneModel {
 public:
  LogisticLaneModel(const LogisticProblem& p, const AlgorithmConfig& cfg)
      : p_(&p), d_(p.d), K_(p.K), minibatch_(cfg.noise_kind == NoiseKind::minibatch), batch_(cfg.batch),
        weight_(p.K), y_(p.K), x_(p.K), xs_(p.K), c_(p.K) {
    for (int j = 0; j < K_; ++j) {
      const int count = minibatch_ ? batch_ : p.domains[j].n;
      weight_[j].resize(count);
      if (minibatch_) {
        y_[j].resize(count);
        x_[j].resize(static_cast<std::size_t>(count) * d_);
      }
    }
  }

  void weights_changed(const std::vector<Lane>&) {}

  void gradients(const std::vector<Lane>& theta, std::vector<Lane>& G, const LaneKeys& keys, std::int64_t n) {
    for (int j = 0; j < K_; ++j) {
      const Dataset& data = p_->domains[j];
      const int count = minibatch_ ? batch_ : data.n;
      if (minibatch_) gather_batch(j, keys, n);
      Vec g[kMaxD];
      for (int l = 0; l < d_; ++l) g[l] = get(splat(0.0));
      for (int b = 0; b < count; ++b) {
        Vec x[kMaxD];
        load_row(j, b, x);
        const Vec y = label(j, b);
        Vec s = get(splat(0.0));
        for (int l = 0; l < d_; ++l) s += x[l] * get(theta[l]);
        const Vec sig = sigmoid_neg(y * s);
        const Vec coef = -y * sig / static_cast<double>(count);
        for (int l = 0; l < d_; ++l) g[l] += coef * x[l];
        put(weight_[j][b], logistic::curvature_of(sig) / static_cast<double>(count));
      }
      for (int l = 0; l < d_; ++l) put(G[l * K_ + j], g[l] + p_->lambda * get(theta[l]));
    }
  }

  // H_w S = Σ_j w_j [X_Bᵀ D (X_B S)/B + λS], the examples of gradients().
  // Each entry (l, k) sums its terms over (j, b) in the reference's order,
  // in a register: HS_lk = w̄λS_lk + Σ_j Σ_b (c_jb x_jbl) xs_jbk.
  void hessian_times(const std::vector<Lane>&, const std::vector<Lane>& w, const std::vector<Lane>& S,
                     std::vector<Lane>& HS) {
    Vec wsum = get(splat(0.0));
    for (int j = 0; j < K_; ++j) wsum += get(w[j]);
    for (int j = 0; j < K_; ++j) {  // xs = xᵀS and c = w_j·weight for every example
      const int count = static_cast<int>(weight_[j].size());
      xs_[j].resize(static_cast<std::size_t>(count) * K_);
      c_[j].resize(count);
      for (int b = 0; b < count; ++b) {
        Vec x[kMaxD];
        load_row(j, b, x);
        for (int k = 0; k < K_; ++k) {
          Vec acc = get(splat(0.0));
          for (int l = 0; l < d_; ++l) acc += x[l] * get(S[l * K_ + k]);
          put(xs_[j][static_cast<std::size_t>(b) * K_ + k], acc);
        }
        put(c_[j][b], get(w[j]) * get(weight_[j][b]));
      }
    }
    for (int l = 0; l < d_; ++l)
      for (int k = 0; k < K_; ++k) {
        Vec acc = wsum * p_->lambda * get(S[l * K_ + k]);
        for (int j = 0; j < K_; ++j) {
          const int count = static_cast<int>(weight_[j].size());
          for (int b = 0; b < count; ++b)
            acc += get(c_[j][b]) * row_value(j, b, l) * get(xs_[j][static_cast<std::size_t>(b) * K_ + k]);
        }
        put(HS[l * K_ + k], acc);
      }
  }

  void val_gradient(const std::vector<Lane>& theta, std::vector<Lane>& gv) const {
    const Dataset& data = p_->validation;
    Vec g[kMaxD];
    for (int l = 0; l < d_; ++l) g[l] = p_->lambda_v * get(theta[l]);
    for (int i = 0; i < data.n; ++i) {
      const double* x = data.X.data() + static_cast<std::size_t>(i) * d_;
      Vec s = get(splat(0.0));
      for (int l = 0; l < d_; ++l) s += x[l] * get(theta[l]);
      const double y = data.y[i];
      const Vec coef = -y * sigmoid_neg(y * s) / static_cast<double>(data.n);
      for (int l = 0; l < d_; ++l) g[l] += coef * x[l];
    }
    for (int l = 0; l < d_; ++l) put(gv[l], g[l]);
  }

  static constexpr int kMaxD = lanes_max_d, kMaxK = 64;

 private:
  // Row b of domain j's examples for the step, one per lane.
  void load_row(int j, int b, Vec* x) const {
    if (minibatch_) {
      for (int l = 0; l < d_; ++l) x[l] = get(x_[j][static_cast<std::size_t>(b) * d_ + l]);
      return;
    }
    const double* row = p_->domains[j].X.data() + static_cast<std::size_t>(b) * d_;
    for (int l = 0; l < d_; ++l) x[l] = get(splat(row[l]));
  }

  Vec row_value(int j, int b, int l) const {
    return minibatch_ ? get(x_[j][static_cast<std::size_t>(b) * d_ + l])
                      : get(splat(p_->domains[j].X[static_cast<std::size_t>(b) * d_ + l]));
  }

  Vec label(int j, int b) const { return minibatch_ ? get(y_[j][b]) : get(splat(p_->domains[j].y[b])); }

  // Each lane's B rows for step n (rng::uniform_index, as logistic.cpp).
  void gather_batch(int j, const LaneKeys& keys, std::int64_t n) {
    const Dataset& data = p_->domains[j];
    for (int b = 0; b < batch_; ++b)
      for (int r = 0; r < R; ++r) {
        const int row = static_cast<int>(rng::uniform_index(keys.seed[r], rng::minibatch, static_cast<std::uint32_t>(n),
                                                            static_cast<std::uint32_t>(j), static_cast<std::uint32_t>(b),
                                                            static_cast<std::uint32_t>(data.n)));
        y_[j][b].x[r] = data.y[row];
        const double* src = data.X.data() + static_cast<std::size_t>(row) * d_;
        for (int l = 0; l < d_; ++l) x_[j][static_cast<std::size_t>(b) * d_ + l].x[r] = src[l];
      }
  }

  const LogisticProblem* p_;
  int d_, K_;
  bool minibatch_;
  int batch_;
  std::vector<std::vector<Lane>> weight_;  // σ(m)(1−σ(m))/count per example of the step
  std::vector<std::vector<Lane>> y_, x_;   // the step's gathered minibatch (labels, rows)
  std::vector<std::vector<Lane>> xs_, c_;  // per example: xᵀS (K), w_j·weight
};

}  // namespace

__attribute__((target_clones("avx512f", "avx2", "default"), flatten))
std::vector<RunResult> run_logistic_lanes(const LogisticProblem& p, const AlgorithmConfig& cfg,
                                          const std::vector<RunSpec>& specs, const std::vector<std::int64_t>& budgets) {
  std::vector<RunResult> out =
      LaneTrajectory<LogisticLaneModel>(LogisticLaneModel(p, cfg), p, cfg, specs).run(budgets);
  for (std::size_t r = 0; r < out.size(); ++r) out[r].spec = specs[r];
  return out;
}

}  // namespace reference
}  // namespace horizon
