// CPU backend throughput on the logistic sweep of issue #6's speed target:
// generated logistic problem d = 20, K = 3, 200 examples per domain (500
// validation examples, aligned = 2, λ = 0.01, problem seed 7),
// T ∈ {1, 4, 16, 64}, N = 4000, 64 seeds, inner lr 0.5, outer lr 1.0,
// exponentiated update, constant schedules, in one of two modes:
//   --mode full       exact gradients (gaussian noise with σ = 0): every seed is
//                     the same run, but Backend::run still computes all specs
//                     it is given, which is the work timed here;
//   --mode minibatch  minibatch noise, B = 32 examples per domain per step.
// Prints one JSON line: wall seconds (best of --repeats), run-steps/s, the time
// the metrics of all checkpoints take alone on one thread (scoring_s_1thread;
// it is part of wall_s), and the sweep's parameters, so bench/numpy_logistic.py
// can time identical work.
// `--smoke` runs a tiny grid (CTest bench_logistic_smoke); `--problem-out F`
// writes the problem (horizon's logistic JSON, data inline); `--seeds S`
// changes the seed count; `--results-out F` writes every run's final T, seed,
// w, θ and val_loss (of the last repeat) so bench/check_numpy_logistic.py can
// compare the very runs that were timed.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iostream>
#include <string>

#include <nlohmann/json.hpp>

#include "horizon/backend.hpp"
#include "horizon/metrics.hpp"
#include "horizon/problem.hpp"
#include "lanes/lane_isa.hpp"

int main(int argc, char** argv) {
  using namespace horizon;
  bool smoke = false;
  int threads = 0, repeats = 3, batch = 32, seeds_arg = 0;
  std::string problem_out, results_out, mode = "full";
  for (int i = 1; i < argc; ++i) {
    if (!std::strcmp(argv[i], "--smoke")) smoke = true;
    else if (!std::strcmp(argv[i], "--threads") && i + 1 < argc) threads = std::atoi(argv[++i]);
    else if (!std::strcmp(argv[i], "--repeats") && i + 1 < argc) repeats = std::atoi(argv[++i]);
    else if (!std::strcmp(argv[i], "--problem-out") && i + 1 < argc) problem_out = argv[++i];
    else if (!std::strcmp(argv[i], "--mode") && i + 1 < argc) mode = argv[++i];
    else if (!std::strcmp(argv[i], "--batch") && i + 1 < argc) batch = std::atoi(argv[++i]);
    else if (!std::strcmp(argv[i], "--seeds") && i + 1 < argc) seeds_arg = std::atoi(argv[++i]);
    else if (!std::strcmp(argv[i], "--results-out") && i + 1 < argc) results_out = argv[++i];
    else {
      std::cerr << "usage: horizon_bench_logistic [--smoke] [--mode full|minibatch] [--batch B] [--threads N] "
                   "[--repeats R] [--seeds S] [--problem-out FILE] [--results-out FILE]\n";
      return 2;
    }
  }
  if (mode != "full" && mode != "minibatch") {
    std::cerr << "horizon_bench_logistic: --mode must be full or minibatch (got " << mode << ")\n";
    return 2;
  }
  if (repeats < 1 || batch < 1 || seeds_arg < 0) {
    std::cerr << "horizon_bench_logistic: --repeats and --batch must be >= 1, --seeds >= 1\n";
    return 2;
  }

  LogisticGeneratorParams g;
  g.d = 20;
  g.K = 3;
  g.examples = 200;
  g.validation_examples = 500;
  g.aligned = 2;
  g.seed = 7;
  g.lambda = 0.01;
  const Problem p = generate_logistic(g);
  const auto& lp = std::get<LogisticProblem>(p);
  if (!problem_out.empty()) std::ofstream(problem_out) << logistic_to_json(lp).dump(2) << '\n';

  AlgorithmConfig cfg;
  cfg.inner.eta0 = 0.5;
  cfg.outer.alpha0 = 1.0;
  cfg.update = UpdateKind::exponentiated;
  if (mode == "full") {
    cfg.noise_kind = NoiseKind::gaussian;
    cfg.noise_sigma = 0.0;
  } else {
    cfg.noise_kind = NoiseKind::minibatch;
    cfg.batch = batch;
  }
  const std::vector<std::int64_t> Ts = smoke ? std::vector<std::int64_t>{1, 4} : std::vector<std::int64_t>{1, 4, 16, 64};
  const std::int64_t N = smoke ? 20 : 4000, seeds = seeds_arg > 0 ? seeds_arg : (smoke ? 2 : 64);
  std::vector<RunSpec> specs;
  for (std::int64_t T : Ts)
    for (std::int64_t s = 0; s < seeds; ++s) specs.push_back({T, static_cast<std::uint64_t>(s)});

  auto backend = make_cpu_backend(threads);
  double best = 1e300;
  std::vector<double> walls;
  std::vector<RunResult> results;
  for (int r = 0; r < (smoke ? 1 : repeats); ++r) {
    const auto t0 = std::chrono::steady_clock::now();
    results = backend->run(p, cfg, specs, {N});
    const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    walls.push_back(wall);
    best = std::min(best, wall);
    if (results.size() != specs.size()) return 1;
  }
  // Backend::run also scores every checkpoint (val_loss, val_acc, and phi and
  // fw_gap via Newton's method for θ*(w)), which a trajectories-only peer does
  // not do. Timed again here, alone, on one thread, so its share can be read.
  const Evaluator eval(p);
  const auto s0 = std::chrono::steady_clock::now();
  for (RunResult& r : results)
    for (Checkpoint& c : r.checkpoints) eval.score(c);
  const double scoring_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - s0).count();
  if (!results_out.empty()) {
    nlohmann::json rows = nlohmann::json::array();
    for (const RunResult& r : results)
      for (const Checkpoint& c : r.checkpoints)
        rows.push_back({{"T", r.spec.T}, {"seed", r.spec.seed}, {"N", c.N}, {"rounds", c.rounds},
                        {"diverged", c.diverged}, {"val_loss", c.val_loss}, {"w", c.w}, {"theta", c.theta}});
    std::ofstream(results_out) << nlohmann::json{{"mode", mode}, {"results", rows}}.dump() << '\n';
  }
  const double run_steps = static_cast<double>(specs.size()) * N;
  // docs/algorithm.md §7: ≈ 4·B·d·(K+1) flops per domain per run-step (B = examples used).
  int examples_per_step = 0;
  for (const Dataset& dom : lp.domains) examples_per_step += mode == "full" ? dom.n : batch;
  nlohmann::json out = {{"benchmark", "logistic_sweep"},
                        {"backend", backend->description()},
                        {"mode", mode},
                        {"d", lp.d}, {"K", lp.K},
                        {"examples", g.examples}, {"validation_examples", g.validation_examples},
                        {"lambda", lp.lambda}, {"problem_seed", g.seed}, {"aligned", g.aligned},
                        {"noise_kind", to_string(cfg.noise_kind)}, {"noise", cfg.noise_sigma},
                        {"batch", mode == "minibatch" ? batch : 0},
                        {"inner_lr", cfg.inner.eta0}, {"outer_lr", cfg.outer.alpha0},
                        {"update", to_string(cfg.update)},
                        {"T", Ts}, {"N", N}, {"seeds", seeds},
                        {"runs", specs.size()},
                        {"repeats", walls.size()},
                        {"walls_s", walls},
                        {"wall_s", best},
                        {"run_steps_per_s", run_steps / best},
                        {"scoring_s_1thread", scoring_s},
                        {"flops_per_s", run_steps * 4.0 * examples_per_step * lp.d * (lp.K + 1) / best},
                        {"lane_isa", reference::lane_isa_name(reference::lane_isa())}};
  std::cout << out.dump() << '\n';
  return 0;
}
