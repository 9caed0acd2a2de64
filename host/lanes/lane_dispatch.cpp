// run_quadratic_lanes / run_logistic_lanes: the instruction-set level of
// lane_isa() (or the one asked for, capped at what the CPU has).
#include "lanes/lane_entry.hpp"
#include "lanes/lanes.hpp"

namespace horizon {
namespace reference {

namespace {
LaneIsa capped(LaneIsa isa) { return isa > lane_isa_supported() ? lane_isa_supported() : isa; }
}  // namespace

std::vector<RunResult> run_quadratic_lanes(const QuadraticProblem& p, const AlgorithmConfig& cfg,
                                           const std::vector<RunSpec>& specs, const std::vector<std::int64_t>& budgets,
                                           LaneIsa isa) {
  switch (capped(isa)) {
    case LaneIsa::avx512: return run_quadratic_lanes_avx512(p, cfg, specs, budgets);
    case LaneIsa::avx2: return run_quadratic_lanes_avx2(p, cfg, specs, budgets);
    default: return run_quadratic_lanes_baseline(p, cfg, specs, budgets);
  }
}

std::vector<RunResult> run_logistic_lanes(const LogisticProblem& p, const AlgorithmConfig& cfg,
                                          const std::vector<RunSpec>& specs, const std::vector<std::int64_t>& budgets,
                                          LaneIsa isa) {
  switch (capped(isa)) {
    case LaneIsa::avx512: return run_logistic_lanes_avx512(p, cfg, specs, budgets);
    case LaneIsa::avx2: return run_logistic_lanes_avx2(p, cfg, specs, budgets);
    default: return run_logistic_lanes_baseline(p, cfg, specs, budgets);
  }
}

std::vector<RunResult> run_quadratic_lanes(const QuadraticProblem& p, const AlgorithmConfig& cfg,
                                           const std::vector<RunSpec>& specs, const std::vector<std::int64_t>& budgets) {
  return run_quadratic_lanes(p, cfg, specs, budgets, lane_isa());
}

std::vector<RunResult> run_logistic_lanes(const LogisticProblem& p, const AlgorithmConfig& cfg,
                                          const std::vector<RunSpec>& specs, const std::vector<std::int64_t>& budgets) {
  return run_logistic_lanes(p, cfg, specs, budgets, lane_isa());
}

}  // namespace reference
}  // namespace horizon
