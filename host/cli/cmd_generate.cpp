// `horizon generate`: write a seeded quadratic problem as JSON.
#include <fstream>
#include <iostream>

#include "commands.hpp"
#include "horizon/error.hpp"
#include "horizon/parse.hpp"
#include "horizon/problem.hpp"

namespace horizon {
namespace cli {

Action add_generate_command(CLI::App& app) {
  CLI::App* cmd = app.add_subcommand("generate", "write a seeded random quadratic problem as JSON");
  struct Args {
    std::string d = "5", K = "3", mu = "0.1", L = "1", aligned = "0", spread = "1", lean = "0.25", seed = "0", out;
    bool diagonal = false;
  };
  auto a = std::make_shared<Args>();
  cmd->add_option("--d", a->d, "dimension (default 5)");
  cmd->add_option("--K", a->K, "domains (default 3)");
  cmd->add_option("--mu", a->mu, "smallest eigenvalue (default 0.1)");
  cmd->add_option("--L", a->L, "largest eigenvalue (default 1)");
  cmd->add_flag("--diagonal", a->diagonal, "diagonal A_j (default dense, randomly rotated)");
  cmd->add_option("--aligned", a->aligned, "domain the validation set leans on (default 0)");
  cmd->add_option("--spread", a->spread, "std. dev. of the centres c_j (default 1)");
  cmd->add_option("--lean", a->lean, "c_v = (1-lean) c_aligned + lean mean(c) (default 0.25)");
  cmd->add_option("--problem-seed", a->seed, "generator seed (default 0)");
  cmd->add_option("--out", a->out, "output file (default stdout)");
  return [=]() {
    GeneratorParams g;
    g.d = static_cast<int>(parse_positive_int("--d", a->d));
    g.K = static_cast<int>(parse_positive_int("--K", a->K));
    g.mu = parse_positive("--mu", a->mu);
    g.L = parse_positive("--L", a->L);
    g.diagonal = a->diagonal;
    g.aligned = static_cast<int>(parse_seed("--aligned", a->aligned));
    g.spread = parse_nonnegative("--spread", a->spread);
    g.lean = parse_nonnegative("--lean", a->lean);
    g.seed = parse_seed("--problem-seed", a->seed);
    const std::string text = quadratic_to_json(generate_quadratic(g)).dump(2) + "\n";
    if (a->out.empty()) {
      std::cout << text;
    } else {
      std::ofstream f(a->out);
      if (!f) throw InputError("--out", "cannot write '" + a->out + "'");
      f << text;
    }
    return 0;
  };
}

}  // namespace cli
}  // namespace horizon
