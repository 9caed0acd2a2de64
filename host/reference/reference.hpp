// CPU reference runs: quadratic problems (dense and diagonal A_j) and
// logistic ones. Each returns θ and w at every budget in `budgets`
// (ascending); metrics are filled in later by the Evaluator.
#pragma once

#include <cstdint>
#include <vector>

#include "horizon/config.hpp"
#include "horizon/problem.hpp"
#include "horizon/result.hpp"

namespace horizon {
namespace reference {

RunResult run_quadratic_dense(const QuadraticProblem& p, const AlgorithmConfig& cfg, RunSpec spec,
                              const std::vector<std::int64_t>& budgets);
RunResult run_quadratic_diagonal(const QuadraticProblem& p, const AlgorithmConfig& cfg,
                                 RunSpec spec, const std::vector<std::int64_t>& budgets);

// One round's inner loop (no weight update) from θ, w at global step n0, for
// tests of the sensitivity: θ_T, S and h = Sᵀ ∇f_v(θ_T).
struct RoundProbe {
  std::vector<double> theta;  // after the round's T steps
  std::vector<double> S;      // d×K row-major, ∂θ/∂w over the round
  std::vector<double> h;      // Sᵀ ∇f_v(θ)
};
RoundProbe probe_round(const Problem& p, const AlgorithmConfig& cfg, RunSpec spec, const std::vector<double>& theta,
                       const std::vector<double>& w, std::int64_t n0);
RoundProbe probe_dense_round(const QuadraticProblem& p, const AlgorithmConfig& cfg, RunSpec spec,
                             const std::vector<double>& theta, const std::vector<double>& w, std::int64_t n0);
RoundProbe probe_diagonal_round(const QuadraticProblem& p, const AlgorithmConfig& cfg, RunSpec spec,
                                const std::vector<double>& theta, const std::vector<double>& w, std::int64_t n0);
RoundProbe probe_logistic_round(const LogisticProblem& p, const AlgorithmConfig& cfg, RunSpec spec,
                                const std::vector<double>& theta, const std::vector<double>& w, std::int64_t n0);

RunResult run_logistic(const LogisticProblem& p, const AlgorithmConfig& cfg, RunSpec spec,
                       const std::vector<std::int64_t>& budgets);

// Dispatches on the kind (and, for quadratics, on p.diagonal).
RunResult run(const Problem& p, const AlgorithmConfig& cfg, RunSpec spec, const std::vector<std::int64_t>& budgets);
RunResult run_quadratic(const QuadraticProblem& p, const AlgorithmConfig& cfg, RunSpec spec,
                        const std::vector<std::int64_t>& budgets);

}  // namespace reference
}  // namespace horizon
