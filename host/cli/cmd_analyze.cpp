// `horizon analyze DIR` and `horizon check DIR`: runs.csv, checked against
// manifest.json → summary.json, T*(N), the scaling-law fits, and the
// regression verdict.
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

#include "commands.hpp"
#include "horizon/analysis.hpp"
#include "horizon/check.hpp"
#include "horizon/error.hpp"
#include "horizon/parse.hpp"
#include "../io/checked_file.hpp"

namespace horizon {
namespace cli {
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

struct Loaded {
  Analysis analysis;
  nlohmann::json source;  // summary.json's record of what it was computed from
};

struct AnalysisFlags {
  std::string dir, metric = "val_loss", bootstrap = "1000", seed = "0", max_diverged = "0";
  bool allow_partial = false;
  void add_to(CLI::App* cmd) {
    cmd->add_option("DIR", dir, "sweep directory holding runs.csv and manifest.json")->required();
    cmd->add_option("--metric", metric, "val_loss | phi | fw_gap | val_acc (default val_loss; val_acc: higher is better)");
    cmd->add_option("--bootstrap", bootstrap, "bootstrap resamples for the T* interval (default 1000, 0 = none)");
    cmd->add_option("--seed", seed, "bootstrap seed (default 0)");
    cmd->add_option("--max-diverged", max_diverged,
                    "a T whose share of diverged seeds exceeds FRACTION cannot be T* (default 0: any divergence)");
    cmd->add_flag("--allow-partial", allow_partial,
                  "analyse the rows there when some of the manifest's grid is missing (or there is no manifest)");
  }
  Loaded run() const {
    AnalysisOptions o;
    o.metric = parse_metric(metric, "--metric");
    o.bootstrap = bootstrap == "0" ? 0 : static_cast<int>(parse_positive_int("--bootstrap", bootstrap));
    o.seed = parse_seed("--seed", seed);
    o.max_diverged = parse_nonnegative("--max-diverged", max_diverged);
    if (o.max_diverged > 1) throw InputError("--max-diverged", "must be a fraction in [0, 1] (got '" + max_diverged + "')");
    const std::string csv = dir + "/runs.csv", manifest_path = dir + "/manifest.json";
    const RunsFile f = read_runs_file(csv);
    check_metrics_finite(f, o.metric);
    Loaded out;
    out.source["runs_csv"] = csv;
    std::error_code ec;
    if (!std::filesystem::exists(manifest_path, ec)) {
      if (!allow_partial)
        throw InputError(manifest_path, "missing: analyze checks runs.csv against the sweep's manifest "
                                        "(use --allow-partial to analyse runs.csv without it)");
      std::cerr << "horizon: warning: no " << manifest_path << ": the rows of runs.csv are not checked against a grid\n";
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
        std::cerr << "horizon: warning: " << csv << ": " << c.missing << " of " << c.expected
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
};

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

}  // namespace

Action add_analyze_command(CLI::App& app) {
  CLI::App* cmd = app.add_subcommand("analyze", "T*(N) with bootstrap intervals and scaling-law fits: DIR/summary.json");
  auto flags = std::make_shared<AnalysisFlags>();
  flags->add_to(cmd);
  return [=]() {
    const Loaded l = flags->run();
    const std::string path = flags->dir + "/summary.json";
    nlohmann::json j = analysis_json(l.analysis);
    j["source"] = l.source;
    io::write_file_atomically(path, j.dump(2) + "\n");  // the old summary or the new one, never a torn file
    print_analysis(std::cout, l.analysis);
    std::cout << "summary: " << path << "\n";
    return 0;
  };
}

Action add_check_command(CLI::App& app) {
  CLI::App* cmd = app.add_subcommand("check", "exit 0 when the sweep in DIR meets the expectation, 1 otherwise");
  auto flags = std::make_shared<AnalysisFlags>();
  struct Args {
    std::string law, min_r2, exponent, baseline, tolerance, greedy;
  };
  auto a = std::make_shared<Args>();
  flags->add_to(cmd);
  cmd->add_option("--expect", a->law, "log | sqrt_nlogn | power: the law the data must prefer");
  cmd->add_option("--min-r2", a->min_r2, "R² floor for the expected law (default 0.9)");
  cmd->add_option("--exponent", a->exponent, "LO,HI: range for the power-law exponent");
  cmd->add_option("--baseline", a->baseline, "a stored summary.json to compare T* against");
  cmd->add_option("--tolerance", a->tolerance, "relative T* tolerance against the baseline (default 0.25)");
  cmd->add_option("--greedy-margin", a->greedy, "T = 1 must be worse than T* by this relative margin at every N");
  return [=]() {
    if (!cmd->count("--expect") && !cmd->count("--exponent") && !cmd->count("--baseline") && !cmd->count("--greedy-margin"))
      throw InputError("check", "nothing to check (give --expect, --exponent, --baseline or --greedy-margin)");
    CheckExpectation e;
    if (cmd->count("--expect")) {
      if (a->law != "log" && a->law != "sqrt_nlogn" && a->law != "power")
        throw InputError("--expect", "unknown law '" + a->law + "' (expected log, sqrt_nlogn or power)");
      e.law = a->law;
    }
    if (cmd->count("--min-r2")) {
      e.min_r2 = parse_nonnegative("--min-r2", a->min_r2);
      if (e.min_r2 > 1) throw InputError("--min-r2", "must be at most 1 (got '" + a->min_r2 + "')");
    }
    if (cmd->count("--exponent")) {
      const std::size_t comma = a->exponent.find(',');
      if (comma == std::string::npos) throw InputError("--exponent", "expected LO,HI (got '" + a->exponent + "')");
      const double lo = parse_nonnegative("--exponent", a->exponent.substr(0, comma));
      const double hi = parse_nonnegative("--exponent", a->exponent.substr(comma + 1));
      if (hi < lo) throw InputError("--exponent", "HI below LO (got '" + a->exponent + "')");
      e.exponent = std::make_pair(lo, hi);
    }
    if (cmd->count("--baseline")) {
      std::ifstream in = open_input("--baseline", a->baseline);
      try {
        e.baseline = nlohmann::json::parse(in);
      } catch (const nlohmann::json::exception& ex) {
        throw InputError("--baseline", "'" + a->baseline + "' is not valid JSON: " + ex.what());
      }
      validate_baseline(*e.baseline);  // before the analysis: a bad baseline fails at once
    }
    if (cmd->count("--tolerance") && !cmd->count("--baseline"))
      throw InputError("--tolerance", "applies to --baseline only (got --tolerance " + a->tolerance + ")");
    if (cmd->count("--tolerance")) e.tolerance = parse_positive("--tolerance", a->tolerance);
    if (cmd->count("--greedy-margin")) e.greedy_margin = parse_nonnegative("--greedy-margin", a->greedy);
    const Analysis analysis = flags->run().analysis;
    CheckVerdict v;
    try {
      v = check(analysis, e);
    } catch (const nlohmann::json::exception& ex) {  // validate_baseline should leave none; never "internal error"
      throw InputError("--baseline", std::string("unexpected content: ") + ex.what());
    }
    for (const std::string& line : v.lines) std::cout << line << '\n';
    std::cout << (v.pass ? "check passed" : "check FAILED") << '\n';
    return v.pass ? 0 : 1;
  };
}

}  // namespace cli
}  // namespace horizon
