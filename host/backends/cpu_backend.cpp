// The CPU reference backend: one trajectory per run, runs in parallel with
// OpenMP. Each run writes only its own slot, so results do not depend on the
// thread count or schedule.
#include <string>

#include "horizon/backend.hpp"
#include "horizon/metrics.hpp"
#include "lanes/lanes.hpp"
#include "reference/reference.hpp"

namespace horizon {

namespace {

class CpuBackend final : public Backend {
 public:
  explicit CpuBackend(int threads) : threads_(resolve_threads(threads)) {}
  std::string name() const override { return "cpu"; }
  std::string description() const override {
    return "CPU reference, " + std::to_string(threads_) + " thread" + (threads_ == 1 ? "" : "s");
  }

  std::size_t preferred_batch() const override { return 8 * reference::lanes * static_cast<std::size_t>(threads_); }

  std::vector<RunResult> run(const Problem& p, const AlgorithmConfig& cfg, const std::vector<RunSpec>& specs,
                             const std::vector<std::int64_t>& budgets) override {
    check_compatible(p, cfg);
    // Work units: groups of up to `lanes` runs in lockstep (vectorised) for
    // problems of moderate d and K; single runs on the plain reference otherwise.
    const auto* quadratic = std::get_if<QuadraticProblem>(&p);
    const auto* logistic = std::get_if<LogisticProblem>(&p);
    const bool use_lanes = problem_d(p) <= reference::lanes_max_d && problem_K(p) <= 64;
    const std::size_t width = use_lanes ? reference::lanes : 1;
    std::vector<std::vector<std::size_t>> groups;
    for (std::size_t r = 0; r < specs.size(); ++r) {
      if (r % width == 0) groups.emplace_back();
      groups.back().push_back(r);
    }
    std::vector<RunResult> results(specs.size());
    const Evaluator eval(p);
    const long count = static_cast<long>(groups.size());
#pragma omp parallel for schedule(dynamic) num_threads(threads_)
    for (long g = 0; g < count; ++g) {
      const std::vector<std::size_t>& group = groups[g];
      if (use_lanes) {
        std::vector<RunSpec> lane_specs;
        for (std::size_t r : group) lane_specs.push_back(specs[r]);
        std::vector<RunResult> out = quadratic ? reference::run_quadratic_lanes(*quadratic, cfg, lane_specs, budgets)
                                               : reference::run_logistic_lanes(*logistic, cfg, lane_specs, budgets);
        for (std::size_t i = 0; i < group.size(); ++i) results[group[i]] = std::move(out[i]);
      } else {
        results[group.front()] = reference::run(p, cfg, specs[group.front()], budgets);
      }
      for (std::size_t r : group)
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
