// The fast CPU paths: up to `lanes` runs (any horizons T, any seeds) advance
// step by step in lockstep, each value held as a vector of lanes so every
// operation vectorises (SSE2, or AVX2 / AVX-512 where the CPU has them,
// picked at run time: lane_isa.hpp). lane_trajectory.hpp has the algorithm;
// quadratic_lane_model.hpp and logistic_lane_model.hpp the models. Every lane performs
// exactly the operations of the plain reference (trajectory.hpp) in the same
// order, with no FMA contraction, so its results equal the reference bit for
// bit — which tests/lanes_test.cpp checks.
#pragma once

#include <cstdint>
#include <vector>

#include "horizon/config.hpp"
#include "horizon/problem.hpp"
#include "horizon/result.hpp"
#include "lanes/lane_isa.hpp"

namespace horizon {
namespace reference {

constexpr int lanes = 8;

// Lanes hold H_w per run (d² doubles each for dense quadratics) and a
// minibatch of rows per run: used up to this dimension.
constexpr int lanes_max_d = 128;

// The most groups in one lane family.
constexpr int max_family_groups = 8;

// A lane family: 1 … max_family_groups groups of 1 … lanes runs, all of one
// size, run r of every group with the same seed (any T). Its Gaussian noise
// and minibatch rows are drawn once per step for all the groups
// (lane_family.hpp).
using LaneFamily = std::vector<std::vector<RunSpec>>;
using LaneFamilyResults = std::vector<std::vector<RunResult>>;  // per group, per run

// Runs a family to every budget (ascending), with the instruction-set level
// lane_isa() (lane_isa.hpp) or the one given (capped at what the CPU has).
// Throws std::logic_error where the groups do not form a family.
LaneFamilyResults run_quadratic_lane_family(const QuadraticProblem& p, const AlgorithmConfig& cfg,
                                            const LaneFamily& groups, const std::vector<std::int64_t>& budgets,
                                            LaneIsa isa = lane_isa());
LaneFamilyResults run_logistic_lane_family(const LogisticProblem& p, const AlgorithmConfig& cfg,
                                           const LaneFamily& groups, const std::vector<std::int64_t>& budgets,
                                           LaneIsa isa = lane_isa());

// One group alone (1 … lanes runs, any T and seeds): a family of one.
std::vector<RunResult> run_quadratic_lanes(const QuadraticProblem& p, const AlgorithmConfig& cfg,
                                           const std::vector<RunSpec>& specs, const std::vector<std::int64_t>& budgets,
                                           LaneIsa isa = lane_isa());
std::vector<RunResult> run_logistic_lanes(const LogisticProblem& p, const AlgorithmConfig& cfg,
                                          const std::vector<RunSpec>& specs, const std::vector<std::int64_t>& budgets,
                                          LaneIsa isa = lane_isa());

}  // namespace reference
}  // namespace horizon
