// horizon/run_clock.hpp — what the horizon T means on the budget axis
// (docs/algorithm.md §2), for every engine: the CPU reference, the lanes and
// the CUDA kernels.
//
// A run with horizon T and largest budget N_max takes global steps
// n = 0 … N_max − 1. Step n lies in round k = ⌊n/T⌋ at position t = n mod T.
// There are R = ⌊N_max/T⌋ whole rounds; step n is "in a round" (S advances
// too) while k < R, begins round k when t = 0, and ends it when t = T − 1 —
// then h = Sᵀ∇f_v and the weight update follow. The steps past the last whole
// round are the leftover steps: θ only, at the final w, with η(t, n), t
// counting on from 0. No schedule depends on N, so the checkpoint at budget
// N is θ after step N − 1 (and the w of that moment): a run stopped at N
// takes exactly those steps as its leftover ones.
//
// Two forms that must agree (tests/run_clock_test.cpp): StepPosition, a
// function of (T, N_max, n), and RunClock, which advances one step at a time
// and also walks the ascending checkpoint list.
#pragma once

#include <cstdint>

#include "horizon/hd.hpp"

namespace horizon {

// R = ⌊N/T⌋ weight updates in a run of budget N.
HORIZON_HD inline std::int64_t rounds_in(std::int64_t N, std::int64_t T) { return N / T; }

// Where step n of a run stands (the stateless form).
struct StepPosition {
  std::int64_t T, rounds, k, t;
  HORIZON_HD StepPosition(std::int64_t horizon, std::int64_t n_max, std::int64_t n)
      : T(horizon), rounds(rounds_in(n_max, horizon)), k(n / horizon), t(n % horizon) {}
  HORIZON_HD bool begins_round() const { return t == 0 && k < rounds; }
  HORIZON_HD bool in_round() const { return k < rounds; }
  HORIZON_HD bool round_ends() const { return k < rounds && t == T - 1; }
};

// The same position, advanced once per global step (no divisions).
struct RunClock {
  std::int64_t T = 1;       // horizon
  std::int64_t rounds = 0;  // R = ⌊N_max / T⌋
  std::int64_t n = 0;       // global step
  std::int64_t t = 0;       // step within the round (counts on after the last round)
  std::int64_t k = 0;       // round (k = R after the last round)
  int next = 0;             // first checkpoint not yet emitted

  HORIZON_HD void start(std::int64_t horizon, std::int64_t n_max) {
    T = horizon;
    rounds = rounds_in(n_max, horizon);
    n = t = k = 0;
    next = 0;
  }
  HORIZON_HD bool begins_round() const { return t == 0 && k < rounds; }
  HORIZON_HD bool in_round() const { return k < rounds; }
  HORIZON_HD bool round_ends() const { return k < rounds && t == T - 1; }
  // Moves `next` past the checkpoints due before step n (budget N = n) and
  // returns how many there were; they are emitted from index next − count.
  HORIZON_HD int take_checkpoints(const std::int64_t* budgets, int count) {
    const int first = next;
    while (next < count && budgets[next] == n) ++next;
    return next - first;
  }
  HORIZON_HD void advance() {
    ++n;
    if (++t == T) {
      t = 0;
      ++k;
    }
  }
};

// Number of budgets ≤ n (budgets ascending): the index of the first
// checkpoint still pending after the emissions before step n + 1.
HORIZON_HD inline int budgets_at_most(const std::int64_t* budgets, int count, std::int64_t n) {
  int lo = 0, hi = count;
  while (lo < hi) {
    const int mid = (lo + hi) / 2;
    if (budgets[mid] <= n)
      lo = mid + 1;
    else
      hi = mid;
  }
  return lo;
}

}  // namespace horizon
