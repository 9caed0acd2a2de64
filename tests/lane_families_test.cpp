// plan_lane_families (host/backends/lane_families.hpp): every run exactly
// once, every family a valid one (groups of one size, lane r one seed in all
// of them), runs of one seed gathered, the caps kept.
#include <gtest/gtest.h>

#include <random>
#include <set>
#include <vector>

#include "backends/lane_families.hpp"

namespace horizon {
namespace {

void expect_valid(const FamilyPlan& plan, const std::vector<RunSpec>& specs, int lanes, int max_groups) {
  std::multiset<std::size_t> seen;
  for (const auto& family : plan) {
    ASSERT_FALSE(family.empty());
    EXPECT_LE(static_cast<int>(family.size()), max_groups);
    for (const auto& group : family) {
      ASSERT_EQ(group.size(), family.front().size());
      EXPECT_GE(group.size(), 1u);
      EXPECT_LE(static_cast<int>(group.size()), lanes);
      for (std::size_t r = 0; r < group.size(); ++r) {
        EXPECT_EQ(specs[group[r]].seed, specs[family.front()[r]].seed);
        seen.insert(group[r]);
      }
    }
  }
  ASSERT_EQ(seen.size(), specs.size());
  for (std::size_t r = 0; r < specs.size(); ++r) EXPECT_EQ(seen.count(r), 1u) << "spec " << r;
}

TEST(LaneFamilyPlan, ASweepOfSeveralHorizonsSharesEachSeedsDraws) {
  std::vector<RunSpec> specs;  // T-major, as a sweep orders them
  for (std::int64_t T : {1, 4, 16, 64})
    for (std::uint64_t s = 0; s < 64; ++s) specs.push_back({T, s});
  const FamilyPlan plan = plan_lane_families(specs, 8, true, 8);
  expect_valid(plan, specs, 8, 8);
  ASSERT_EQ(plan.size(), 8u);  // 64 seeds, 8 lanes: 8 families of the 4 horizons
  for (const auto& family : plan) EXPECT_EQ(family.size(), 4u);
  const FamilyPlan capped = plan_lane_families(specs, 8, true, 3);
  expect_valid(capped, specs, 8, 3);
  EXPECT_EQ(capped.size(), 16u);          // each cut into 3 + 1 groups
  EXPECT_EQ(capped.front().size(), 3u);  // longest first
  EXPECT_EQ(capped.back().size(), 1u);
}

TEST(LaneFamilyPlan, RaggedBatchesAndRepeatedSeeds) {
  std::mt19937_64 rng(11);
  for (int trial = 0; trial < 50; ++trial) {
    std::vector<RunSpec> specs;
    const int n = 1 + static_cast<int>(rng() % 150);
    for (int r = 0; r < n; ++r) specs.push_back({1 + static_cast<std::int64_t>(rng() % 9), rng() % 23});
    for (int lanes : {1, 3, 8})
      for (int max_groups : {1, 2, 8}) {
        expect_valid(plan_lane_families(specs, lanes, true, max_groups), specs, lanes, max_groups);
        expect_valid(plan_lane_families(specs, lanes, false, max_groups), specs, lanes, 1);
      }
  }
}

TEST(LaneFamilyPlan, WithoutSharingGroupsAreConsecutiveRuns) {
  std::vector<RunSpec> specs;
  for (std::uint64_t s = 0; s < 19; ++s) specs.push_back({2, s % 4});
  const FamilyPlan plan = plan_lane_families(specs, 8, false, 8);
  ASSERT_EQ(plan.size(), 3u);
  std::size_t next = 0;
  for (const auto& family : plan) {
    ASSERT_EQ(family.size(), 1u);
    for (std::size_t r : family.front()) EXPECT_EQ(r, next++);
  }
}

}  // namespace
}  // namespace horizon
