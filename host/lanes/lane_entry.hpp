// The lane paths compiled for one instruction set each (lanes_avx512.cpp,
// lanes_avx2.cpp, lanes_baseline.cpp); lane_dispatch.cpp picks one.
#pragma once

#include "lanes/lanes.hpp"

#define HORIZON_LANE_ENTRY(isa)                                                                              \
  LaneFamilyResults run_quadratic_lane_family_##isa(const QuadraticProblem& p, const AlgorithmConfig& cfg,   \
                                                    const LaneFamily& groups,                                \
                                                    const std::vector<std::int64_t>& budgets);               \
  LaneFamilyResults run_logistic_lane_family_##isa(const LogisticProblem& p, const AlgorithmConfig& cfg,     \
                                                   const LaneFamily& groups,                                 \
                                                   const std::vector<std::int64_t>& budgets);

namespace horizon {
namespace reference {
HORIZON_LANE_ENTRY(avx512)
HORIZON_LANE_ENTRY(avx2)
HORIZON_LANE_ENTRY(baseline)
}  // namespace reference
}  // namespace horizon

#undef HORIZON_LANE_ENTRY

// The definitions in each ISA's file: the model bodies with `flatten`, so the
// whole trajectory is inlined and compiled for the target given.
#define HORIZON_LANE_DEFINE(isa, attributes)                                                                 \
  attributes LaneFamilyResults run_quadratic_lane_family_##isa(                                              \
      const QuadraticProblem& p, const AlgorithmConfig& cfg, const LaneFamily& groups,                      \
      const std::vector<std::int64_t>& budgets) {                                                            \
    return quadratic_lanes_body(p, cfg, groups, budgets);                                                    \
  }                                                                                                          \
  attributes LaneFamilyResults run_logistic_lane_family_##isa(                                               \
      const LogisticProblem& p, const AlgorithmConfig& cfg, const LaneFamily& groups,                       \
      const std::vector<std::int64_t>& budgets) {                                                            \
    return logistic_lanes_body(p, cfg, groups, budgets);                                                     \
  }
