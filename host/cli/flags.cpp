// Shared run/sweep flags (flags.hpp).
#include "flags.hpp"

#include <algorithm>
#include <climits>

#include "horizon/error.hpp"
#include "horizon/parse.hpp"

namespace horizon {
namespace cli {

void CommonFlags::add_to(CLI::App* cmd) {
  app = cmd;
  cmd->add_option("--problem", problem, "problem JSON file");
  cmd->add_option("--preset", preset, "built-in experiment (see `horizon info`); --config and flags override it");
  cmd->add_option("--config", config, "experiment TOML file; flags override it (and it overrides --preset)");
  cmd->add_option("--T", T, "inner horizon T (sweep: a list such as 1,2,4 or 1..64*2)");
  cmd->add_option("--N", N, "budget of parameter updates (sweep: a list)");
  cmd->add_option("--inner-lr", inner_lr, "inner step eta0");
  cmd->add_option("--outer-lr", outer_lr, "outer step alpha0");
  cmd->add_option("--inner-schedule", inner_schedule, "constant | inverse_time");
  cmd->add_option("--inner-decay", inner_decay, "gamma of inverse_time");
  cmd->add_flag("--no-restart", no_restart, "inverse_time counts the global step n, not t");
  cmd->add_option("--outer-schedule", outer_schedule, "constant | inv_sqrt");
  cmd->add_option("--update", update, "exponentiated | projected");
  cmd->add_option("--noise", noise, "sigma of gaussian gradient noise (0 = exact)");
  cmd->add_option("--noise-kind", noise_kind, "gaussian (default) | minibatch (logistic problems)");
  cmd->add_option("--batch", batch, "examples per domain per step for minibatch noise");
  cmd->add_option("--backend", backend, "cpu | cuda | auto (default auto)");
  cmd->add_option("--threads", threads, "CPU threads (default: OMP_NUM_THREADS, else the CPUs this process may use: taskset, Slurm --cpus-per-task)");
  cmd->add_option("--precision", precision, "double (default) | float (CUDA backend only)");
  cmd->add_option("--gpu-path", gpu_path, "auto (default) | fused | gemm: force the CUDA path for dense problems");
}

ExperimentSettings CommonFlags::settings(bool T_is_list) const {
  ExperimentSettings s;
  if (given("--preset")) s = load_preset(preset);
  if (given("--config")) s.merge(load_settings_file(config));
  ExperimentSettings f;
  if (given("--problem")) {
    check_readable("--problem", problem);  // before "--inner-lr: required": the file is the first thing to fix
    f.problem_file = problem;
  }
  auto ints = [&](const char* flag, const std::string& text) {
    return T_is_list ? parse_int_list(flag, text) : std::vector<std::int64_t>{parse_positive_int(flag, text)};
  };
  if (given("--T")) f.T = ints("--T", T);
  if (given("--N")) f.N = ints("--N", N);
  if (given("--inner-lr")) f.inner_lr = parse_positive("--inner-lr", inner_lr);
  if (given("--outer-lr")) f.outer_lr = parse_positive("--outer-lr", outer_lr);
  if (given("--inner-decay")) f.inner_decay = parse_nonnegative("--inner-decay", inner_decay);
  if (given("--noise")) f.noise = parse_nonnegative("--noise", noise);
  if (given("--inner-schedule")) f.inner_schedule = parse_inner_schedule(inner_schedule, "--inner-schedule");
  if (given("--outer-schedule")) f.outer_schedule = parse_outer_schedule(outer_schedule, "--outer-schedule");
  if (given("--update")) f.update = parse_update_kind(update, "--update");
  if (given("--noise-kind")) f.noise_kind = parse_noise_kind(noise_kind, "--noise-kind");
  if (given("--batch")) f.batch = static_cast<int>(parse_positive_int("--batch", batch));
  if (no_restart) f.restart = false;
  if (given("--backend")) f.backend = backend;
  if (given("--threads"))  // int-sized; make_backend caps it at max_threads() with a notice
    f.threads = static_cast<int>(std::min<std::int64_t>(parse_positive_int("--threads", threads), INT_MAX));
  if (given("--precision")) f.precision = precision;
  if (given("--gpu-path")) f.gpu_path = gpu_path;
  s.merge(f);
  if (given("--batch") && s.noise_kind != NoiseKind::minibatch)
    throw InputError("--batch", "applies to --noise-kind minibatch only (got --batch " + batch + ")");
  if (T_is_list) check_grid_size(s);
  return s;
}

void CommonFlags::check_grid_size(const ExperimentSettings& s) const {
  // `sweep` registers --seeds itself; it is read here so that a huge grid is
  // refused before anything is sized by it.
  std::int64_t seeds = s.seeds.value_or(1);
  const CLI::Option* flag = app->get_option_no_throw("--seeds");
  if (flag && flag->count() > 0) seeds = parse_positive_int("--seeds", flag->as<std::string>());
  const std::int64_t nT = s.T ? static_cast<std::int64_t>(s.T->size()) : 1;
  const std::int64_t nN = s.N ? static_cast<std::int64_t>(s.N->size()) : 1;
  const std::string grid = std::to_string(nT) + " T x " + std::to_string(nN) + " N x " + std::to_string(seeds) + " seeds";
  // Checked factor by factor, so that no product overflows.
  if (nT > max_grid_cells || nN > max_grid_cells || nT * nN > max_grid_cells)
    throw InputError("grid", grid + " has more than the " + std::to_string(max_grid_cells) +
                                 " (T, N) cells a sweep may have (use fewer grid points)");
  if (seeds > max_grid_rows / (nT * nN))
    throw InputError("grid", grid + " is more than the " + std::to_string(max_grid_rows) +
                                 " rows a sweep may have (use fewer seeds or grid points)");
}

}  // namespace cli
}  // namespace horizon
