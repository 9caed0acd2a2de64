// The minibatch rows of one step on every lane (docs/algorithm.md §3): each
// lane's B rows per domain, gathered into lanes once per step. Like the
// Gaussian normals (lane_draws.hpp) they depend only on each lane's seed and
// the step, so one LaneMinibatch serves every group of a lane family
// (lane_family.hpp): the logistic model (logistic_lane_model.hpp) reads
// the rows of both its gradients and its Hessian product from here.
#pragma once

#include <cstdint>
#include <vector>

#include "horizon/config.hpp"
#include "horizon/problem.hpp"
#include "horizon/rng.hpp"
#include "lanes/lane_draws.hpp"
#include "lanes/lanes_simd.hpp"

namespace horizon {
namespace reference {
namespace {

class LaneMinibatch {
 public:
  LaneMinibatch(const LogisticProblem& p, const AlgorithmConfig& cfg)
      : p_(&p), d_(p.d), K_(p.K), active_(cfg.noise_kind == NoiseKind::minibatch), batch_(cfg.batch),
        y_(active_ ? p.K : 0), x_(active_ ? p.K : 0),
        words_(static_cast<std::size_t>(active_ ? cfg.batch : 0) * 4 * R), fresh_(p.K, false) {
    for (int j = 0; j < static_cast<int>(y_.size()); ++j) {
      y_[j].resize(batch_);
      x_[j].resize(static_cast<std::size_t>(batch_) * d_);
    }
  }

  bool active() const { return active_; }
  int batch() const { return batch_; }

  // Step n's rows (nothing without minibatch noise): each domain's are
  // gathered when first asked for (ensure), so the first reader finds them
  // in L1 — gathering all K domains up front measured 8 % slower (logistic
  // minibatch sweep of one T, one thread): 3 × 40 KB of rows overflow L1.
  void draw(const LaneKeys& keys, std::int64_t n) {
    if (!active_) return;
    keys_ = keys;
    n_ = n;
    for (int j = 0; j < K_; ++j) fresh_[j] = false;
  }

  // Domain j's rows of the step drawn last are in place (before reading them).
  void ensure(int j) {
    if (fresh_[j]) return;
    gather(j);
    fresh_[j] = true;
  }

  // Domain j's rows of the step, [b·d + l], and labels, [b] (after ensure):
  // fixed for the object's life, so a reader keeps the pointers
  // (lane_family.hpp says why).
  const Lane* rows(int j) const { return x_[j].data(); }
  const Lane* labels(int j) const { return y_[j].data(); }

 private:
  // Each lane's B rows of domain j for step n_: rng::uniform_index of every
  // lane from one Philox call on the 8 lanes (the same words as the scalar call).
  void gather(int j) {
    const Dataset& data = p_->domains[j];
    const auto m = static_cast<std::uint32_t>(data.n);
    philox_lanes_seq(keys_.key0, keys_.key1, 0, batch_, static_cast<std::uint32_t>(j), static_cast<std::uint32_t>(n_),
                     rng::minibatch << 28, reinterpret_cast<std::uint32_t(*)[4][R]>(words_.data()));
    for (int b = 0; b < batch_; ++b) {
      const std::uint32_t(*words)[R] = reinterpret_cast<const std::uint32_t(*)[R]>(&words_[static_cast<std::size_t>(b) * 4 * R]);
      const double* rows[R];
      for (int r = 0; r < R; ++r) {
        const int row = static_cast<int>(rng::reduce_index(words[0][r], words[1][r], m));
        y_[j][b].x[r] = data.y[row];
        rows[r] = data.X.data() + static_cast<std::size_t>(row) * d_;
      }
      rows_to_lanes(rows, d_, &x_[j][static_cast<std::size_t>(b) * d_]);
    }
  }

  const LogisticProblem* p_;
  int d_, K_;
  bool active_;
  int batch_;
  std::vector<std::vector<Lane>> y_, x_;  // the step's rows per domain (labels, rows)
  std::vector<std::uint32_t> words_;      // the step's Philox words, [draw b][word][lane]
  std::vector<bool> fresh_;               // per domain: rows of step n_ gathered
  LaneKeys keys_{};
  std::int64_t n_ = -1;
};

}  // namespace
}  // namespace reference
}  // namespace horizon
