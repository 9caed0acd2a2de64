// Shared by the KernelReplay suites (tests/kernel_replay_*_test.cpp): the
// kernels' raw output as the host sees it, the run and config cases every
// suite covers, and the comparison with the CPU reference. Needs no CUDA.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "horizon/config.hpp"
#include "horizon/problem.hpp"
#include "horizon/result.hpp"

namespace horizon {
namespace test {

// θ and w at every (run, checkpoint) of a replayed batch, in the layout of
// cuda::BatchOutput (kernels/quadratic_kernels.hpp): run-major, then
// checkpoint; reached = 0 where the run had stopped on a divergence.
struct ReplayOutput {
  int runs = 0, checkpoints = 0, d = 0, K = 0;
  std::vector<double> theta;  // runs × checkpoints × d
  std::vector<double> w;      // runs × checkpoints × K
  std::vector<int> reached;   // runs × checkpoints
};

// `runs` specs with horizons T = 1, 2, …, 9, 1, 2, … (T ∤ N for most
// budgets) and seeds seed0, seed0 + 1, ….
std::vector<RunSpec> replay_specs(int runs, std::uint64_t seed0 = 11);

// Budgets with T ∤ N, repeats, and N = 1.
const std::vector<std::int64_t>& replay_budgets();

struct ReplayConfig {
  std::string name;
  AlgorithmConfig cfg;
};
// Both weight updates × (constant; inverse_time inner with restart + inv_sqrt
// outer; inverse_time without restart) × noise σ ∈ {0, 0.1}: 12 configs,
// η = 0.3, α = 0.5.
std::vector<ReplayConfig> replay_configs();

// "" when `out` equals the CPU reference (reference::run_quadratic, run by
// run) at every checkpoint: the same reached/diverged pattern, and θ, w
// equal bitwise when tol = 0 (NaN equals NaN), else within
// |x − ref| ≤ tol·(1 + |ref|). Otherwise the first mismatch, the count and
// the worst relative error. Equal infinities are equal (a diverging run
// before its round-end test). `reached`, when given, counts the checkpoints
// the reference reached.
std::string compare_with_reference(const QuadraticProblem& p, const AlgorithmConfig& cfg,
                                   const std::vector<RunSpec>& specs, const std::vector<std::int64_t>& budgets,
                                   const ReplayOutput& out, double tol, long* reached = nullptr);

}  // namespace test
}  // namespace horizon
