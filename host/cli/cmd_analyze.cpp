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

// The command's result and summary.json's record of its source.
using Loaded = DirAnalysis;

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
    return analyze_sweep_dir(dir, o, allow_partial, std::cerr);
  }
};

}  // namespace

Action add_analyze_command(CLI::App& app) {
  CLI::App* cmd = app.add_subcommand("analyze", "T*(N) with bootstrap intervals and scaling-law fits: DIR/summary.json");
  auto flags = std::make_shared<AnalysisFlags>();
  flags->add_to(cmd);
  return [=]() {
    const Loaded l = flags->run();
    const std::string path = flags->dir + "/summary.json";
    const nlohmann::json j = summary_json(l);
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
