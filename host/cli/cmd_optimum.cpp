// `horizon optimum`: w* and Φ* of a problem, certified by the Frank–Wolfe gap.
#include <iostream>

#include "commands.hpp"
#include "horizon/error.hpp"
#include "horizon/experiment.hpp"
#include "horizon/optimum.hpp"
#include "horizon/parse.hpp"

namespace horizon {
namespace cli {

Action add_optimum_command(CLI::App& app) {
  CLI::App* cmd = app.add_subcommand("optimum", "best mixture w* and Phi* = min Phi(w) over the simplex");
  auto problem = std::make_shared<std::string>();
  auto preset = std::make_shared<std::string>();
  auto tol = std::make_shared<std::string>("1e-10");
  cmd->add_option("--problem", *problem, "problem JSON file");
  cmd->add_option("--preset", *preset, "built-in experiment whose problem to use");
  cmd->add_option("--tol", *tol, "Frank-Wolfe gap tolerance (default 1e-10)");
  return [=]() {
    ExperimentSettings s;
    if (cmd->count("--preset")) s = load_preset(*preset);
    if (cmd->count("--problem")) {
      ExperimentSettings file;
      file.problem_file = *problem;
      s.merge(file);
    }
    const double tolerance = parse_positive("--tol", *tol);
    const Problem p = resolve_problem(s);
    const OptimumResult r = find_optimum(p, tolerance);
    nlohmann::json out = {{"w_star", r.w},           {"phi_star", r.phi},   {"fw_gap", r.fw_gap},
                          {"tolerance", tolerance},  {"converged", r.converged}, {"iterations", r.iterations},
                          {"domains", problem_names(p)}};
    std::cout << out.dump(2) << '\n';
    if (!r.converged)
      std::cerr << "horizon: warning: Frank-Wolfe gap " << r.fw_gap << " above --tol " << tolerance << "\n";
    return 0;
  };
}

}  // namespace cli
}  // namespace horizon
