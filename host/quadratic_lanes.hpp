// The fast CPU path for quadratic problems: up to `lanes` runs with the same
// horizon T advance in lockstep, each array indexed [..][lane] so every loop
// over lanes vectorises (SSE2, or AVX2 / AVX-512 where the CPU has them,
// picked at run time). Every lane performs exactly the operations of the
// plain reference (trajectory.hpp) in the same order, with no FMA
// contraction, so its results equal the reference bit for bit — which
// tests/lanes_test.cpp checks.
#pragma once

#include <cstdint>
#include <vector>

#include "horizon/config.hpp"
#include "horizon/problem.hpp"
#include "horizon/result.hpp"

namespace horizon {
namespace reference {

constexpr int lanes = 8;

// Lanes hold H_w per run (d² doubles each): used up to this dimension.
constexpr int lanes_max_d = 128;

// Runs (T, seeds[r]) for r < seeds.size() ≤ lanes to every budget.
std::vector<RunResult> run_quadratic_lanes(const QuadraticProblem& p, const AlgorithmConfig& cfg, std::int64_t T,
                                           const std::vector<std::uint64_t>& seeds,
                                           const std::vector<std::int64_t>& budgets);

}  // namespace reference
}  // namespace horizon
