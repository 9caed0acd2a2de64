// How the CPU backend cuts a batch of runs into lane families
// (lanes.hpp): runs with the same seed draw the same Gaussian noise and
// minibatch rows at every step whatever their T (docs/algorithm.md §3), so
// a family puts them in the same lane of several groups and draws once per
// step for all. Which runs share a group changes no result: every lane is
// the reference's run bit for bit.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "horizon/result.hpp"

namespace horizon {

// Spec indices: [family][group][lane].
using FamilyPlan = std::vector<std::vector<std::vector<std::size_t>>>;

// Every spec exactly once. With share: seeds that occur equally often are
// taken `lanes` at a time, and the i-th run of each (in batch order) goes to
// group i of their family; families longer than max_groups are cut into
// pieces of at most max_groups (so there is work for every thread, and a
// family's state stays in cache). Without share: groups of `lanes`
// consecutive specs, one family each. Families come longest first (they
// cost in proportion to their groups).
FamilyPlan plan_lane_families(const std::vector<RunSpec>& specs, int lanes, bool share, int max_groups);

}  // namespace horizon
