// run_quadratic_lane_family / run_logistic_lane_family: the instruction-set
// level of lane_isa() (or the one asked for, capped at what the CPU has).
#include "lanes/lane_entry.hpp"
#include "lanes/lanes.hpp"

namespace horizon {
namespace reference {

namespace {
LaneIsa capped(LaneIsa isa) { return isa > lane_isa_supported() ? lane_isa_supported() : isa; }
}  // namespace

LaneFamilyResults run_quadratic_lane_family(const QuadraticProblem& p, const AlgorithmConfig& cfg,
                                            const LaneFamily& groups, const std::vector<std::int64_t>& budgets,
                                            LaneIsa isa) {
  switch (capped(isa)) {
    case LaneIsa::avx512: return run_quadratic_lane_family_avx512(p, cfg, groups, budgets);
    case LaneIsa::avx2: return run_quadratic_lane_family_avx2(p, cfg, groups, budgets);
    default: return run_quadratic_lane_family_baseline(p, cfg, groups, budgets);
  }
}

LaneFamilyResults run_logistic_lane_family(const LogisticProblem& p, const AlgorithmConfig& cfg,
                                           const LaneFamily& groups, const std::vector<std::int64_t>& budgets,
                                           LaneIsa isa) {
  switch (capped(isa)) {
    case LaneIsa::avx512: return run_logistic_lane_family_avx512(p, cfg, groups, budgets);
    case LaneIsa::avx2: return run_logistic_lane_family_avx2(p, cfg, groups, budgets);
    default: return run_logistic_lane_family_baseline(p, cfg, groups, budgets);
  }
}

std::vector<RunResult> run_quadratic_lanes(const QuadraticProblem& p, const AlgorithmConfig& cfg,
                                           const std::vector<RunSpec>& specs, const std::vector<std::int64_t>& budgets,
                                           LaneIsa isa) {
  return run_quadratic_lane_family(p, cfg, {specs}, budgets, isa).front();
}

std::vector<RunResult> run_logistic_lanes(const LogisticProblem& p, const AlgorithmConfig& cfg,
                                          const std::vector<RunSpec>& specs, const std::vector<std::int64_t>& budgets,
                                          LaneIsa isa) {
  return run_logistic_lane_family(p, cfg, {specs}, budgets, isa).front();
}

}  // namespace reference
}  // namespace horizon
