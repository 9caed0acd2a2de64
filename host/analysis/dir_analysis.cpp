// A sweep directory analysed (analysis.hpp: analyze_sweep_dir) and the text
// `horizon analyze` prints (print_analysis). Shared by the CLI and the
// Python package.
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <ostream>
#include <sstream>

#include "horizon/analysis.hpp"
#include "horizon/error.hpp"
#include "horizon/parse.hpp"

namespace horizon {
namespace {

// Reads a whole file; a missing or unreadable one is an InputError with the OS reason.
std::string slurp(const std::string& path) {
  errno = 0;
  std::ifstream in = open_input(path, path);
  std::ostringstream os;
  os << in.rdbuf();
  if (in.bad()) throw InputError(path, std::string("cannot read file: ") + std::strerror(errno));
  return os.str();
}

}  // namespace

DirAnalysis analyze_sweep_dir(const std::string& dir, const AnalysisOptions& o, bool allow_partial,
                              std::ostream& warnings) {
  const std::string csv = dir + "/runs.csv", manifest_path = dir + "/manifest.json";
  const RunsFile f = read_runs_file(csv);
  check_metrics_finite(f, o.metric);
  DirAnalysis out;
  out.source["runs_csv"] = csv;
  std::error_code ec;
  if (!std::filesystem::exists(manifest_path, ec)) {
    if (!allow_partial)
      throw InputError(manifest_path, "missing: analyze checks runs.csv against the sweep's manifest "
                                      "(use --allow-partial to analyse runs.csv without it)");
    warnings << "horizon: warning: no " << manifest_path << ": the rows of runs.csv are not checked against a grid\n";
    out.source["manifest"] = nullptr;
  } else {
    const std::string text = slurp(manifest_path);
    nlohmann::json m;
    try {
      m = nlohmann::json::parse(text);
    } catch (const nlohmann::json::exception& ex) {
      throw InputError(manifest_path, std::string("not valid JSON: ") + ex.what());
    }
    const GridCoverage c = check_grid(f, grid_of_manifest(m, manifest_path), allow_partial);
    if (c.missing > 0)
      warnings << "horizon: warning: " << csv << ": " << c.missing << " of " << c.expected
               << " rows missing from the manifest's grid, first " << c.missing_first << "; analysing the "
               << c.present << " rows there (--allow-partial)\n";
    out.source["manifest"] = {{"path", manifest_path},
                              {"fnv1a64", fnv1a64_hex(text)},
                              {"schema_version", m.is_object() && m.contains("schema_version") ? m["schema_version"]
                                                                                               : nlohmann::json(nullptr)}};
    out.source["grid"] = {{"expected_rows", c.expected}, {"rows", c.present}, {"missing_rows", c.missing}};
  }
  out.source["allow_partial"] = allow_partial;
  out.analysis = analyze(f.rows, o);
  return out;
}

nlohmann::json summary_json(const DirAnalysis& d) {
  nlohmann::json j = analysis_json(d.analysis);
  j["source"] = d.source;
  return j;
}

void print_analysis(std::ostream& os, const Analysis& a) {
  char line[320];
  os << "T* per N (" << to_string(a.options.metric) << ", mean over seeds; interval: " << a.options.level * 100
     << "% bootstrap over seeds):\n";
  std::snprintf(line, sizeof line, "%10s %7s %10s %21s %14s %14s  %s\n", "N", "T*", "refined", "interval", "at T*",
                "at T=1", "w at T*");
  os << line;
  for (const NAnalysis& na : a.per_N) {
    if (na.grid.T_star == 0) {
      std::snprintf(line, sizeof line, "%10lld  no T*: every T has diverged runs (more than --max-diverged %g)\n",
                    static_cast<long long>(na.grid.N), a.options.max_diverged);
      os << line;
      continue;
    }
    const CurvePoint& star = na.grid.curve[na.grid.star_index];
    char greedy[32] = "-";  // "-": T = 1 is not on the grid
    for (const CurvePoint& cp : na.grid.curve)
      if (cp.T == 1) std::snprintf(greedy, sizeof greedy, "%.8g", cp.mean);
    std::snprintf(line, sizeof line, "%10lld %7lld %10.2f   [%8.2f, %8.2f] %14.8g %14s ", static_cast<long long>(na.grid.N),
                  static_cast<long long>(na.grid.T_star), na.T_star_refined, na.ci_lo, na.ci_hi, star.mean, greedy);
    os << line;
    for (double w : star.w_mean) {
      std::snprintf(line, sizeof line, " %.4f", w);
      os << line;
    }
    os << (na.at_edge ? "  (best T at the grid's edge)\n" : "\n");
    // A T that would have won on its survivors is no T*: say so.
    for (const CurvePoint& cp : na.grid.curve)
      if (!cp.candidate && cp.diverged > 0) {
        std::snprintf(line, sizeof line, "%10s  T = %lld is no candidate: %lld of %lld seeds diverged\n", "",
                      static_cast<long long>(cp.T), static_cast<long long>(cp.diverged),
                      static_cast<long long>(cp.diverged + cp.count));
        os << line;
      }
  }
  os << "\nscaling-law fits of T*_refined (weighted least squares):\n";
  for (const std::string& law : law_names()) {
    const LawFit& f = a.laws.fits.at(law);
    if (!f.ok) {
      os << "  " << law << ": not fitted: " << f.why << "\n";
      continue;
    }
    const bool power = law == "power";
    std::snprintf(line, sizeof line, "  %-11s %s = %-10.4g %s = %-10.4g R² = %.4f  AIC = %.2f", law.c_str(), "a",
                  f.params.at("a"), power ? "p" : "b", f.params.at(power ? "p" : "b"), f.r2, f.aic);
    os << line << (law == a.laws.preferred ? "  <- preferred" : f.eligible ? "" : "  (not eligible: " + f.why_not + ")")
       << "\n";
  }
  if (a.laws.preferred.empty())
    os << "no law fits: " << a.laws.no_law << "\n";
  else
    os << (a.laws.decisive ? "the data prefer " + a.laws.preferred
                           : "the laws are within 2 AIC units: the data cannot tell them apart (best: " + a.laws.preferred + ")")
       << "\n";
}

}  // namespace horizon
