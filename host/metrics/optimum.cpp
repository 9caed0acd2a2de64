// Projected gradient search for the best mixture (optimum.hpp).
#include "horizon/optimum.hpp"

#include <cmath>

#include "horizon/metrics.hpp"
#include "horizon/simplex.hpp"

namespace horizon {
namespace {

OptimumResult descend(const Evaluator& eval, std::vector<double> w, double tol, int max_iter) {
  const int K = static_cast<int>(w.size());
  std::vector<double> scratch(K), trial(K), prev_w, prev_g;
  MixtureMetrics m = eval.mixture(w.data());
  OptimumResult r;
  double step = 1.0;
  int it = 0;
  for (; it < max_iter && m.fw_gap > tol; ++it) {
    if (!prev_w.empty()) {  // Barzilai–Borwein step from the last move
      double ss = 0, sy = 0;
      for (int j = 0; j < K; ++j) {
        const double s = w[j] - prev_w[j], y = m.grad[j] - prev_g[j];
        ss += s * s;
        sy += s * y;
      }
      if (sy > 0 && ss > 0) step = ss / sy;
    }
    MixtureMetrics next;
    for (int tries = 0; tries < 60; ++tries, step *= 0.5) {
      for (int j = 0; j < K; ++j) trial[j] = w[j] - step * m.grad[j];
      project_to_simplex(trial.data(), K, scratch.data());
      next = eval.mixture(trial.data());
      double decrease = 0;
      for (int j = 0; j < K; ++j) decrease += m.grad[j] * (trial[j] - w[j]);
      if (next.phi <= m.phi + 1e-4 * decrease) break;
    }
    prev_w = w;
    prev_g = m.grad;
    if (trial == w) break;  // no move possible at machine precision
    w = trial;
    m = next;
  }
  r.w = w;
  r.phi = m.phi;
  r.fw_gap = m.fw_gap;
  r.iterations = it;
  r.converged = m.fw_gap <= tol;
  return r;
}

}  // namespace

OptimumResult find_optimum(const Problem& p, double tol, int max_iter) {
  const Evaluator eval(p);
  const int K = problem_K(p);
  const std::vector<double>& w0 = std::visit([](const auto& q) -> const std::vector<double>& { return q.w0; }, p);
  std::vector<std::vector<double>> starts{std::vector<double>(K, 1.0 / K), w0};
  for (int j = 0; j < K; ++j) {
    std::vector<double> e(K, 0.0);
    e[j] = 1.0;
    starts.push_back(e);
  }
  OptimumResult best;
  bool have = false;
  for (const auto& start : starts) {
    const OptimumResult r = descend(eval, start, tol, max_iter);
    const bool better = !have || (r.converged && !best.converged) ||
                        (r.converged == best.converged && r.phi < best.phi);
    if (better) {
      best = r;
      have = true;
    }
  }
  return best;
}

}  // namespace horizon
