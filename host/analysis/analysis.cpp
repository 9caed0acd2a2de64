// T*(N) with bootstrap intervals and the law comparison (analysis.hpp).
#include "horizon/analysis.hpp"

#include <algorithm>
#include <cmath>
#include <map>

#include "horizon/error.hpp"
#include "horizon/rng.hpp"

namespace horizon {
namespace {

constexpr std::uint32_t bootstrap_stream = 3;

nlohmann::json finite_or_null(double v) { return std::isfinite(v) ? nlohmann::json(v) : nlohmann::json(nullptr); }

// values[t][s]: the metric of seed s at the t-th T of the curve (NaN: diverged/missing).
struct SeedTable {
  std::vector<std::int64_t> T;
  std::vector<std::uint64_t> seeds;
  std::vector<std::vector<double>> values;
};

SeedTable seed_table(const std::vector<const SweepRow*>& rows, Metric metric) {
  SeedTable tab;
  std::map<std::int64_t, std::size_t> t_index;
  std::map<std::uint64_t, std::size_t> s_index;
  for (const SweepRow* r : rows) t_index[r->T], s_index[r->seed];
  for (auto& [T, i] : t_index) i = tab.T.size(), tab.T.push_back(T);
  for (auto& [s, i] : s_index) i = tab.seeds.size(), tab.seeds.push_back(s);
  tab.values.assign(tab.T.size(), std::vector<double>(tab.seeds.size(), NAN));
  for (const SweepRow* r : rows)
    tab.values[t_index[r->T]][s_index[r->seed]] = r->diverged ? NAN : metric_of(*r, metric);
  return tab;
}

// Refined T* of the mean curve over the multiset of seed indices `pick`.
double refined_of(const SeedTable& tab, const std::vector<std::size_t>& pick, double sign) {
  std::vector<CurvePoint> curve;
  for (std::size_t t = 0; t < tab.T.size(); ++t) {
    CurvePoint cp;
    cp.T = tab.T[t];
    double sum = 0;
    for (std::size_t s : pick)
      if (!std::isnan(tab.values[t][s])) sum += tab.values[t][s], ++cp.count;
    if (cp.count == 0) continue;
    cp.mean = sign * sum / cp.count;
    curve.push_back(cp);
  }
  if (curve.empty()) return NAN;
  std::size_t best = 0;
  for (std::size_t i = 1; i < curve.size(); ++i)
    if (curve[i].mean < curve[best].mean) best = i;
  bool edge;
  return refine_t_star(curve, best, &edge);
}

double quantile(std::vector<double> v, double q) {
  std::sort(v.begin(), v.end());
  const double pos = q * (v.size() - 1);
  const std::size_t lo = static_cast<std::size_t>(std::floor(pos));
  const std::size_t hi = std::min(lo + 1, v.size() - 1);
  return v[lo] + (pos - lo) * (v[hi] - v[lo]);
}

}  // namespace

double refine_t_star(const std::vector<CurvePoint>& curve, std::size_t best, bool* at_edge) {
  *at_edge = best == 0 || best + 1 == curve.size();
  if (*at_edge) return static_cast<double>(curve[best].T);
  const double x0 = std::log(curve[best - 1].T), x1 = std::log(curve[best].T), x2 = std::log(curve[best + 1].T);
  const double y0 = curve[best - 1].mean, y1 = curve[best].mean, y2 = curve[best + 1].mean;
  // Vertex of the interpolating parabola (divided differences).
  const double d01 = (y1 - y0) / (x1 - x0), d12 = (y2 - y1) / (x2 - x1), curvature = (d12 - d01) / (x2 - x0);
  if (!(curvature > 0)) return static_cast<double>(curve[best].T);  // flat: keep the grid point
  const double x = std::clamp(0.5 * (x0 + x1) - d01 / (2 * curvature), x0, x2);
  return std::exp(x);
}

Analysis analyze(const std::vector<SweepRow>& rows, const AnalysisOptions& opts) {
  if (rows.empty()) throw InputError("runs.csv", "no rows to analyze");
  if (opts.metric == Metric::val_acc &&
      std::none_of(rows.begin(), rows.end(), [](const SweepRow& r) { return std::isfinite(r.val_acc); }))
    throw InputError("--metric", "val_acc: runs.csv has no accuracy values (only logistic problems have one)");
  if (opts.bootstrap < 0) throw InputError("--bootstrap", "must be >= 0 (got " + std::to_string(opts.bootstrap) + ")");
  Analysis a;
  a.options = opts;
  const double sign = lower_is_better(opts.metric) ? 1.0 : -1.0;
  std::map<std::int64_t, std::vector<const SweepRow*>> by_N;
  for (const SweepRow& r : rows) by_N[r.N].push_back(&r);
  const std::vector<PerN> grid = summarize(rows, opts.metric);
  std::vector<double> fit_N, fit_T, fit_w;
  for (std::size_t k = 0; k < grid.size(); ++k) {
    NAnalysis na;
    na.grid = grid[k];
    const SeedTable tab = seed_table(by_N[na.grid.N], opts.metric);
    na.seeds = static_cast<std::int64_t>(tab.seeds.size());
    if (na.grid.T_star == 0) {  // every T diverged
      na.T_star_refined = na.ci_lo = na.ci_hi = NAN;
      a.per_N.push_back(na);
      continue;
    }
    std::vector<CurvePoint> signed_curve;
    std::size_t best = 0;
    for (const CurvePoint& cp : na.grid.curve) {
      if (cp.count == 0) continue;
      if (cp.T == na.grid.T_star) best = signed_curve.size();
      signed_curve.push_back(cp);
      signed_curve.back().mean *= sign;
    }
    na.T_star_refined = refine_t_star(signed_curve, best, &na.at_edge);
    na.ci_lo = na.ci_hi = na.T_star_refined;
    if (opts.bootstrap > 0 && tab.seeds.size() > 1) {
      std::vector<double> draws;
      std::vector<std::size_t> pick(tab.seeds.size());
      for (int b = 0; b < opts.bootstrap; ++b) {
        for (std::size_t i = 0; i < pick.size(); ++i)
          pick[i] = rng::uniform_index(opts.seed, bootstrap_stream, static_cast<std::uint32_t>(b),
                                       static_cast<std::uint32_t>(k), static_cast<std::uint32_t>(i),
                                       static_cast<std::uint32_t>(pick.size()));
        const double t = refined_of(tab, pick, sign);
        if (std::isfinite(t)) draws.push_back(t);
      }
      if (!draws.empty()) {
        na.ci_lo = quantile(draws, (1 - opts.level) / 2);
        na.ci_hi = quantile(draws, 1 - (1 - opts.level) / 2);
      }
    }
    const double sigma = std::max((na.ci_hi - na.ci_lo) / (2 * 1.959963984540054), 0.02 * na.T_star_refined);
    fit_N.push_back(static_cast<double>(na.grid.N));
    fit_T.push_back(na.T_star_refined);
    fit_w.push_back(1.0 / (sigma * sigma));
    a.per_N.push_back(na);
  }
  a.laws = compare_laws(fit_N, fit_T, fit_w);
  return a;
}

nlohmann::json analysis_json(const Analysis& a) {
  nlohmann::json j;
  j["metric"] = to_string(a.options.metric);
  j["bootstrap"] = a.options.bootstrap;
  j["seed"] = a.options.seed;
  j["level"] = a.options.level;
  j["per_N"] = nlohmann::json::array();
  for (const NAnalysis& na : a.per_N) {
    nlohmann::json n = {{"N", na.grid.N},
                        {"T_star", na.grid.T_star == 0 ? nlohmann::json(nullptr) : nlohmann::json(na.grid.T_star)},
                        {"T_star_refined", finite_or_null(na.T_star_refined)},
                        {"ci", {finite_or_null(na.ci_lo), finite_or_null(na.ci_hi)}},
                        {"at_edge", na.at_edge},
                        {"seeds", na.seeds},
                        {"curve", nlohmann::json::array()}};
    for (const CurvePoint& cp : na.grid.curve) {
      nlohmann::json w = nlohmann::json::array();
      for (double x : cp.w_mean) w.push_back(finite_or_null(x));
      n["curve"].push_back({{"T", cp.T},
                            {"mean", finite_or_null(cp.mean)},
                            {"se", finite_or_null(cp.se)},
                            {"median", finite_or_null(cp.median)},
                            {"count", cp.count},
                            {"diverged", cp.diverged},
                            {"w_mean", w}});
    }
    j["per_N"].push_back(n);
  }
  j["fits"] = nlohmann::json::object();
  for (const auto& [law, f] : a.laws.fits)
    j["fits"][law] = {{"params", f.params},  // a failed fit has no statistics: null, not 0
                      {"r2", f.ok ? finite_or_null(f.r2) : nullptr},
                      {"aic", f.ok ? finite_or_null(f.aic) : nullptr},
                      {"rss", f.ok ? finite_or_null(f.rss) : nullptr},
                      {"ok", f.ok}};
  j["preferred"] = a.laws.preferred.empty() ? nlohmann::json(nullptr) : nlohmann::json(a.laws.preferred);
  j["delta_aic"] = a.laws.delta_aic;
  j["decisive"] = a.laws.decisive;
  return j;
}

}  // namespace horizon
