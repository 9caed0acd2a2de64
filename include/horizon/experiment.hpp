// horizon/experiment.hpp — an experiment's settings, layered.
//
// Sources, later overriding earlier: a preset (presets/NAME.toml, embedded in
// the binary), a config file (--config FILE.toml), then command-line flags.
// Every field is optional until `resolve_*` checks that what a command needs
// is present. The TOML layout (every table and key optional):
//
//   description = "…"
//   [problem]   file = "p.json"            # relative to the TOML file
//               # or the problem's JSON inline:  json = '''{"kind": …}'''
//               # or a generator:
//               generator = { d = 5, K = 3, mu = 0.1, L = 1.0, dense = true,
//                             aligned = 2, spread = 1.0, lean = 0.25, seed = 1 }
//               generator = { kind = "logistic", d = 20, K = 3, examples = 200,
//                             validation_examples = 500, label_noise = 0.1,
//                             spread = 0.6, shift = 0.5, aligned = 2,
//                             lambda = 0.01, lambda_v = 0.0, seed = 1 }
//   [algorithm] inner_lr, outer_lr, inner_schedule, inner_decay, restart,
//               outer_schedule, update, noise, noise_kind, batch
//   [grid]      T = [1, 2, 4] or "1..64*2";  N = …;  seeds;  seed0
//   [run]       backend, threads, out, precision ("double" | "float"),
//               gpu_path ("auto" | "fused" | "gemm"), shard ("I/N"),
//               progress_every (seconds between progress lines in a batch log)
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "horizon/backend.hpp"
#include "horizon/config.hpp"
#include "horizon/problem.hpp"

namespace horizon {

struct ExperimentSettings {
  std::string description;
  // problem: a file or a generator
  std::optional<std::string> problem_file;
  std::optional<std::string> problem_json;  // inline JSON text
  std::string problem_origin;               // names the inline JSON in errors
  std::string problem_base_dir = ".";       // resolves its data files
  std::optional<GeneratorParams> generator;
  std::optional<LogisticGeneratorParams> logistic_generator;
  // algorithm
  std::optional<double> inner_lr, outer_lr, inner_decay, noise;
  std::optional<bool> restart;
  std::optional<InnerScheduleKind> inner_schedule;
  std::optional<OuterScheduleKind> outer_schedule;
  std::optional<UpdateKind> update;
  std::optional<NoiseKind> noise_kind;
  std::optional<int> batch;
  // grid
  std::optional<std::vector<std::int64_t>> T, N;
  std::optional<std::int64_t> seeds;
  std::optional<std::uint64_t> seed0;
  // run
  std::optional<std::string> backend, out, precision, gpu_path, shard;
  std::optional<int> threads;
  std::optional<double> progress_every;

  // Fields set in `over` replace ours.
  void merge(const ExperimentSettings& over);
};

// "I/N" → shard I of N; InputError naming `field` unless 0 ≤ I < N.
void parse_shard(const std::string& text, const std::string& field, int* index, int* count);

// Parses TOML text; `origin` names it in errors, `base_dir` resolves
// relative problem files.
ExperimentSettings settings_from_toml(const std::string& text, const std::string& origin,
                                      const std::string& base_dir);
ExperimentSettings load_settings_file(const std::string& path);
ExperimentSettings load_preset(const std::string& name);  // InputError for an unknown name
std::vector<std::string> preset_names();

// The algorithm config with defaults for what is unset; validated.
AlgorithmConfig resolve_algorithm(const ExperimentSettings& s);
// The backend settings (--backend, --threads, --precision, --gpu-path).
BackendChoice resolve_backend(const ExperimentSettings& s);

// The problem (file, inline JSON or generator); InputError when none is set.
Problem resolve_problem(const ExperimentSettings& s);

}  // namespace horizon
