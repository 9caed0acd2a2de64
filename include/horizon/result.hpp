// horizon/result.hpp — what a run produces at each checkpoint (docs/algorithm.md §5).
#pragma once

#include <cstdint>
#include <limits>
#include <vector>

namespace horizon {

// One trajectory: horizon T, noise seed. Every run shares the checkpoint list.
struct RunSpec {
  std::int64_t T = 1;
  std::uint64_t seed = 0;
};

// The state of a run at budget N plus its metrics. A diverged run (any
// non-finite value) has diverged = true and every metric NaN.
struct Checkpoint {
  std::int64_t N = 0;
  std::int64_t rounds = 0;  // ⌊N/T⌋ weight updates
  std::int64_t steps = 0;   // parameter updates spent: always N
  std::vector<double> w;      // K
  std::vector<double> theta;  // d
  double val_loss = 0;        // f_v(θ)
  double val_acc = std::numeric_limits<double>::quiet_NaN();  // logistic only
  double phi = 0;             // Φ(w) = f_v(θ*(w))
  double fw_gap = 0;          // max_j ⟨∇Φ(w), w − e_j⟩
  bool diverged = false;
};

struct RunResult {
  RunSpec spec;
  std::vector<Checkpoint> checkpoints;  // one per requested N, ascending
};

}  // namespace horizon
