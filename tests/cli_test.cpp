// The command line: JSON output of `run`, and bad input → one line naming the
// field and value, exit 2, never a crash. Diverging runs exit 0, flagged.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "support.hpp"

namespace horizon {
namespace {

const std::string tiny = std::string(" --problem ") + HORIZON_TEST_DATA + "/tiny.json";
const std::string good = tiny + " --T 3 --N 20 --inner-lr 0.2 --outer-lr 0.5 --backend cpu";

int lines(const std::string& s) {
  int n = 0;
  for (char c : s) n += c == '\n';
  return n;
}

void expect_bad(const std::string& args, const std::string& needle) {
  const test::CommandResult r = test::run_cli(args);
  EXPECT_EQ(r.exit_code, 2) << args << "\n" << r.err;
  EXPECT_EQ(lines(r.err), 1) << args << "\n" << r.err;
  EXPECT_NE(r.err.find(needle), std::string::npos) << args << "\nstderr: " << r.err;
  EXPECT_TRUE(r.out.empty()) << args;
}

TEST(Cli, RunPrintsCheckpointsJson) {
  const test::CommandResult r = test::run_cli("run" + good + " --checkpoints 5,10 --noise 0.1 --seed 3");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto j = nlohmann::json::parse(r.out);
  ASSERT_EQ(j["checkpoints"].size(), 3u);
  const auto& c = j["checkpoints"][2];
  EXPECT_EQ(c["N"], 20);
  EXPECT_EQ(c["rounds"], 6);
  EXPECT_EQ(c["steps"], 20);
  EXPECT_EQ(c["w"].size(), 2u);
  EXPECT_EQ(c["theta"].size(), 2u);
  EXPECT_FALSE(c["diverged"].get<bool>());
  for (const char* k : {"val_loss", "phi", "fw_gap"}) EXPECT_TRUE(c[k].is_number()) << k;
  const test::CommandResult table = test::run_cli("run" + good + " --format table");
  EXPECT_EQ(table.exit_code, 0);
  EXPECT_NE(table.out.find("val_loss"), std::string::npos);
}

TEST(Cli, DivergingRunIsAResult) {
  const test::CommandResult r = test::run_cli("run" + tiny + " --T 2 --N 3000 --inner-lr 40 --outer-lr 1 --backend cpu");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto c = nlohmann::json::parse(r.out)["checkpoints"][0];
  EXPECT_TRUE(c["diverged"].get<bool>());
  EXPECT_TRUE(c["val_loss"].is_null());
}

TEST(Cli, BadNumbers) {
  expect_bad("run" + tiny + " --T 0 --N 20 --inner-lr 0.2 --outer-lr 0.5", "--T: must be a positive integer (got '0')");
  expect_bad("run" + tiny + " --T abc --N 20 --inner-lr 0.2 --outer-lr 0.5", "--T: must be a positive integer (got 'abc')");
  expect_bad("run" + tiny + " --T 2 --N -5 --inner-lr 0.2 --outer-lr 0.5", "--N: must be a positive integer (got '-5')");
  expect_bad("run" + tiny + " --T 2 --N 2.5 --inner-lr 0.2 --outer-lr 0.5", "--N: must be a positive integer (got '2.5')");
  expect_bad("run" + tiny + " --T 2 --N 20 --inner-lr -0.2 --outer-lr 0.5", "--inner-lr: must be a finite number > 0 (got '-0.2')");
  expect_bad("run" + tiny + " --T 2 --N 20 --inner-lr nan --outer-lr 0.5", "--inner-lr: must be a finite number > 0 (got 'nan')");
  expect_bad("run" + tiny + " --T 2 --N 20 --inner-lr 0.2 --outer-lr inf", "--outer-lr: must be a finite number > 0 (got 'inf')");
  expect_bad("run" + tiny + " --T 2 --N 20 --inner-lr 0.2 --outer-lr x1", "--outer-lr: must be a number (got 'x1')");
  expect_bad("run" + good + " --noise -1", "--noise: must be a finite number >= 0 (got '-1')");
  expect_bad("run" + good + " --inner-decay -0.1", "--inner-decay: must be a finite number >= 0");
  expect_bad("run" + good + " --seed -3", "--seed: must be an integer");
  expect_bad("run" + good + " --checkpoints 5,50", "--checkpoints: 50 exceeds --N 20");
  expect_bad("sweep" + tiny + " --T 1,x --N 10 --inner-lr 0.1 --outer-lr 0.1", "--T: must be a positive integer (got 'x')");
  expect_bad("sweep" + tiny + " --T 8..2 --N 10 --inner-lr 0.1 --outer-lr 0.1", "--T: range end below its start");
  expect_bad("sweep" + tiny + " --T 1 --N 10 --inner-lr 0.1 --outer-lr 0.1 --seeds 0", "--seeds: must be a positive integer (got '0')");
}

TEST(Cli, BadNamesAndFlags) {
  expect_bad("run" + good + " --update greedy", "--update: unknown value 'greedy'");
  expect_bad("run" + good + " --inner-schedule cosine", "--inner-schedule: unknown value 'cosine'");
  expect_bad("run" + good + " --outer-schedule linear", "--outer-schedule: unknown value 'linear'");
  expect_bad("run" + tiny + " --T 3 --N 20 --inner-lr 0.2 --outer-lr 0.5 --backend tpu", "--backend: unknown value 'tpu'");
  expect_bad("run" + good + " --format xml", "--format: unknown value 'xml'");
  expect_bad("run" + good + " --precision half", "--precision: unknown value 'half'");
  expect_bad("run" + good + " --precision float", "--precision: float needs the CUDA backend");
  expect_bad("run" + good + " --gpu-path magic", "--gpu-path: unknown value 'magic'");
  expect_bad("run" + good + " --noise-kind minibatch --batch 4", "--noise-kind: minibatch needs a data-backed (logistic) problem");
  expect_bad("run" + good + " --noise-kind poisson", "--noise-kind: unknown value 'poisson'");
  expect_bad("run" + good + " --noise-kind minibatch", "--batch: minibatch noise needs a batch size >= 1");
  expect_bad("run" + good + " --bogus 1", "--bogus");
  expect_bad("frobnicate", "unknown command 'frobnicate'");
  expect_bad("run --problem x.json --N 20 --inner-lr 0.2 --outer-lr 0.5", "--T: required");
  expect_bad("run" + tiny + " --T 2 --N 20 --outer-lr 0.5", "--inner-lr: required");
  expect_bad("run --T 2 --N 20 --inner-lr 0.2 --outer-lr 0.5", "--problem: no problem given");
  expect_bad("run --preset nosuch --T 2", "--preset: unknown preset 'nosuch'");
}

TEST(Cli, BadProblemFiles) {
  const std::string dir = test::temp_dir("badfiles");
  expect_bad("run --problem " + dir + "/missing.json --T 2 --N 20 --inner-lr 0.2 --outer-lr 0.5",
             "--problem: cannot read file");
  const std::string tail = " --T 2 --N 20 --inner-lr 0.2 --outer-lr 0.5";
  test::write_file(dir + "/trunc.json", test::read_file(HORIZON_TEST_DATA "/tiny.json").substr(0, 60));
  expect_bad("run --problem " + dir + "/trunc.json" + tail, "is not valid JSON");
  test::write_file(dir + "/nan.json", R"({"kind":"quadratic","domains":[{"A":[1.0],"c":[NaN]}],"validation":{"A":[1.0],"c":[0]}})");
  expect_bad("run --problem " + dir + "/nan.json" + tail, "is not valid JSON");
  test::write_file(dir + "/asym.json", R"({"kind":"quadratic","domains":[{"A":[[1,0.2],[0.3,1]],"c":[0,0]}],"validation":{"A":[1,1],"c":[0,0]}})");
  expect_bad("run --problem " + dir + "/asym.json" + tail, "asym.json.domains[0].A: not symmetric");
  test::write_file(dir + "/w0.json", R"({"kind":"quadratic","domains":[{"A":[1,1],"c":[0,0]}],"validation":{"A":[1,1],"c":[0,0]},"w0":[0.5]})");
  expect_bad("run --problem " + dir + "/w0.json" + tail, "w0.json.w0: not on the simplex");
  test::write_file(dir + "/big.json", R"({"kind":"quadratic","domains":[{"A":[1,1e999],"c":[0,0]}],"validation":{"A":[1,1],"c":[0,0]}})");
  expect_bad("run --problem " + dir + "/big.json" + tail, "number overflow parsing '1e999'");
  expect_bad("run --problem " + dir + tail, "--problem: '" + dir + "' is a directory, not a file");
  expect_bad("sweep --config " + dir + tail, "--config: '" + dir + "' is a directory, not a file");
  // A misspelt key is an error, not a silently used default.
  test::write_file(dir + "/typo.json", R"({"kind":"quadratic","domains":[{"A":[1,1],"c":[0,0]}],"validation":{"A":[1,1],"c":[0,0]},"W0":[1]})");
  expect_bad("run --problem " + dir + "/typo.json" + tail, "typo.json.W0: unknown key");
  test::write_file(dir + "/typo2.json", R"({"kind":"quadratic","domains":[{"A":[1,1],"c":[0,0],"centre":[1,1]}],"validation":{"A":[1,1],"c":[0,0]}})");
  expect_bad("run --problem " + dir + "/typo2.json" + tail, "typo2.json.domains[0].centre: unknown key");
}

TEST(Cli, FlagsThatWouldBeIgnoredAreErrors) {
  expect_bad("run" + good + " --batch 8", "--batch: applies to --noise-kind minibatch only");
  expect_bad("sweep" + tiny + " --T 1 --N 10 --inner-lr 0.1 --outer-lr 0.1 --seeds 3 --seed0 18446744073709551615 --noise 0.1"
             " --out " + test::temp_dir("seed0_wrap"),
             "--seed0: seed0 + seeds - 1 exceeds 2^64 - 1");
  expect_bad("check " + test::temp_dir("tolerance_alone") + " --expect log --tolerance 0.1",
             "--tolerance: applies to --baseline only");
}

TEST(Cli, DivergedQuadraticRowsLeaveAccuracyEmpty) {
  const std::string dir = test::temp_dir("diverged_csv");
  const test::CommandResult r =
      test::run_cli("sweep" + tiny + " --T 2,4 --N 100 --inner-lr 40 --outer-lr 1 --backend cpu --out " + dir);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const std::string csv = test::read_file(dir + "/runs.csv");
  EXPECT_NE(csv.find(",1,,,\n"), std::string::npos) << csv;  // diverged: metrics and w null (empty)
  EXPECT_EQ(csv.find("nan"), std::string::npos) << csv;
}

TEST(Cli, InfoAndOptimumAndGenerate) {
  const test::CommandResult info = test::run_cli("info");
  EXPECT_EQ(info.exit_code, 0);
  EXPECT_NE(info.out.find("CUDA"), std::string::npos);
  EXPECT_NE(info.out.find("demo"), std::string::npos);
  const test::CommandResult opt = test::run_cli("optimum" + tiny);
  ASSERT_EQ(opt.exit_code, 0) << opt.err;
  const auto j = nlohmann::json::parse(opt.out);
  EXPECT_LE(j["fw_gap"].get<double>(), 1e-10);
  EXPECT_TRUE(j["converged"].get<bool>());
  const std::string dir = test::temp_dir("generate");
  const test::CommandResult gen = test::run_cli("generate --d 4 --K 2 --diagonal --problem-seed 5 --out " + dir + "/g.json");
  ASSERT_EQ(gen.exit_code, 0) << gen.err;
  const test::CommandResult nested =  // --out creates its folder
      test::run_cli("generate --kind logistic --d 2 --K 2 --examples 5 --csv --out " + dir + "/new/sub/p.json");
  ASSERT_EQ(nested.exit_code, 0) << nested.err;
  EXPECT_FALSE(test::read_file(dir + "/new/sub/p.domain0.csv").empty());
  const test::CommandResult run = test::run_cli("run --problem " + dir + "/g.json --T 2 --N 10 --inner-lr 0.5 --outer-lr 1 --backend cpu");
  EXPECT_EQ(run.exit_code, 0) << run.err;
  expect_bad("generate --d 4 --K 2 --aligned 2", "generator.aligned");
  const test::CommandResult bench = test::run_cli("bench --on cpu --smoke");
  EXPECT_EQ(bench.exit_code, 0) << bench.err;
  EXPECT_NE(bench.out.find("run_steps_per_s"), std::string::npos);
  expect_bad("bench --on tpu", "--on: unknown value 'tpu'");
}

}  // namespace
}  // namespace horizon
