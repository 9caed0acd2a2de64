// Backend-neutral helpers of backend.hpp shared by the CPU and CUDA backends:
// the thread count, the problem/config compatibility check, and scoring.
#include <sched.h>

#include <algorithm>
#include <cstdlib>
#include <string>
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

// The CPUs this process may run on (Slurm's --cpus-per-task, taskset, an
// MPI rank's binding); 0 when the kernel does not say.
int affinity_cpus() {
  cpu_set_t set;
  CPU_ZERO(&set);
  if (::sched_getaffinity(0, sizeof set, &set) != 0) return 0;
  return CPU_COUNT(&set);
}

}  // namespace

int max_threads() { return std::max(4 * hardware_threads(), 64); }

int default_threads() {
  // OMP_NUM_THREADS may be a list ("4,2": nested levels); the first counts.
  if (const char* env = std::getenv("OMP_NUM_THREADS"); env && *env) {
    const std::string text(env);
    const std::string first = text.substr(0, text.find(','));
    std::size_t used = 0;
    long v = 0;
    try {
      v = std::stol(first, &used);
    } catch (const std::exception&) {
      used = 0;
    }
    if (used != first.size() || v < 1)
      throw InputError("OMP_NUM_THREADS", "not a positive integer (got '" + text + "'); unset it or give a count");
    return static_cast<int>(std::min<long>(v, max_threads()));
  }
  const int cpus = affinity_cpus();
  return cpus > 0 ? cpus : hardware_threads();
}

int resolve_threads(int requested) { return requested > 0 ? std::min(requested, max_threads()) : default_threads(); }

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
