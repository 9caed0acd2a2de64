// The CPU reference backend: one trajectory per run, runs in parallel with
// OpenMP. Each run writes only its own slot, so results do not depend on the
// thread count or schedule.
#include <string>
#include <thread>

#include "horizon/backend.hpp"
#include "horizon/metrics.hpp"
#include "quadratic_models.hpp"

namespace horizon {

int resolve_threads(int requested) {
  if (requested > 0) return requested;
  const unsigned hw = std::thread::hardware_concurrency();
  return hw > 0 ? static_cast<int>(hw) : 1;
}

void score_results(const QuadraticProblem& p, std::vector<RunResult>& results, int threads) {
  const Evaluator eval(p);
  const long count = static_cast<long>(results.size());
#pragma omp parallel for schedule(dynamic) num_threads(resolve_threads(threads))
  for (long r = 0; r < count; ++r)
    for (Checkpoint& c : results[r].checkpoints) eval.score(c);
}

namespace {

class CpuBackend final : public Backend {
 public:
  explicit CpuBackend(int threads) : threads_(resolve_threads(threads)) {}
  std::string name() const override { return "cpu"; }
  std::string description() const override {
    return "CPU reference, " + std::to_string(threads_) + " thread" + (threads_ == 1 ? "" : "s");
  }

  std::size_t preferred_batch() const override { return 8 * static_cast<std::size_t>(threads_); }

  std::vector<RunResult> run(const QuadraticProblem& p, const AlgorithmConfig& cfg,
                             const std::vector<RunSpec>& specs,
                             const std::vector<std::int64_t>& budgets) override {
    std::vector<RunResult> results(specs.size());
    const Evaluator eval(p);
    const long count = static_cast<long>(specs.size());
#pragma omp parallel for schedule(dynamic) num_threads(threads_)
    for (long r = 0; r < count; ++r) {
      results[r] = reference::run_quadratic(p, cfg, specs[r], budgets);
      for (Checkpoint& c : results[r].checkpoints) eval.score(c);
    }
    return results;
  }

 private:
  int threads_;
};

}  // namespace

std::unique_ptr<Backend> make_cpu_backend(int threads) { return std::make_unique<CpuBackend>(threads); }

}  // namespace horizon
