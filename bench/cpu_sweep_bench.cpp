// CPU backend throughput on the sweep of issue #2's speed target:
// dense d = 5, K = 3, T ∈ {1, 4, 16, 64}, N = 4000, 64 seeds, gaussian noise.
// Prints JSON: wall seconds, run-steps/s, and the same sweep's parameters so
// bench/numpy_sweep.py can time identical work. `--smoke` runs a tiny grid
// (used by CTest so this code cannot rot); `--problem-out F` writes the problem.
#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iostream>
#include <string>

#include <nlohmann/json.hpp>

#include "horizon/backend.hpp"
#include "horizon/problem.hpp"
#include "lanes/lane_isa.hpp"

int main(int argc, char** argv) {
  using namespace horizon;
  bool smoke = false;
  int threads = 0, repeats = 3;
  double noise = 0.1;
  std::string problem_out;
  for (int i = 1; i < argc; ++i) {
    if (!std::strcmp(argv[i], "--smoke")) smoke = true;
    else if (!std::strcmp(argv[i], "--threads") && i + 1 < argc) threads = std::atoi(argv[++i]);
    else if (!std::strcmp(argv[i], "--repeats") && i + 1 < argc) repeats = std::atoi(argv[++i]);
    else if (!std::strcmp(argv[i], "--problem-out") && i + 1 < argc) problem_out = argv[++i];
    else if (!std::strcmp(argv[i], "--noise") && i + 1 < argc) noise = std::atof(argv[++i]);
    else {
      std::cerr << "usage: horizon_bench_cpu [--smoke] [--threads N] [--repeats R] [--noise SIGMA] [--problem-out FILE]\n";
      return 2;
    }
  }
  GeneratorParams g;
  g.d = 5;
  g.K = 3;
  g.mu = 0.1;
  g.L = 1.0;
  g.aligned = 2;
  g.seed = 7;
  const QuadraticProblem p = generate_quadratic(g);
  if (!problem_out.empty()) std::ofstream(problem_out) << quadratic_to_json(p).dump(2) << '\n';

  AlgorithmConfig cfg;
  cfg.inner.eta0 = 0.5;
  cfg.outer.alpha0 = 0.5;
  cfg.noise_sigma = noise;
  const std::vector<std::int64_t> Ts = smoke ? std::vector<std::int64_t>{1, 4} : std::vector<std::int64_t>{1, 4, 16, 64};
  const std::int64_t N = smoke ? 50 : 4000, seeds = smoke ? 3 : 64;
  std::vector<RunSpec> specs;
  for (std::int64_t T : Ts)
    for (std::int64_t s = 0; s < seeds; ++s) specs.push_back({T, static_cast<std::uint64_t>(s)});

  auto backend = make_cpu_backend(threads);
  double best = 1e300;
  for (int r = 0; r < (smoke ? 1 : repeats); ++r) {
    const auto t0 = std::chrono::steady_clock::now();
    const auto results = backend->run(p, cfg, specs, {N});
    best = std::min(best, std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
    if (results.size() != specs.size()) return 1;
  }
  const double run_steps = static_cast<double>(specs.size()) * N;
  nlohmann::json out = {{"benchmark", "cpu_sweep"},
                        {"backend", backend->description()},
                        {"d", p.d}, {"K", p.K}, {"T", Ts}, {"N", N}, {"seeds", seeds}, {"noise", cfg.noise_sigma},
                        {"runs", specs.size()},
                        {"wall_s", best},
                        {"run_steps_per_s", run_steps / best},
                        {"flops_per_s", run_steps * 4.0 * p.K * p.d * p.d / best},
                        // K·d standard normals per run-step when σ > 0 (the roofline's second axis)
                        {"normals_per_s", cfg.noise_sigma > 0 ? run_steps * p.K * p.d / best : 0.0},
                        {"lane_isa", reference::lane_isa_name(reference::lane_isa())}};
  std::cout << out.dump() << '\n';
  return 0;
}
