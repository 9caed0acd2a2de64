// T*(N) with bootstrap intervals and the law comparison (analysis.hpp).
#include "horizon/analysis.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <map>
#include <set>
#include <tuple>

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
  std::vector<bool> candidate;  // per T: may be T* (grid_summary.hpp); resamples keep the full sample's verdict
};

SeedTable seed_table(const std::vector<const SweepRow*>& rows, Metric metric, const std::vector<CurvePoint>& curve) {
  SeedTable tab;
  std::map<std::int64_t, std::size_t> t_index;
  std::map<std::uint64_t, std::size_t> s_index;
  for (const SweepRow* r : rows) t_index[r->T], s_index[r->seed];
  for (auto& [T, i] : t_index) i = tab.T.size(), tab.T.push_back(T);
  for (auto& [s, i] : s_index) i = tab.seeds.size(), tab.seeds.push_back(s);
  tab.values.assign(tab.T.size(), std::vector<double>(tab.seeds.size(), NAN));
  for (const SweepRow* r : rows)
    tab.values[t_index[r->T]][s_index[r->seed]] = r->diverged ? NAN : metric_of(*r, metric);
  for (const CurvePoint& cp : curve) tab.candidate.push_back(cp.candidate);  // same T, ascending
  return tab;
}

// Refined T* of the mean curve over the multiset of seed indices `pick`.
double refined_of(const SeedTable& tab, const std::vector<std::size_t>& pick, double sign) {
  std::vector<CurvePoint> curve;
  for (std::size_t t = 0; t < tab.T.size(); ++t) {
    if (!tab.candidate[t]) continue;
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

std::string where_of(const std::string& path, const std::vector<std::size_t>& lines, std::size_t rows, std::size_t i);

// A run not flagged diverged must have finite metrics; val_acc only when it is
// the metric (it is empty for quadratics).
void check_finite(const std::vector<SweepRow>& rows, const std::vector<std::size_t>& lines, const std::string& path,
                  Metric metric) {
  for (std::size_t i = 0; i < rows.size(); ++i) {
    const SweepRow& r = rows[i];
    if (r.diverged) continue;
    const std::pair<const char*, double> cols[] = {{"val_loss", r.val_loss}, {"phi", r.phi}, {"fw_gap", r.fw_gap},
                                                   {"val_acc", r.val_acc}};
    for (const auto& [name, v] : cols) {
      if (std::string(name) == "val_acc" && metric != Metric::val_acc) continue;
      if (!std::isfinite(v))
        throw InputError(where_of(path, lines, rows.size(), i),
                         std::string("column ") + name + ": no finite value on a run not flagged diverged (got " +
                             (std::isnan(v) ? "nan" : v > 0 ? "inf" : "-inf") + ")");
    }
  }
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
  if (!(opts.max_diverged >= 0 && opts.max_diverged <= 1))
    throw InputError("--max-diverged", "must be a fraction in [0, 1] (got " + format_number(opts.max_diverged) + ")");
  check_finite(rows, {}, "runs.csv", opts.metric);  // no lines: "runs.csv data row K"
  Analysis a;
  a.options = opts;
  const double sign = lower_is_better(opts.metric) ? 1.0 : -1.0;
  std::map<std::int64_t, std::vector<const SweepRow*>> by_N;
  for (const SweepRow& r : rows) by_N[r.N].push_back(&r);
  const std::vector<PerN> grid = summarize(rows, opts.metric, opts.max_diverged);
  std::vector<double> fit_N, fit_T, fit_w;
  for (std::size_t k = 0; k < grid.size(); ++k) {
    NAnalysis na;
    na.grid = grid[k];
    const SeedTable tab = seed_table(by_N[na.grid.N], opts.metric, na.grid.curve);
    na.seeds = static_cast<std::int64_t>(tab.seeds.size());
    if (na.grid.T_star == 0) {  // no candidate: every T had (too many) diverged runs
      na.T_star_refined = na.ci_lo = na.ci_hi = NAN;
      a.per_N.push_back(na);
      continue;
    }
    std::vector<CurvePoint> signed_curve;
    std::size_t best = 0;
    for (const CurvePoint& cp : na.grid.curve) {
      if (!cp.candidate) continue;
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
  a.laws = compare_laws(fit_N, fit_T, fit_w, opts.r2_floor);
  return a;
}

nlohmann::json analysis_json(const Analysis& a) {
  nlohmann::json j;
  j["metric"] = to_string(a.options.metric);
  j["bootstrap"] = a.options.bootstrap;
  j["seed"] = a.options.seed;
  j["level"] = a.options.level;
  j["max_diverged"] = a.options.max_diverged;
  j["r2_floor"] = a.laws.r2_floor;
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
                            {"candidate", cp.candidate},
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
                      {"ok", f.ok},
                      {"eligible", f.eligible},
                      {"why", !f.ok ? nlohmann::json(f.why) : !f.eligible ? nlohmann::json(f.why_not) : nullptr}};
  j["preferred"] = a.laws.preferred.empty() ? nlohmann::json(nullptr) : nlohmann::json(a.laws.preferred);
  j["no_law"] = a.laws.preferred.empty() ? nlohmann::json(a.laws.no_law) : nlohmann::json(nullptr);
  j["delta_aic"] = a.laws.delta_aic;
  j["decisive"] = a.laws.decisive;
  return j;
}

// ---- input checks: runs.csv against itself and against manifest.json ----

namespace {

std::string where_of(const std::string& path, const std::vector<std::size_t>& lines, std::size_t rows, std::size_t i) {
  return lines.size() == rows ? path + ":" + std::to_string(lines[i]) : path + " data row " + std::to_string(i + 1);
}

std::string where_of(const RunsFile& f, std::size_t i) { return where_of(f.path, f.lines, f.rows.size(), i); }

std::string key_text(std::int64_t T, std::int64_t N, std::uint64_t seed) {
  return "(T=" + std::to_string(T) + ", N=" + std::to_string(N) + ", seed=" + std::to_string(seed) + ")";
}

std::string clipped_dump(const nlohmann::json& j) {
  std::string s = j.dump();
  return s.size() > 40 ? s.substr(0, 37) + "..." : s;
}

constexpr std::size_t first_few = 3;

}  // namespace

RunsFile read_runs_file(const std::string& path) {
  RunsFile f;
  f.path = path;
  f.rows = read_runs_csv(path);
  // The reader skips empty lines; count the others to give each row its line.
  std::ifstream in(path);
  std::string line;
  for (std::size_t n = 1; std::getline(in, line); ++n)
    if (n > 1 && !line.empty()) f.lines.push_back(n);
  if (f.lines.size() != f.rows.size()) f.lines.clear();  // fall back to "data row K"
  return f;
}

void check_metrics_finite(const RunsFile& f, Metric metric) { check_finite(f.rows, f.lines, f.path, metric); }

SweepGrid grid_of_manifest(const nlohmann::json& m, const std::string& path) {
  const nlohmann::json* grid = nullptr;
  if (m.is_object() && m.contains("config") && m["config"].is_object() && m["config"].contains("grid"))
    grid = &m["config"]["grid"];
  if (!grid || !grid->is_object()) throw InputError(path, "no config.grid object (not a horizon sweep manifest)");
  SweepGrid g;
  auto ints = [&](const char* key, std::vector<std::int64_t>* out) {
    const std::string field = path + ": config.grid." + key;
    if (!grid->contains(key) || !(*grid)[key].is_array() || (*grid)[key].empty())
      throw InputError(field, "expected a non-empty array of integers >= 1 (got " +
                                  (grid->contains(key) ? clipped_dump((*grid)[key]) : std::string("nothing")) + ")");
    for (const auto& v : (*grid)[key]) {
      if (!v.is_number_integer() || v.get<std::int64_t>() < 1)
        throw InputError(field, "expected integers >= 1 (got " + clipped_dump(v) + ")");
      out->push_back(v.get<std::int64_t>());
    }
  };
  ints("T", &g.T);
  ints("N", &g.N);
  auto count = [&](const char* key, bool positive) {
    const std::string field = path + ": config.grid." + key;
    const bool there = grid->contains(key);
    const bool good = there && ((*grid)[key].is_number_unsigned() ||
                                ((*grid)[key].is_number_integer() && (*grid)[key].get<std::int64_t>() >= 0));
    if (!good || (positive && (*grid)[key].get<std::uint64_t>() == 0))
      throw InputError(field, std::string("expected an integer ") + (positive ? ">= 1" : ">= 0") + " (got " +
                                  (there ? clipped_dump((*grid)[key]) : std::string("nothing")) + ")");
    return (*grid)[key].get<std::uint64_t>();
  };
  g.seeds = count("seeds", true);
  g.seed0 = count("seed0", false);
  return g;
}

GridCoverage check_grid(const RunsFile& f, const SweepGrid& g, bool allow_partial) {
  const std::set<std::int64_t> Ts(g.T.begin(), g.T.end()), Ns(g.N.begin(), g.N.end());
  std::map<std::tuple<std::int64_t, std::int64_t, std::uint64_t>, std::size_t> seen;
  std::size_t dups = 0, off = 0;
  std::string dup_first, off_first;
  for (std::size_t i = 0; i < f.rows.size(); ++i) {
    const SweepRow& r = f.rows[i];
    const std::string at = where_of(f, i);
    if (!Ts.count(r.T) || !Ns.count(r.N) || r.seed < g.seed0 || r.seed - g.seed0 >= g.seeds) {
      if (off++ < first_few) off_first += (off_first.empty() ? "" : ", ") + key_text(r.T, r.N, r.seed) + " at " + at;
      continue;
    }
    const auto [it, fresh] = seen.emplace(std::make_tuple(r.T, r.N, r.seed), i);
    if (!fresh && dups++ < first_few)
      dup_first += (dup_first.empty() ? "" : ", ") + key_text(r.T, r.N, r.seed) + " at " + at + " repeats " +
                   where_of(f, it->second);
  }
  if (dups > 0)
    throw InputError(f.path, std::to_string(dups) + " duplicated row" + (dups > 1 ? "s" : "") + ", first " + dup_first +
                                 " (two sweeps may have written this file; rerun the sweep into a fresh DIR)");
  if (off > 0)
    throw InputError(f.path, std::to_string(off) + " row" + (off > 1 ? "s" : "") + " off the manifest's grid, first " +
                                 off_first + " (runs.csv and manifest.json come from different sweeps)");
  GridCoverage c;
  const std::uint64_t cells = static_cast<std::uint64_t>(Ts.size()) * Ns.size();  // a value listed twice counts once
  c.expected = g.seeds > UINT64_MAX / cells ? UINT64_MAX : cells * g.seeds;
  c.present = seen.size();
  c.missing = c.expected - c.present;
  std::size_t listed = 0;
  for (auto t = Ts.begin(); t != Ts.end() && listed < first_few && c.missing > 0; ++t)
    for (auto n = Ns.begin(); n != Ns.end() && listed < first_few; ++n)
      for (std::uint64_t s = 0; s < g.seeds && listed < first_few; ++s)
        if (!seen.count(std::make_tuple(*t, *n, g.seed0 + s)))
          c.missing_first += (listed++ ? ", " : "") + key_text(*t, *n, g.seed0 + s);
  if (c.missing > 0 && !allow_partial)
    throw InputError(f.path, std::to_string(c.missing) + " row" + (c.missing > 1 ? "s" : "") +
                                 " missing from the manifest's grid, first " + c.missing_first +
                                 " (finish the sweep with --resume, or use --allow-partial to analyse the " +
                                 std::to_string(c.present) + " rows there)");
  return c;
}

std::string fnv1a64_hex(const std::string& bytes) {
  std::uint64_t h = 1469598103934665603ull;
  for (unsigned char ch : bytes) h = (h ^ ch) * 1099511628211ull;
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(h));
  return buf;
}

}  // namespace horizon
