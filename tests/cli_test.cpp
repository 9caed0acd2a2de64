// The command line: JSON output of `run`, and bad input → one line naming the
// field and value, exit 2, never a crash. Diverging runs exit 0, flagged.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>

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
  expect_bad("run" + tiny + " --N 20 --inner-lr 0.2 --outer-lr 0.5", "--T: required");
  expect_bad("run" + tiny + " --T 2 --N 20 --outer-lr 0.5", "--inner-lr: required");
  expect_bad("run --T 2 --N 20 --inner-lr 0.2 --outer-lr 0.5", "--problem: no problem given");
  expect_bad("run --preset nosuch --T 2", "--preset: unknown preset 'nosuch'");
}

TEST(Cli, BadProblemFiles) {
  const std::string dir = test::temp_dir("badfiles");
  expect_bad("run --problem " + dir + "/missing.json --T 2 --N 20 --inner-lr 0.2 --outer-lr 0.5",
             "--problem: cannot read file '" + dir + "/missing.json': No such file or directory");
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

// Issue 10, finding 8: what a newcomer meets first.
TEST(Cli, ATypoGetsASuggestionAndTheCommandsHelp) {
  const test::CommandResult cmd = test::run_cli("swep");  // was "horizon: error: horizon: unknown command …"
  EXPECT_EQ(cmd.exit_code, 2);
  EXPECT_EQ(cmd.err, "horizon: error: unknown command 'swep' (did you mean 'sweep'?)\n");
  expect_bad("nonsense", "unknown command 'nonsense' (expected one of ");
  // Was "The following arguments were not expected: 4 --sedes (see horizon --help)".
  expect_bad("sweep" + tiny + " --T 1 --N 10 --inner-lr 0.1 --outer-lr 0.1 --sedes 4",
             "horizon: error: --sedes: unknown option (did you mean --seeds? see horizon sweep --help)");
  expect_bad("run" + good + " --zzzzzz 1", "--zzzzzz: unknown option (see horizon run --help)");
  // Was "--seeds: At Most 1 required but received 2".
  expect_bad("sweep" + tiny + " --T 1 --N 10 --inner-lr 0.1 --outer-lr 0.1 --seeds 2 --seeds 3",
             "horizon: error: --seeds: given twice (give it once; see horizon sweep --help)");
  expect_bad("run" + good + " --T=4", "--T: given twice");
  expect_bad("--versio", "--versio: unknown option (did you mean --version? see horizon --help)");
  expect_bad("run --T", "--T: needs a value (see horizon run --help)");  // was "--T: 1 required TEXT missing"
}

TEST(Cli, AMissingProblemFileComesBeforeMissingFlags) {
  // Was "--inner-lr: required", then (with every flag) "cannot read file" without a reason.
  const std::string dir = test::temp_dir("nope");
  expect_bad("run --problem " + dir + "/nope.json --T 2 --N 20",
             "--problem: cannot read file '" + dir + "/nope.json': No such file or directory");
  expect_bad("sweep --problem " + dir + "/nope.json", "--problem: cannot read file");
  expect_bad("sweep --config " + dir + "/nope.toml", "--config: cannot read file '" + dir + "/nope.toml': No such file");
}

TEST(Cli, VersionFlag) {
  const test::CommandResult r = test::run_cli("--version");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out.rfind("horizon ", 0), 0u) << r.out;
  EXPECT_EQ(lines(r.out), 1) << r.out;
  EXPECT_TRUE(r.err.empty()) << r.err;
}

TEST(Cli, NoGpuIsSaidInWords) {
  // Was "no usable CUDA device (CUDA driver version is insufficient for CUDA
  // runtime version)" on every command of a CUDA build on a machine without a GPU.
  const test::CommandResult info = test::run_cli("info");
  ASSERT_EQ(info.exit_code, 0);
  const test::CommandResult r = test::run_cli("run" + tiny + " --T 3 --N 20 --inner-lr 0.2 --outer-lr 0.5");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.err.find("insufficient"), std::string::npos) << r.err;
  if (info.out.find("CUDA device 0") != std::string::npos) {  // a GPU: auto takes it, and says nothing of a missing one
    EXPECT_EQ(r.err.find("no NVIDIA GPU"), std::string::npos) << r.err;
    return;
  }
#ifdef HORIZON_HAS_CUDA
  EXPECT_NE(r.err.find("horizon: --backend auto: no NVIDIA GPU/driver found; using the CPU"), std::string::npos) << r.err;
  // The runtime's own words stay available in `info`.
  EXPECT_NE(info.out.find("CUDA devices: none (no NVIDIA GPU/driver found; CUDA runtime: "), std::string::npos) << info.out;
#else
  EXPECT_NE(r.err.find("horizon was built without CUDA"), std::string::npos) << r.err;
#endif
}

// scripts/plot runs under Debian's /usr/bin/python3 with matplotlib.
bool have_matplotlib() {
  return std::system("/usr/bin/python3 -c 'import matplotlib, numpy' >/dev/null 2>&1") == 0;
}

const std::string plot_script = std::string(HORIZON_TEST_DATA) + "/../../scripts/plot";

TEST(Plot, TickLabelsOnANarrowLogAxisAreDistinct) {
  ASSERT_TRUE(have_matplotlib()) << "/usr/bin/python3 has no matplotlib: run scripts/bootstrap (python3-matplotlib)";
  // log_y_labels on axes of under a decade, where matplotlib's minor ticks fall
  // back to linear ones: "%.2g" labelled 0.102, 0.104, 0.106 all "0.1".
  const std::string dir = test::temp_dir("plot_ticks");
  test::write_file(dir + "/check.py", R"(import sys, importlib.machinery, importlib.util
loader = importlib.machinery.SourceFileLoader("horizon_plot", sys.argv[1])
plot = importlib.util.module_from_spec(importlib.util.spec_from_loader("horizon_plot", loader))
loader.exec_module(plot)
bad = []
for lo, hi in [(0.101, 0.109), (1.0, 1.3), (2000, 2400), (0.5, 0.56), (0.02, 0.9)]:
    fig, ax = plot.plt.subplots()
    ax.set_yscale("log")
    ax.plot([1, 2], [lo, hi])
    ax.set_ylim(lo, hi)
    plot.log_y_labels(ax)
    fig.canvas.draw()
    labels = [t.get_text() for t in ax.get_yticklabels() + ax.get_yticklabels(minor=True)
              if t.get_text() and lo <= t.get_position()[1] <= hi]
    if len(labels) < 2 or len(labels) != len(set(labels)):
        bad.append((lo, hi, labels))
if plot.tick_labels([1000000, 1000500, 1001000], digits=3) != ["1e+06", "1.0005e+06", "1.001e+06"]:
    bad.append(plot.tick_labels([1000000, 1000500, 1001000], digits=3))
print(bad)
sys.exit(1 if bad else 0)
)");
  const int rc = std::system(("/usr/bin/python3 " + dir + "/check.py " + plot_script + " >" + dir + "/out 2>&1").c_str());
  EXPECT_EQ(rc, 0) << test::read_file(dir + "/out");
}

TEST(Plot, FiguresOfAnEarlierSweepDoNotStay) {
  ASSERT_TRUE(have_matplotlib()) << "/usr/bin/python3 has no matplotlib: run scripts/bootstrap (python3-matplotlib)";
  const std::string dir = test::temp_dir("plot_stale");
  const std::string grid = " --T 1,2,4 --N 20,40,80 --inner-lr 0.2 --outer-lr 0.5 --backend cpu --out ";
  auto sweep_and_analyze = [&](const std::string& problem, const std::string& out) {
    const test::CommandResult s = test::run_cli("sweep --problem " + problem + grid + out);
    ASSERT_EQ(s.exit_code, 0) << s.err;
    const test::CommandResult a = test::run_cli("analyze " + out);
    ASSERT_EQ(a.exit_code, 0) << a.err;
  };
  ASSERT_EQ(test::run_cli("generate --kind logistic --d 2 --K 2 --examples 20 --validation-examples 20 --out " + dir +
                          "/logistic.json").exit_code, 0);
  sweep_and_analyze(dir + "/logistic.json", dir + "/logistic");
  sweep_and_analyze(HORIZON_TEST_DATA "/tiny.json", dir + "/quadratic");
  const std::string figures = dir + "/figures";
  auto plot = [&](const std::string& sweep) {
    return std::system(("/usr/bin/python3 " + plot_script + " " + sweep + " --out " + figures + " >" + dir +
                        "/out 2>" + dir + "/err").c_str());
  };
  ASSERT_EQ(plot(dir + "/logistic"), 0) << test::read_file(dir + "/err");
  ASSERT_TRUE(std::filesystem::exists(figures + "/val_acc_vs_T.png"));
  test::write_file(figures + "/notes.txt", "mine");
  ASSERT_EQ(plot(dir + "/quadratic"), 0) << test::read_file(dir + "/err");
  EXPECT_FALSE(std::filesystem::exists(figures + "/val_acc_vs_T.png")) << "a logistic figure beside a quadratic sweep";
  EXPECT_NE(test::read_file(dir + "/err").find("removed " + figures + "/val_acc_vs_T.png"), std::string::npos)
      << test::read_file(dir + "/err");
  EXPECT_TRUE(std::filesystem::exists(figures + "/metric_vs_T.png"));
  EXPECT_EQ(test::read_file(figures + "/notes.txt"), "mine");  // only its own figures are removed
}

}  // namespace
}  // namespace horizon
