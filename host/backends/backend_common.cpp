// Backend-neutral helpers of backend.hpp shared by the CPU and CUDA backends:
// the thread count, the problem/config compatibility check, and scoring.
#include <algorithm>
#include <thread>

#include "horizon/backend.hpp"
#include "horizon/error.hpp"
#include "horizon/metrics.hpp"

namespace horizon {

namespace {

int hardware_threads() {
  const unsigned hw = std::thread::hardware_concurrency();
  return hw > 0 ? static_cast<int>(std::min(hw, 1u << 20)) : 1;
}

}  // namespace

int max_threads() { return std::max(4 * hardware_threads(), 64); }

int resolve_threads(int requested) { return requested > 0 ? std::min(requested, max_threads()) : hardware_threads(); }

void check_compatible(const Problem& p, const AlgorithmConfig& cfg) {
  if (cfg.noise_kind == NoiseKind::minibatch && std::holds_alternative<QuadraticProblem>(p))
    throw InputError("--noise-kind", "minibatch needs a data-backed (logistic) problem; quadratic problems take gaussian noise");
}

void score_results(const Problem& p, std::vector<RunResult>& results, int threads) {
  const Evaluator eval(p);
  const long count = static_cast<long>(results.size());
#pragma omp parallel for schedule(dynamic) num_threads(resolve_threads(threads))
  for (long r = 0; r < count; ++r)
    for (Checkpoint& c : results[r].checkpoints) eval.score(c);
}

}  // namespace horizon
