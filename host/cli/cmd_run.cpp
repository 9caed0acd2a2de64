// `horizon run`: one trajectory, checkpoints as JSON or a table.
#include <iostream>

#include "commands.hpp"
#include "flags.hpp"
#include "horizon/activity.hpp"
#include "horizon/backend.hpp"
#include "horizon/parse.hpp"
#include "output.hpp"
#include "require.hpp"

namespace horizon {
namespace cli {

Action add_run_command(CLI::App& app) {
  CLI::App* cmd = app.add_subcommand("run", "one run (T, N, seed); metrics at N and at every --checkpoints budget");
  auto flags = std::make_shared<CommonFlags>();
  auto seed = std::make_shared<std::string>();
  auto checkpoints = std::make_shared<std::string>();
  auto format = std::make_shared<std::string>("json");
  flags->add_to(cmd);
  cmd->add_option("--seed", *seed, "noise seed (default 0)");
  cmd->add_option("--checkpoints", *checkpoints, "more budgets N_i <= N to report, e.g. 100,1000");
  cmd->add_option("--format", *format, "json | table");
  return [=]() {
    const ExperimentSettings s = flags->settings(false);
    if (*format != "json" && *format != "table")
      throw InputError("--format", "unknown value '" + *format + "' (expected json or table)");
    const std::int64_t T = require_single(s.T, "--T", "grid.T");
    const std::int64_t N = require_single(s.N, "--N", "grid.N");
    require(s.inner_lr, "--inner-lr", "algorithm.inner_lr");
    require(s.outer_lr, "--outer-lr", "algorithm.outer_lr");
    const AlgorithmConfig cfg = resolve_algorithm(s);
    const Problem p = resolve_problem(s);
    RunSpec spec{T, cmd->count("--seed") ? parse_seed("--seed", *seed) : s.seed0.value_or(0)};
    std::vector<std::int64_t> budgets{N};
    if (cmd->count("--checkpoints")) {
      for (std::int64_t b : parse_int_list("--checkpoints", *checkpoints)) {
        if (b > N) throw InputError("--checkpoints", std::to_string(b) + " exceeds --N " + std::to_string(N));
        budgets.push_back(b);
      }
      std::sort(budgets.begin(), budgets.end());
      budgets.erase(std::unique(budgets.begin(), budgets.end()), budgets.end());
    }
    auto backend = make_backend(resolve_backend(s), std::cerr, problem_kind(p));
    const Doing doing("running T = " + std::to_string(T) + ", N = " + std::to_string(N) + " on the " +
                      backend->description());
    const RunResult r = backend->run(p, cfg, {spec}, budgets).front();
    if (*format == "table") {
      print_checkpoint_table(std::cout, r.checkpoints);
    } else {
      nlohmann::json out = {{"T", T}, {"seed", spec.seed}, {"backend", backend->name()},
                            {"checkpoints", nlohmann::json::array()}};
      for (const Checkpoint& c : r.checkpoints) out["checkpoints"].push_back(checkpoint_json(c));
      std::cout << out.dump(2) << '\n';
    }
    return 0;
  };
}

}  // namespace cli
}  // namespace horizon
