// Picks the CPU reference model for a problem (quadratic_models.hpp).
#include "reference/reference.hpp"

namespace horizon {
namespace reference {

RunResult run_quadratic(const QuadraticProblem& p, const AlgorithmConfig& cfg, RunSpec spec,
                        const std::vector<std::int64_t>& budgets) {
  return p.diagonal ? run_quadratic_diagonal(p, cfg, spec, budgets) : run_quadratic_dense(p, cfg, spec, budgets);
}

RunResult run(const Problem& p, const AlgorithmConfig& cfg, RunSpec spec, const std::vector<std::int64_t>& budgets) {
  if (const auto* q = std::get_if<QuadraticProblem>(&p)) return run_quadratic(*q, cfg, spec, budgets);
  return run_logistic(std::get<LogisticProblem>(p), cfg, spec, budgets);
}

RoundProbe probe_round(const Problem& p, const AlgorithmConfig& cfg, RunSpec spec, const std::vector<double>& theta,
                       const std::vector<double>& w, std::int64_t n0) {
  if (const auto* q = std::get_if<QuadraticProblem>(&p))
    return q->diagonal ? probe_diagonal_round(*q, cfg, spec, theta, w, n0) : probe_dense_round(*q, cfg, spec, theta, w, n0);
  return probe_logistic_round(std::get<LogisticProblem>(p), cfg, spec, theta, w, n0);
}

}  // namespace reference
}  // namespace horizon
