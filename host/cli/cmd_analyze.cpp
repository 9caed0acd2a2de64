// `horizon analyze DIR` and `horizon check DIR`: runs.csv → summary.json,
// T*(N), the scaling-law fits, and the regression verdict.
#include <cmath>
#include <cstdio>
#include <fstream>
#include <iostream>

#include "commands.hpp"
#include "horizon/analysis.hpp"
#include "horizon/check.hpp"
#include "horizon/error.hpp"
#include "horizon/parse.hpp"

namespace horizon {
namespace cli {
namespace {

struct AnalysisFlags {
  std::string dir, metric = "val_loss", bootstrap = "1000", seed = "0";
  void add_to(CLI::App* cmd) {
    cmd->add_option("DIR", dir, "sweep directory holding runs.csv")->required();
    cmd->add_option("--metric", metric, "val_loss | phi | fw_gap | val_acc (default val_loss; val_acc: higher is better)");
    cmd->add_option("--bootstrap", bootstrap, "bootstrap resamples for the T* interval (default 1000, 0 = none)");
    cmd->add_option("--seed", seed, "bootstrap seed (default 0)");
  }
  Analysis run() const {
    AnalysisOptions o;
    o.metric = parse_metric(metric, "--metric");
    o.bootstrap = bootstrap == "0" ? 0 : static_cast<int>(parse_positive_int("--bootstrap", bootstrap));
    o.seed = parse_seed("--seed", seed);
    return analyze(read_runs_csv(dir + "/runs.csv"), o);
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
      std::snprintf(line, sizeof line, "%10lld  every T diverged\n", static_cast<long long>(na.grid.N));
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
  }
  os << "\nscaling-law fits of T*_refined (weighted least squares):\n";
  for (const std::string& law : law_names()) {
    const LawFit& f = a.laws.fits.at(law);
    if (!f.ok) {
      os << "  " << law << ": not fitted (need >= 3 values of N)\n";
      continue;
    }
    const bool power = law == "power";
    std::snprintf(line, sizeof line, "  %-11s %s = %-10.4g %s = %-10.4g R² = %.4f  AIC = %.2f%s\n", law.c_str(), "a",
                  f.params.at("a"), power ? "p" : "b", f.params.at(power ? "p" : "b"), f.r2, f.aic,
                  law == a.laws.preferred ? "  <- preferred" : "");
    os << line;
  }
  if (!a.laws.preferred.empty())
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
    const Analysis a = flags->run();
    const std::string path = flags->dir + "/summary.json";
    std::ofstream out(path);
    if (!out) throw InputError("DIR", "cannot write '" + path + "'");
    out << analysis_json(a).dump(2) << '\n';
    print_analysis(std::cout, a);
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
    }
    if (cmd->count("--tolerance") && !cmd->count("--baseline"))
      throw InputError("--tolerance", "applies to --baseline only (got --tolerance " + a->tolerance + ")");
    if (cmd->count("--tolerance")) e.tolerance = parse_positive("--tolerance", a->tolerance);
    if (cmd->count("--greedy-margin")) e.greedy_margin = parse_nonnegative("--greedy-margin", a->greedy);
    const Analysis analysis = flags->run();
    const CheckVerdict v = check(analysis, e);
    for (const std::string& line : v.lines) std::cout << line << '\n';
    std::cout << (v.pass ? "check passed" : "check FAILED") << '\n';
    return v.pass ? 0 : 1;
  };
}

}  // namespace cli
}  // namespace horizon
