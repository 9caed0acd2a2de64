// TrajectoryOrder: shards are contiguous blocks that tile the sweep's order,
// their sizes differ by at most one, and PendingTrajectories yields exactly
// a block's trajectories (one run per T with shared seeds).
#include <gtest/gtest.h>

#include <set>

#include "horizon/error.hpp"
#include "horizon/experiment.hpp"
#include "sweep/trajectory_order.hpp"

namespace horizon {
namespace {

SweepPlan plan_of(std::vector<std::int64_t> T, std::int64_t seeds, int index, int count) {
  SweepPlan p;
  p.T = std::move(T);
  p.N = {10};
  p.seeds = seeds;
  p.seed0 = 5;
  p.shard = {index, count};
  return p;
}

TEST(TrajectoryOrder, ShardsTileTheOrderInBalancedBlocks) {
  for (std::int64_t seeds : {1, 3, 7, 1000}) {
    for (int count : {1, 2, 3, 5, 8, 40}) {
      std::int64_t next = 0, smallest = INT64_MAX, largest = 0;
      for (int i = 0; i < count; ++i) {
        const TrajectoryOrder o = TrajectoryOrder::of(plan_of({1, 2, 4, 8, 16}, seeds, i, count));
        EXPECT_EQ(o.first, next);
        smallest = std::min(smallest, o.size());
        largest = std::max(largest, o.size());
        next = o.end;
      }
      EXPECT_EQ(next, 5 * seeds) << seeds << " seeds, " << count << " shards";
      EXPECT_LE(largest - smallest, 1);
    }
  }
}

TEST(TrajectoryOrder, PendingYieldsTheBlockInOrder) {
  const TrajectoryOrder o = TrajectoryOrder::of(plan_of({1, 2, 4}, 4, 1, 3));  // 12 trajectories: [4, 8)
  ASSERT_EQ(o.first, 4);
  ASSERT_EQ(o.end, 8);
  PendingTrajectories pending(o, o.first + 1, /*shared=*/false);  // the first one kept
  EXPECT_EQ(pending.runs_left(), 3);
  std::vector<RunSpec> specs, all;
  while (pending.next(2, &specs)) all.insert(all.end(), specs.begin(), specs.end());
  ASSERT_EQ(all.size(), 3u);
  EXPECT_EQ(all[0].T, 2);
  EXPECT_EQ(all[0].seed, 6u);
  EXPECT_EQ(all[2].T, 2);
  EXPECT_EQ(all[2].seed, 8u);
  // Shared seeds: one run per T that the block touches.
  const TrajectoryOrder straddle = TrajectoryOrder::of(plan_of({1, 2, 4}, 4, 1, 2));  // [6, 12): T = 2 and 4
  PendingTrajectories shared(straddle, straddle.first, /*shared=*/true);
  EXPECT_EQ(shared.runs_left(), 2);
  ASSERT_TRUE(shared.next(10, &specs));
  ASSERT_EQ(specs.size(), 2u);
  EXPECT_EQ(specs[0].T, 2);
  EXPECT_EQ(specs[1].T, 4);
  EXPECT_FALSE(shared.next(10, &specs));
}

TEST(TrajectoryOrder, ParseShard) {
  int i = -1, n = -1;
  parse_shard("3/4", "--shard", &i, &n);
  EXPECT_EQ(i, 3);
  EXPECT_EQ(n, 4);
  for (const char* bad : {"4/4", "0/0", "1", "a/b", "/4", "1/", "-1/4", "1/4/2", "1 /4", "9999999999/2"})
    EXPECT_THROW(parse_shard(bad, "--shard", &i, &n), InputError) << bad;
}

}  // namespace
}  // namespace horizon
