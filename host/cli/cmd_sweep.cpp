// `horizon sweep`: the T × N × seed grid, rows to DIR/runs.csv, T* per N to stdout.
#include <unistd.h>

#include <cstdio>
#include <iostream>

#include "commands.hpp"
#include "flags.hpp"
#include "horizon/backend.hpp"
#include "horizon/grid_summary.hpp"
#include "horizon/parse.hpp"
#include "horizon/sweep.hpp"
#include "require.hpp"

namespace horizon {
namespace cli {
namespace {

// T* per N by mean val_loss over seeds, with the greedy (T = 1) loss beside it.
void print_t_star(std::ostream& os, const std::vector<SweepRow>& rows, std::int64_t seeds) {
  const std::vector<PerN> summary = summarize(rows, Metric::val_loss);
  char line[256];
  std::snprintf(line, sizeof line, "%10s %8s %16s %16s  %s\n", "N", "T*", "val_loss at T*", "val_loss at T=1",
                "w at T*");
  os << "\nT* per N (mean val_loss over " << seeds << " seed" << (seeds == 1 ? "" : "s") << "):\n" << line;
  for (const PerN& pn : summary) {
    char greedy[32] = "-";  // "-": T = 1 is not on the grid
    for (const CurvePoint& cp : pn.curve)
      if (cp.T == 1) std::snprintf(greedy, sizeof greedy, "%.8g", cp.mean);
    if (pn.T_star == 0) {
      std::snprintf(line, sizeof line, "%10lld %8s  every T diverged\n", static_cast<long long>(pn.N), "-");
      os << line;
      continue;
    }
    const CurvePoint& star = pn.curve[pn.star_index];
    std::snprintf(line, sizeof line, "%10lld %8lld %16.8g %16s ", static_cast<long long>(pn.N),
                  static_cast<long long>(pn.T_star), star.mean, greedy);
    os << line;
    for (double w : star.w_mean) {
      std::snprintf(line, sizeof line, " %.4f", w);
      os << line;
    }
    os << '\n';
  }
}

}  // namespace

Action add_sweep_command(CLI::App& app) {
  CLI::App* cmd = app.add_subcommand("sweep", "the T x N x seed grid: DIR/runs.csv, DIR/manifest.json, T* per N");
  auto flags = std::make_shared<CommonFlags>();
  auto seeds = std::make_shared<std::string>();
  auto seed0 = std::make_shared<std::string>();
  auto out = std::make_shared<std::string>();
  auto resume = std::make_shared<bool>(false);
  flags->add_to(cmd);
  cmd->add_option("--seeds", *seeds, "number of seeds (default 1)");
  cmd->add_option("--seed0", *seed0, "first seed (default 0)");
  cmd->add_option("--out", *out, "output directory (default runs/sweep)");
  cmd->add_flag("--resume", *resume, "continue a killed sweep in --out with the same config");
  return [=]() {
    ExperimentSettings s = flags->settings(true);
    if (cmd->count("--seeds")) s.seeds = parse_positive_int("--seeds", *seeds);
    if (cmd->count("--seed0")) s.seed0 = parse_seed("--seed0", *seed0);
    if (cmd->count("--out")) s.out = *out;
    SweepPlan plan;
    plan.T = require(s.T, "--T", "grid.T");
    plan.N = require(s.N, "--N", "grid.N");
    plan.seeds = s.seeds.value_or(1);
    plan.seed0 = s.seed0.value_or(0);
    validate(plan);
    require(s.inner_lr, "--inner-lr", "algorithm.inner_lr");
    require(s.outer_lr, "--outer-lr", "algorithm.outer_lr");
    const AlgorithmConfig cfg = resolve_algorithm(s);
    const Problem p = resolve_problem(s);
    auto backend = make_backend(resolve_backend(s), std::cerr, problem_kind(p));

    SweepOptions opts;
    opts.out_dir = s.out.value_or("runs/sweep");
    opts.resume = *resume;
    opts.log = &std::cerr;
    opts.progress = isatty(STDERR_FILENO);
    opts.manifest_extra["command"] = "sweep";
    opts.manifest_extra["problem"]["source"] =
        s.problem_file ? *s.problem_file
                       : s.problem_json ? s.problem_origin
                                        : (flags->given("--preset") ? "preset " + flags->preset : "generator");
    if (!s.description.empty()) opts.manifest_extra["description"] = s.description;
    const SweepOutcome o = run_sweep(p, cfg, plan, *backend, opts);
    std::cerr << "horizon: " << o.trajectories_computed << " trajectories on " << backend->description() << " in "
              << o.wall_seconds << " s; " << o.rows.size() << " rows in " << opts.out_dir << "/runs.csv\n";
    print_t_star(std::cout, o.rows, plan.seeds);
    return 0;
  };
}

}  // namespace cli
}  // namespace horizon
