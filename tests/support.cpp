#include "support.hpp"

#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace horizon {
namespace test {

QuadraticProblem random_problem(int d, int K, bool diagonal, std::uint64_t seed, double mu, double L) {
  GeneratorParams g;
  g.d = d;
  g.K = K;
  g.diagonal = diagonal;
  g.seed = seed;
  g.mu = mu;
  g.L = L;
  g.aligned = K - 1;
  return generate_quadratic(g);
}

AlgorithmConfig basic_config(double eta, double alpha) {
  AlgorithmConfig c;
  c.inner.eta0 = eta;
  c.outer.alpha0 = alpha;
  return c;
}

std::string temp_dir(const std::string& name) {
  // The pid keeps tests that CTest runs in parallel processes apart.
  const auto dir = std::filesystem::temp_directory_path() /
                   ("horizon_test_" + std::to_string(getpid()) + "_" + name);
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir.string();
}

void write_file(const std::string& path, const std::string& text) { std::ofstream(path) << text; }

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

CommandResult run_cli(const std::string& args) { return run_cli_under("", args); }

CommandResult run_cli_under(const std::string& launcher, const std::string& args) {
  static int counter = 0;
  const std::string dir = temp_dir("cli" + std::to_string(counter++));
  const std::string out = dir + "/out", err = dir + "/err";
  const std::string cmd = launcher + (launcher.empty() ? "" : " ") + std::string(HORIZON_BINARY) + " " + args + " >" + out + " 2>" + err + " </dev/null";
  const int status = std::system(cmd.c_str());
  CommandResult r;
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  r.out = read_file(out);
  r.err = read_file(err);
  return r;
}

}  // namespace test
}  // namespace horizon
