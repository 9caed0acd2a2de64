// A lane family: groups of up to R runs whose lane r holds the same seed in
// every group (their T may differ). Gaussian noise and minibatch rows are
// functions of the seed and the step only (docs/algorithm.md §3), so the
// family draws them once per step for all its groups; each group's
// trajectory is exactly the one it would run alone, every lane the
// reference bit for bit (tests/lanes_test.cpp). A sweep over several T with
// the same seeds thus draws its noise once per seed rather than once per run
// (host/backends/lane_families.cpp forms the families).
#pragma once

#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "horizon/config.hpp"
#include "horizon/result.hpp"
#include "lanes/lane_draws.hpp"
#include "lanes/lane_trajectory.hpp"

namespace horizon {
namespace reference {
namespace {

// groups: 1 or more, each 1 … R specs, all of one size, spec r of every group
// with the same seed. Returns each group's results in its order.
template <class Model, class ProblemData>
std::vector<std::vector<RunResult>> run_lane_family(const ProblemData& p, const AlgorithmConfig& cfg,
                                                    const std::vector<std::vector<RunSpec>>& groups,
                                                    const std::vector<std::int64_t>& budgets) {
  if (groups.empty() || groups.size() > static_cast<std::size_t>(max_family_groups) || groups.front().empty() ||
      groups.front().size() > static_cast<std::size_t>(R))
    throw std::logic_error("run_lane_family: a family needs 1 to 8 groups of 1 to 8 runs");
  for (const std::vector<RunSpec>& g : groups) {
    if (g.size() != groups.front().size())
      throw std::logic_error("run_lane_family: the groups of a family differ in size");
    for (std::size_t r = 0; r < g.size(); ++r)
      if (g[r].seed != groups.front()[r].seed)
        throw std::logic_error("run_lane_family: lane " + std::to_string(r) + " holds different seeds");
  }
  const LaneKeys keys = lane_keys(groups.front());
  LaneNormals normals(p.K, p.d);
  typename Model::Draws draws(p, cfg);
  // The trajectories live here, on the stack, not in a std::vector: lane
  // values are stored through may_alias pointers (lane_vec.hpp), and only
  // for a local object that never escapes can the compiler tell that such a
  // store leaves the object's own fields (its arrays' addresses, clocks, H_w
  // pointer) alone; on the heap it reloads them after every store (a sweep
  // of one T measured 6–12 % slower that way).
  std::optional<LaneTrajectory<Model>> members[max_family_groups];
  const int size = static_cast<int>(groups.size());
  for (int g = 0; g < size; ++g) members[g].emplace(Model(p, cfg, draws), p, cfg, groups[g], normals);
  for (int g = 0; g < size; ++g) members[g]->start(budgets);
  const bool gaussian = LaneTrajectory<Model>::gaussian_noise(cfg);
  for (std::int64_t n = 0; n < budgets.back(); ++n) {
    if (gaussian) normals.draw(keys, n);
    draws.draw(keys, n);
    for (int g = 0; g < size; ++g) members[g]->step(n);
  }
  std::vector<std::vector<RunResult>> out;
  out.reserve(size);
  for (int g = 0; g < size; ++g) out.push_back(members[g]->take_results());
  return out;
}

}  // namespace
}  // namespace reference
}  // namespace horizon
