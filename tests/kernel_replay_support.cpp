#include "kernel_replay_support.hpp"

#include <algorithm>
#include <cmath>
#include <sstream>

#include "reference/reference.hpp"

namespace horizon {
namespace test {

std::vector<RunSpec> replay_specs(int runs, std::uint64_t seed0) {
  std::vector<RunSpec> specs;
  for (int r = 0; r < runs; ++r) specs.push_back({1 + r % 9, seed0 + static_cast<std::uint64_t>(r)});
  return specs;
}

const std::vector<std::int64_t>& replay_budgets() {
  static const std::vector<std::int64_t> budgets = {1, 6, 6, 17, 40, 53};
  return budgets;
}

std::vector<ReplayConfig> replay_configs() {
  std::vector<ReplayConfig> out;
  for (UpdateKind update : {UpdateKind::exponentiated, UpdateKind::projected})
    for (int schedule = 0; schedule < 3; ++schedule)
      for (double sigma : {0.0, 0.1}) {
        AlgorithmConfig cfg;
        cfg.inner.eta0 = 0.3;
        cfg.outer.alpha0 = 0.5;
        cfg.update = update;
        cfg.noise_sigma = sigma;
        std::string name = to_string(update);
        if (schedule == 0) name += "_constant";
        if (schedule >= 1) {
          cfg.inner.kind = InnerScheduleKind::inverse_time;
          cfg.inner.gamma = 0.05;
          cfg.inner.restart = schedule == 1;
          name += schedule == 1 ? "_inverse_time_inv_sqrt" : "_inverse_time_no_restart";
          if (schedule == 1) cfg.outer.kind = OuterScheduleKind::inv_sqrt;
        }
        name += sigma == 0 ? "_exact" : "_noisy";
        out.push_back({name, cfg});
      }
  return out;
}

namespace {

bool same(double x, double ref, double tol) {
  if (std::isnan(x) || std::isnan(ref)) return std::isnan(x) && std::isnan(ref);
  if (x == ref) return true;  // also equal infinities (a diverging run before its round-end test)
  if (tol == 0) return false;
  return std::fabs(x - ref) <= tol * (1 + std::fabs(ref));
}

}  // namespace

std::string compare_with_reference(const QuadraticProblem& p, const AlgorithmConfig& cfg,
                                   const std::vector<RunSpec>& specs, const std::vector<std::int64_t>& budgets,
                                   const ReplayOutput& out, double tol, long* reached) {
  const int C = static_cast<int>(budgets.size()), d = p.d, K = p.K;
  if (out.runs != static_cast<int>(specs.size()) || out.checkpoints != C || out.d != d || out.K != K)
    return "output shape differs from the request";
  std::ostringstream first;
  long bad = 0;
  double worst = 0;
  if (reached) *reached = 0;
  auto report = [&](int r, int c, const std::string& what, double x, double ref) {
    if (bad++ == 0)
      first << "run " << r << " (T=" << specs[r].T << ", seed=" << specs[r].seed << ") N=" << budgets[c] << " " << what
            << ": replay " << x << " vs reference " << ref;
  };
  for (int r = 0; r < out.runs; ++r) {
    const RunResult ref = reference::run_quadratic(p, cfg, specs[r], budgets);
    for (int c = 0; c < C; ++c) {
      const Checkpoint& x = ref.checkpoints[c];
      const std::size_t slot = static_cast<std::size_t>(r) * C + c;
      if (static_cast<bool>(out.reached[slot]) == x.diverged) {
        report(r, c, "reached", out.reached[slot], !x.diverged);
        continue;
      }
      if (x.diverged) continue;
      if (reached) ++*reached;
      auto check = [&](const std::string& what, double v, double want) {
        if (!std::isnan(v) && !std::isnan(want)) worst = std::max(worst, std::fabs(v - want) / (1 + std::fabs(want)));
        if (!same(v, want, tol)) report(r, c, what, v, want);
      };
      for (int i = 0; i < d; ++i) check("theta[" + std::to_string(i) + "]", out.theta[slot * d + i], x.theta[i]);
      for (int j = 0; j < K; ++j) check("w[" + std::to_string(j) + "]", out.w[slot * K + j], x.w[j]);
    }
  }
  if (bad == 0) return "";
  std::ostringstream msg;
  msg.precision(17);
  msg << bad << " mismatches (tol " << tol << ", worst relative error " << worst << "); first: " << first.str();
  return msg.str();
}

}  // namespace test
}  // namespace horizon
