// horizon/run_clock.hpp: the incremental RunClock (the fused kernels') and
// the stateless StepPosition with budgets_at_most (the GEMM path's) must
// place every step of a run identically — round, position, round start and
// end, in a round or leftover — and emit the same checkpoints before the
// same steps. The KernelReplay suites check the RunClock form against the
// reference on whole trajectories; this closes the loop for the other form.
#include <gtest/gtest.h>

#include <cstdint>
#include <vector>

#include "horizon/run_clock.hpp"

namespace horizon {
namespace {

const std::vector<std::vector<std::int64_t>>& budget_lists() {
  static const std::vector<std::vector<std::int64_t>> lists = {
      {1, 6, 17, 40, 53}, {3, 3, 8, 9, 9, 200}, {10}, {7, 14, 21}, {1}, {1, 1, 2}};
  return lists;
}

TEST(RunClock, AgreesWithStepPositionAndBudgetsAtMost) {
  long steps = 0;
  for (const std::vector<std::int64_t>& budgets : budget_lists())
    for (std::int64_t T : {1, 2, 3, 7, 10, 53, 54, 1000}) {
      const int C = static_cast<int>(budgets.size());
      const std::int64_t n_max = budgets.back();
      RunClock clk;
      clk.start(T, n_max);
      EXPECT_EQ(clk.rounds, rounds_in(n_max, T));
      for (std::int64_t n = 0; n <= n_max; ++n, ++steps) {
        const StepPosition pos(T, n_max, n);
        ASSERT_EQ(clk.n, n);
        ASSERT_EQ(clk.k, pos.k) << "T " << T << ", n " << n;
        ASSERT_EQ(clk.t, pos.t) << "T " << T << ", n " << n;
        ASSERT_EQ(clk.begins_round(), pos.begins_round()) << "T " << T << ", n " << n;
        ASSERT_EQ(clk.in_round(), pos.in_round()) << "T " << T << ", n " << n;
        ASSERT_EQ(clk.round_ends(), pos.round_ends()) << "T " << T << ", n " << n;
        // Checkpoints due before step n: budgets equal to n, emitted from
        // next − count; the stateless form counts the budgets ≤ n − 1 and ≤ n.
        const int first = clk.next;
        const int count = clk.take_checkpoints(budgets.data(), C);
        ASSERT_EQ(first, budgets_at_most(budgets.data(), C, n - 1)) << "T " << T << ", n " << n;
        ASSERT_EQ(clk.next, budgets_at_most(budgets.data(), C, n)) << "T " << T << ", n " << n;
        ASSERT_EQ(count, clk.next - first);
        for (int c = first; c < clk.next; ++c) ASSERT_EQ(budgets[c], n);
        clk.advance();
      }
      EXPECT_EQ(clk.next, C) << "every checkpoint emitted, T " << T;
    }
  EXPECT_GT(steps, 1000);
}

// The meaning of T on the budget axis, by hand: N = 10, T = 3 gives rounds
// 0, 1, 2 on steps 0–8, round ends at 2, 5, 8, and the leftover step 9.
TEST(RunClock, RoundsAndLeftoverStepsByHand) {
  RunClock clk;
  clk.start(3, 10);
  EXPECT_EQ(clk.rounds, 3);
  std::vector<std::int64_t> begins, ends, leftover;
  for (; clk.n < 10; clk.advance()) {
    if (clk.begins_round()) begins.push_back(clk.n);
    if (clk.round_ends()) ends.push_back(clk.n);
    if (!clk.in_round()) leftover.push_back(clk.n);
  }
  EXPECT_EQ(begins, (std::vector<std::int64_t>{0, 3, 6}));
  EXPECT_EQ(ends, (std::vector<std::int64_t>{2, 5, 8}));
  EXPECT_EQ(leftover, (std::vector<std::int64_t>{9}));
  EXPECT_EQ(clk.k, 3);
  EXPECT_EQ(clk.t, 1);  // the leftover steps count t on from 0
  // T beyond the budget: no round at all, every step a leftover one.
  clk.start(54, 53);
  EXPECT_EQ(clk.rounds, 0);
  EXPECT_FALSE(clk.begins_round());
  EXPECT_FALSE(clk.in_round());
}

}  // namespace
}  // namespace horizon
