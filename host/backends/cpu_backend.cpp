// The CPU reference backend: one trajectory per run, runs in parallel with
// OpenMP. Each run writes only its own slot, so results do not depend on the
// thread count or schedule.
#include <algorithm>
#include <string>

#include "backends/lane_families.hpp"
#include "horizon/backend.hpp"
#include "horizon/metrics.hpp"
#include "lanes/lanes.hpp"
#include "reference/reference.hpp"

namespace horizon {

namespace {

// Bytes of one lane group's state that every step touches (H_w, θ, S, G, HS
// and the like; a logistic model's per-example sums), roughly.
std::size_t lane_group_bytes(const Problem& p, const AlgorithmConfig& cfg) {
  const std::size_t d = problem_d(p), K = problem_K(p), lane = sizeof(double) * reference::lanes;
  std::size_t values = 4 * d * K + 2 * d + 2 * K;
  if (const auto* q = std::get_if<QuadraticProblem>(&p)) values += q->diagonal ? d : d * d;
  if (const auto* l = std::get_if<LogisticProblem>(&p))
    for (const Dataset& domain : l->domains)
      values += (K + 2) * static_cast<std::size_t>(cfg.noise_kind == NoiseKind::minibatch ? cfg.batch : domain.n);
  return values * lane;
}

class CpuBackend final : public Backend {
 public:
  explicit CpuBackend(int threads) : threads_(resolve_threads(threads)) {}
  std::string name() const override { return "cpu"; }
  std::string description() const override {
    return "CPU reference, " + std::to_string(threads_) + " thread" + (threads_ == 1 ? "" : "s");
  }

  // Whole T-blocks of a sweep of moderate seed counts in one batch (its
  // order is T-major), so runs of one seed with different T meet in a lane
  // family; at least 8 groups per thread.
  std::size_t preferred_batch() const override {
    return reference::lanes * std::max<std::size_t>(32, 8 * static_cast<std::size_t>(threads_));
  }

  std::vector<RunResult> run(const Problem& p, const AlgorithmConfig& cfg, const std::vector<RunSpec>& specs,
                             const std::vector<std::int64_t>& budgets) override {
    check_compatible(p, cfg);
    // Work units: lane families (lane_families.hpp) of groups of up to
    // `lanes` runs in lockstep (vectorised) for problems of moderate d and K;
    // single runs on the plain reference otherwise. A family is cut so there
    // are two units per thread where the batch allows and its groups' state
    // fits in 512 KB (L2 on the x86 servers we run on).
    const auto* quadratic = std::get_if<QuadraticProblem>(&p);
    const auto* logistic = std::get_if<LogisticProblem>(&p);
    const bool use_lanes = problem_d(p) <= reference::lanes_max_d && problem_K(p) <= 64;
    const std::size_t group_count = (specs.size() + reference::lanes - 1) / reference::lanes;
    const std::size_t for_threads = std::max<std::size_t>(1, group_count / (2 * static_cast<std::size_t>(threads_)));
    const std::size_t for_cache = std::max<std::size_t>(1, (std::size_t{512} << 10) / lane_group_bytes(p, cfg));
    const FamilyPlan plan = plan_lane_families(specs, use_lanes ? reference::lanes : 1,
                                               use_lanes && cfg.stochastic(),  // draws to share
                                               static_cast<int>(std::min({for_threads, for_cache, std::size_t{reference::max_family_groups}})));
    std::vector<RunResult> results(specs.size());
    const Evaluator eval(p);
    const long count = static_cast<long>(plan.size());
#pragma omp parallel for schedule(dynamic) num_threads(threads_)
    for (long f = 0; f < count; ++f) {
      const std::vector<std::vector<std::size_t>>& family = plan[f];
      if (use_lanes) {
        reference::LaneFamily groups(family.size());
        for (std::size_t g = 0; g < family.size(); ++g)
          for (std::size_t r : family[g]) groups[g].push_back(specs[r]);
        reference::LaneFamilyResults out = quadratic ? reference::run_quadratic_lane_family(*quadratic, cfg, groups, budgets)
                                                     : reference::run_logistic_lane_family(*logistic, cfg, groups, budgets);
        for (std::size_t g = 0; g < family.size(); ++g)
          for (std::size_t i = 0; i < family[g].size(); ++i) results[family[g][i]] = std::move(out[g][i]);
      } else {
        results[family.front().front()] = reference::run(p, cfg, specs[family.front().front()], budgets);
      }
      for (const std::vector<std::size_t>& group : family)
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
