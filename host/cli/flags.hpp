// Command-line flags shared by `run` and `sweep`, layered over presets and
// config files (experiment.hpp). Flags are taken as text and parsed by
// parse.hpp so every bad value gets the same one-line error.
#pragma once

#include <cstdint>
#include <string>

#include <CLI/CLI.hpp>

#include "horizon/experiment.hpp"

namespace horizon {
namespace cli {

struct CommonFlags {
  std::string problem, preset, config;
  std::string T, N, inner_lr, outer_lr, inner_schedule, inner_decay, outer_schedule, update, noise, noise_kind, batch;
  bool no_restart = false;
  std::string backend, threads, precision, gpu_path;
  CLI::App* app = nullptr;

  // Registers the flags on `cmd`; `grid` adds --T/--N as lists (sweep) rather than integers (run).
  void add_to(CLI::App* cmd);
  bool given(const char* flag) const { return app->count(flag) > 0; }
  // preset < config < flags. A --problem file must be readable (checked
  // first, before any setting is found missing); with T_is_list (sweep), the
  // grid may have at most max_grid_cells (T, N) cells and max_grid_rows rows.
  ExperimentSettings settings(bool T_is_list) const;

  // A sweep streams its rows (memory grows with the batch), but keeps a few
  // numbers per (T, N) cell for the T* table: 10^7 cells are about 1 GB.
  // 10^12 rows would be ~100 TB of runs.csv: a bound against typos.
  static constexpr std::int64_t max_grid_cells = 10'000'000;
  static constexpr std::int64_t max_grid_rows = 1'000'000'000'000;

 private:
  void check_grid_size(const ExperimentSettings& s) const;
};

}  // namespace cli
}  // namespace horizon
