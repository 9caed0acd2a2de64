#include "backends/lane_families.hpp"

#include <algorithm>
#include <map>
#include <unordered_map>

namespace horizon {

FamilyPlan plan_lane_families(const std::vector<RunSpec>& specs, int lanes, bool share, int max_groups) {
  const std::size_t width = static_cast<std::size_t>(std::max(1, lanes));
  const std::size_t longest = static_cast<std::size_t>(std::max(1, max_groups));
  FamilyPlan plan;
  if (!share) {
    for (std::size_t r = 0; r < specs.size(); ++r) {
      if (r % width == 0) plan.push_back({{}});
      plan.back().front().push_back(r);
    }
    return plan;
  }
  // Each seed's runs in batch order, seeds in order of first appearance.
  std::unordered_map<std::uint64_t, std::size_t> seed_slot;
  std::vector<std::vector<std::size_t>> runs_of_seed;
  for (std::size_t r = 0; r < specs.size(); ++r) {
    const auto found = seed_slot.emplace(specs[r].seed, runs_of_seed.size());
    if (found.second) runs_of_seed.emplace_back();
    runs_of_seed[found.first->second].push_back(r);
  }
  std::map<std::size_t, std::vector<std::size_t>> seeds_by_count;  // runs per seed → seed slots
  for (std::size_t s = 0; s < runs_of_seed.size(); ++s) seeds_by_count[runs_of_seed[s].size()].push_back(s);
  for (const auto& [count, seeds] : seeds_by_count)
    for (std::size_t first = 0; first < seeds.size(); first += width) {
      const std::size_t last = std::min(seeds.size(), first + width);
      for (std::size_t g0 = 0; g0 < count; g0 += longest) {  // a family of at most `longest` groups
        std::vector<std::vector<std::size_t>> family;
        for (std::size_t g = g0; g < std::min(count, g0 + longest); ++g) {
          family.emplace_back();
          for (std::size_t s = first; s < last; ++s) family.back().push_back(runs_of_seed[seeds[s]][g]);
        }
        plan.push_back(std::move(family));
      }
    }
  std::stable_sort(plan.begin(), plan.end(), [](const auto& a, const auto& b) { return a.size() > b.size(); });
  return plan;
}

}  // namespace horizon
