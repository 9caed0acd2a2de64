// Command-line flags shared by `run` and `sweep`, layered over presets and
// config files (experiment.hpp). Flags are taken as text and parsed by
// parse.hpp so every bad value gets the same one-line error.
#pragma once

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
  // preset < config < flags.
  ExperimentSettings settings(bool T_is_list) const;
};

}  // namespace cli
}  // namespace horizon
