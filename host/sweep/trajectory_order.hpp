// The order of a sweep's trajectories, and a part of it.
//
// A sweep's (T, seed) trajectories are numbered in the order runs.csv holds
// them: index g = ti · seeds + (seed − seed0), T ascending, then seed (each
// trajectory's rows N ascending). A part of the sweep — a shard, or the
// whole grid — is one contiguous range [first, end) of that numbering, so
// the parts' runs.csv files laid end to end in shard order are the
// one-process runs.csv. Every trajectory serves all N budgets and so costs
// about max N steps: equal ranges are equal work (docs/algorithm.md §3: the
// counter-based noise makes a trajectory's numbers the same wherever it
// runs). PendingTrajectories, `--resume` (sweep_dir::read_valid_prefix) and
// `horizon merge` all go by this one object. Internal to host/sweep.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "horizon/backend.hpp"
#include "horizon/experiment.hpp"
#include "horizon/sweep.hpp"

namespace horizon {

struct TrajectoryOrder {
  std::vector<std::int64_t> T;  // ascending
  std::int64_t seeds = 1;
  std::uint64_t seed0 = 0;
  std::int64_t first = 0, end = 0;  // this part: indices [first, end)

  // The whole grid of `plan`, or its shard plan.shard (index of count).
  static TrajectoryOrder of(const SweepPlan& plan);
  std::int64_t total() const { return static_cast<std::int64_t>(T.size()) * seeds; }
  std::int64_t size() const { return end - first; }
  std::int64_t t_index(std::int64_t g) const { return g / seeds; }
  std::uint64_t seed(std::int64_t g) const { return seed0 + static_cast<std::uint64_t>(g % seeds); }
  // The index of (T index ti, seed).
  std::int64_t index(std::int64_t ti, std::uint64_t seed) const {
    return ti * seeds + static_cast<std::int64_t>(seed - seed0);
  }
};

// The trajectories of `order` still to compute, from index `from` on, a
// batch at a time: nothing is sized by the grid. With shared seeds (no
// noise) one run per T stands for all its seeds in the range.
class PendingTrajectories {
 public:
  PendingTrajectories(const TrajectoryOrder& order, std::int64_t from, bool shared)
      : order_(order), shared_(shared), g_(from) {}
  // Up to `count` specs in *out; false when none are left.
  bool next(std::size_t count, std::vector<RunSpec>* out);
  // Runs left to compute (a shared T counts once).
  std::int64_t runs_left() const;

 private:
  const TrajectoryOrder& order_;
  bool shared_;
  std::int64_t g_;
};

}  // namespace horizon
