// Logistic domains: the sensitivity is the derivative of the unrolled map
// (full and minibatch), the T → ∞ limit is the implicit hypergradient, forks
// equal standalone runs, CSV and inline data give identical runs, minibatch
// gradients are unbiased, and bad input is rejected with its message.
#include <gtest/gtest.h>

#include <cmath>

#include "horizon/analysis.hpp"
#include "horizon/backend.hpp"
#include "horizon/sweep.hpp"
#include "horizon/error.hpp"
#include "horizon/metrics.hpp"
#include "horizon/rng.hpp"
#include "reference/reference.hpp"
#include "support.hpp"

namespace horizon {
namespace {

using nlohmann::json;

LogisticProblem small_logistic(std::uint64_t seed, int d = 4, int K = 3, int examples = 30) {
  LogisticGeneratorParams g;
  g.d = d;
  g.K = K;
  g.examples = examples;
  g.validation_examples = 40;
  g.lambda = 0.05;
  g.lambda_v = 0.01;
  g.aligned = K - 1;
  g.seed = seed;
  return generate_logistic(g);
}

AlgorithmConfig minibatch(int B) {
  AlgorithmConfig cfg = test::basic_config(0.5, 1.0);
  cfg.noise_kind = NoiseKind::minibatch;
  cfg.batch = B;
  return cfg;
}

class LogisticFD : public ::testing::TestWithParam<int> {};  // batch size, 0 = full gradients

TEST_P(LogisticFD, SensitivityMatchesCentralDifferences) {
  const int B = GetParam();
  const LogisticProblem p = small_logistic(3);
  const AlgorithmConfig cfg = B ? minibatch(B) : test::basic_config(0.5, 1.0);
  const std::vector<double> theta = {0.2, -0.1, 0.3, 0.05}, w = {0.2, 0.3, 0.5};
  const RunSpec spec{6, 11};
  const auto base = reference::probe_round(p, cfg, spec, theta, w, 17);
  const double eps = 1e-5;
  for (int j = 0; j < 3; ++j) {
    std::vector<double> wp = w, wm = w;
    wp[j] += eps;
    wm[j] -= eps;
    const auto plus = reference::probe_round(p, cfg, spec, theta, wp, 17);
    const auto minus = reference::probe_round(p, cfg, spec, theta, wm, 17);
    double scale = 0;
    for (int i = 0; i < 4; ++i) scale = std::max(scale, std::abs(base.S[i * 3 + j]));
    for (int i = 0; i < 4; ++i)
      EXPECT_NEAR(base.S[i * 3 + j], (plus.theta[i] - minus.theta[i]) / (2 * eps), 1e-6 * scale) << i << "," << j;
  }
}

INSTANTIATE_TEST_SUITE_P(Batches, LogisticFD, ::testing::Values(0, 1, 8));

TEST(Logistic, LongHorizonAtThetaStarGivesImplicitHypergradient) {
  const LogisticProblem p = small_logistic(5);
  const std::vector<double> w = {0.3, 0.3, 0.4};
  const MixtureMetrics m = Evaluator(p).mixture(w.data());
  // Curvature ≥ λ = 0.05 and ≤ λ + ‖x‖²/4: η = 1 contracts; T = 3000 leaves (1 − 0.05)^3000 ≈ 1e-67.
  const auto probe = reference::probe_round(p, test::basic_config(1.0, 1.0), {3000, 0}, m.theta_star, w, 0);
  double scale = 0;
  for (double g : m.grad) scale = std::max(scale, std::abs(g));
  for (int j = 0; j < 3; ++j) EXPECT_NEAR(probe.h[j], m.grad[j], 1e-10 * scale);
}

TEST(Logistic, NewtonSolutionIsStationaryAndPhiGradientMatchesDifferences) {
  const LogisticProblem p = small_logistic(6);
  const Evaluator eval(p);
  const std::vector<double> w = {0.5, 0.25, 0.25};
  const MixtureMetrics m = eval.mixture(w.data());
  for (int j = 0; j < 3; ++j) {
    std::vector<double> wp = w, wm = w;
    wp[j] += 1e-6;
    wm[j] -= 1e-6;
    const double fd = (eval.mixture(wp.data()).phi - eval.mixture(wm.data()).phi) / 2e-6;
    EXPECT_NEAR(m.grad[j], fd, 1e-6 * (1 + std::abs(fd)));
  }
  const double acc = eval.val_acc(m.theta_star.data());
  EXPECT_GT(acc, 0.5);
  EXPECT_LE(acc, 1.0);
}

TEST(Logistic, ForkEqualsStandaloneWithMinibatches) {
  const LogisticProblem p = small_logistic(7);
  const AlgorithmConfig cfg = minibatch(5);
  auto backend = make_cpu_backend(1);
  const std::vector<std::int64_t> budgets = {3, 10, 41};
  const RunResult forked = backend->run(p, cfg, {{4, 2}}, budgets).front();
  for (std::size_t i = 0; i < budgets.size(); ++i) {
    const RunResult alone = backend->run(p, cfg, {{4, 2}}, {budgets[i]}).front();
    EXPECT_EQ(forked.checkpoints[i].theta, alone.checkpoints[0].theta);
    EXPECT_EQ(forked.checkpoints[i].w, alone.checkpoints[0].w);
    EXPECT_EQ(forked.checkpoints[i].val_acc, alone.checkpoints[0].val_acc);
  }
  // Different seeds draw different minibatches.
  const RunResult other = backend->run(p, cfg, {{4, 3}}, {41}).front();
  EXPECT_NE(other.checkpoints[0].theta, forked.checkpoints[2].theta);
}

TEST(Logistic, MinibatchGradientIsUnbiased) {
  // Mean of the B = 4 minibatch gradient over 20000 steps vs the full
  // gradient: each coordinate within 5 standard errors (sd estimated from
  // the draws themselves).
  const LogisticProblem p = small_logistic(8, 4, 1, 25);
  const std::vector<double> theta = {0.3, -0.2, 0.1, 0.4}, w = {1.0};
  const int draws = 20000;
  std::vector<double> sum(4, 0.0), sq(4, 0.0);
  const AlgorithmConfig cfg = minibatch(4);
  for (int n = 0; n < draws; ++n) {
    // One step's gradient: θ_1 = θ − η ĝ, so ĝ = (θ − θ_1)/η with T = 1 at step n.
    const auto probe = reference::probe_round(p, cfg, {1, 99}, theta, w, n);
    for (int i = 0; i < 4; ++i) {
      const double g = (theta[i] - probe.theta[i]) / cfg.inner.eta0;
      sum[i] += g;
      sq[i] += g * g;
    }
  }
  AlgorithmConfig full = test::basic_config(cfg.inner.eta0, 1.0);
  const auto exact = reference::probe_round(p, full, {1, 99}, theta, w, 0);
  for (int i = 0; i < 4; ++i) {
    const double mean = sum[i] / draws, var = sq[i] / draws - mean * mean;
    const double g = (theta[i] - exact.theta[i]) / full.inner.eta0;
    EXPECT_NEAR(mean, g, 5 * std::sqrt(var / draws)) << i;
  }
}

TEST(Logistic, CsvAndInlineDataGiveIdenticalRuns) {
  const LogisticProblem p = small_logistic(9);
  const std::string dir = test::temp_dir("logistic_csv");
  json inline_json = logistic_to_json(p), csv_json = inline_json;
  for (int k = 0; k < p.K; ++k) {
    const std::string name = "d" + std::to_string(k) + ".csv";
    write_dataset_csv(dir + "/" + name, p.domains[k], p.d);
    csv_json["domains"][k].erase("X");
    csv_json["domains"][k].erase("y");
    csv_json["domains"][k]["data"] = name;
  }
  write_dataset_csv(dir + "/val.csv", p.validation, p.d);
  csv_json["validation"] = {{"data", "val.csv"}, {"lambda", p.lambda_v}};
  test::write_file(dir + "/inline.json", inline_json.dump());
  test::write_file(dir + "/csv.json", csv_json.dump());
  const Problem a = load_problem(dir + "/inline.json"), b = load_problem(dir + "/csv.json");
  const AlgorithmConfig cfg = minibatch(3);
  auto backend = make_cpu_backend(1);
  const RunResult ra = backend->run(a, cfg, {{3, 1}}, {20}).front(), rb = backend->run(b, cfg, {{3, 1}}, {20}).front();
  EXPECT_EQ(ra.checkpoints[0].theta, rb.checkpoints[0].theta);
  EXPECT_EQ(ra.checkpoints[0].w, rb.checkpoints[0].w);
  EXPECT_EQ(ra.checkpoints[0].val_loss, rb.checkpoints[0].val_loss);
  EXPECT_EQ(ra.checkpoints[0].val_acc, rb.checkpoints[0].val_acc);
}

void expect_rejected(const json& j, const std::string& dir, const std::string& needle) {
  try {
    problem_from_json(j, "p", dir);
    ADD_FAILURE() << "accepted, expected: " << needle;
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
  }
}

TEST(Logistic, RejectsEachBadInput) {
  const std::string dir = test::temp_dir("logistic_bad");
  const json good = json::parse(R"({"kind":"logistic","lambda":0.1,
    "domains":[{"name":"a","X":[[1,2],[3,4]],"y":[1,-1]},{"X":[[0,1]],"y":[0]}],
    "validation":{"X":[[1,1]],"y":[1],"lambda":0.0}})");
  EXPECT_NO_THROW(problem_from_json(good, "p", dir));
  json j = good;
  j["lambda"] = 0;
  expect_rejected(j, dir, "p.lambda: must be a finite number > 0");
  j = good;
  j["validation"]["lambda"] = -1;
  expect_rejected(j, dir, "p.validation.lambda: must be a finite number >= 0");
  j = good;
  j["domains"][0]["y"][1] = 2;
  expect_rejected(j, dir, "p.domains[0].y[1]: label must be -1, +1 (or 0/1) (got 2)");
  j = good;
  j["domains"][0]["X"][1] = json::parse("[3]");
  expect_rejected(j, dir, "p.domains[0].X[1]: has 1 features, row 0 has 2");
  j = good;
  j["domains"][1]["X"] = json::parse("[[0,1,2]]");
  expect_rejected(j, dir, "p.domains[1]: has 3 features, p.domains[0] has 2");
  j = good;
  j["domains"][0]["y"] = json::parse("[1]");
  expect_rejected(j, dir, "p.domains[0]: X has 2 rows but y has 1 labels");
  j = good;
  j["domains"][1] = json::parse(R"({"X":[],"y":[]})");
  expect_rejected(j, dir, "p.domains[1]: has no examples");
  j = good;
  j["domains"][0]["X"][0][1] = "x";
  expect_rejected(j, dir, "p.domains[0].X[0][1]: expected a number");
  j = good;
  j["domains"][0] = {{"data", "missing.csv"}};
  expect_rejected(j, dir, "p.domains[0].data: cannot read file");
  test::write_file(dir + "/noy.csv", "a,b\n1,2\n");
  j["domains"][0] = {{"data", "noy.csv"}};
  expect_rejected(j, dir, "has no column named y");
  test::write_file(dir + "/bad.csv", "x0,x1,y\n1,2,1\n3,abc,-1\n");
  j["domains"][0] = {{"data", "bad.csv"}};
  expect_rejected(j, dir, "bad.csv row 3: column x1: not a finite number (got 'abc')");
  test::write_file(dir + "/label.csv", "x0,x1,y\n1,2,3\n");
  j["domains"][0] = {{"data", "label.csv"}};
  expect_rejected(j, dir, "label.csv row 2 column y: label must be -1, +1 (or 0/1) (got 3)");
  test::write_file(dir + "/twoy.csv", "x0,y,y\n1,1,1\n");
  j["domains"][0] = {{"data", "twoy.csv"}};
  expect_rejected(j, dir, "twoy.csv' has more than one column named y");
  j = good;
  j["domains"][0]["lambda"] = 0.5;  // λ is the problem's, not a domain's: a typo, not a setting
  expect_rejected(j, dir, "p.domains[0].lambda: unknown key");
  j = good;
  j["theta_0"] = json::parse("[1,1]");
  expect_rejected(j, dir, "p.theta_0: unknown key");
}

TEST(Logistic, QuotedCsvHeaderReadsLikeThePlainOne) {
  const std::string dir = test::temp_dir("logistic_quoted");
  test::write_file(dir + "/plain.csv", "x0,x1,y\n1,2,1\n3,4,0\n");
  test::write_file(dir + "/quoted.csv", "\"x0\",\"x1\",\"y\"\n1,2,1\n3,4,0\n");
  const Dataset a = read_dataset_csv(dir + "/plain.csv", "plain"), b = read_dataset_csv(dir + "/quoted.csv", "quoted");
  EXPECT_EQ(a.X, b.X);
  EXPECT_EQ(a.y, b.y);
  EXPECT_EQ(b.y, (std::vector<double>{1, -1}));
}

TEST(Logistic, SweepWritesAccuracyAndAnalyzeMaximisesIt) {
  const LogisticProblem p = small_logistic(10);
  const std::string dir = test::temp_dir("logistic_sweep");
  SweepOptions opts;
  opts.out_dir = dir;
  const SweepOutcome o = run_sweep(p, minibatch(4), {{1, 4, 16}, {40, 80}, 3, 0}, *make_cpu_backend(2), opts);
  const std::vector<SweepRow> rows = read_runs_csv(dir + "/runs.csv");
  ASSERT_EQ(static_cast<std::int64_t>(rows.size()), o.rows);
  for (const SweepRow& r : rows) {
    EXPECT_TRUE(std::isfinite(r.val_acc));
    EXPECT_GE(r.val_acc, 0.0);
    EXPECT_LE(r.val_acc, 1.0);
  }
  AnalysisOptions ao;
  ao.metric = Metric::val_acc;
  ao.bootstrap = 50;
  const Analysis a = analyze(rows, ao);
  for (const NAnalysis& na : a.per_N) {
    const double best = na.grid.curve[na.grid.star_index].mean;
    for (const CurvePoint& cp : na.grid.curve) EXPECT_LE(cp.mean, best);  // argmax, not argmin
  }
  // Quadratic sweeps have no accuracy: asking for it is an error.
  const std::string qdir = test::temp_dir("quadratic_no_acc");
  SweepOptions qopts;
  qopts.out_dir = qdir;
  run_sweep(test::random_problem(3, 2, true, 1), test::basic_config(), {{1, 2}, {10}, 1, 0}, *make_cpu_backend(1), qopts);
  EXPECT_THROW(analyze(read_runs_csv(qdir + "/runs.csv"), ao), InputError);
}

TEST(Logistic, GpuIsRefusedAndMinibatchNeedsData) {
  std::ostringstream notices;
  EXPECT_THROW(make_backend({"cuda", 1, {}}, notices, "logistic"), InputError);
  EXPECT_EQ(make_backend({"auto", 1, {}}, notices, "logistic")->name(), "cpu");
  EXPECT_NE(notices.str().find("not on the GPU yet"), std::string::npos);
  const QuadraticProblem q = test::random_problem(3, 2, true, 1);
  EXPECT_THROW(make_cpu_backend(1)->run(q, minibatch(2), {{1, 0}}, {5}), InputError);
}

}  // namespace
}  // namespace horizon
