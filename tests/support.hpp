// Small helpers shared by the tests: problems built in code, CLI invocation.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "horizon/config.hpp"
#include "horizon/problem.hpp"

namespace horizon {
namespace test {

// A random dense or diagonal problem from the generator (fresh seed per call site).
QuadraticProblem random_problem(int d, int K, bool diagonal, std::uint64_t seed, double mu = 0.2, double L = 1.0);

AlgorithmConfig basic_config(double eta = 0.3, double alpha = 0.5);

struct CommandResult {
  int exit_code = 0;
  std::string out, err;
};
// Runs the horizon binary with `args` (a shell-quoted string).
CommandResult run_cli(const std::string& args);
// The same under `launcher` (a shell-quoted prefix such as
// "env OMP_NUM_THREADS=3" or "taskset -c 0").
CommandResult run_cli_under(const std::string& launcher, const std::string& args);

std::string temp_dir(const std::string& name);  // fresh, empty
void write_file(const std::string& path, const std::string& text);
std::string read_file(const std::string& path);

}  // namespace test
}  // namespace horizon
