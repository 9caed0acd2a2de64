// The sweep driver: runs.csv layout, seed sharing without noise, resume after
// a kill, presets and config layering.
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "horizon/backend.hpp"
#include "horizon/error.hpp"
#include "horizon/experiment.hpp"
#include "horizon/grid_summary.hpp"
#include "horizon/sweep.hpp"
#include "support.hpp"

namespace horizon {
namespace {

std::vector<std::string> csv_lines(const std::string& path) {
  std::istringstream in(test::read_file(path));
  std::vector<std::string> out;
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

SweepOutcome sweep(const std::string& dir, double noise, bool resume = false) {
  const QuadraticProblem p = test::random_problem(4, 3, false, 17);
  AlgorithmConfig cfg = test::basic_config(0.4, 0.5);
  cfg.noise_sigma = noise;
  SweepPlan plan{{1, 3, 8}, {10, 25, 40}, 4, 100};
  auto backend = make_cpu_backend(2);
  SweepOptions opts;
  opts.out_dir = dir;
  opts.resume = resume;
  return run_sweep(p, cfg, plan, *backend, opts);
}

TEST(Sweep, RowsManifestAndSeedSharing) {
  const std::string dir = test::temp_dir("sweep_shared");
  const SweepOutcome o = sweep(dir, 0.0);
  EXPECT_TRUE(o.seeds_shared);
  EXPECT_EQ(o.trajectories_computed, 3);  // one per T
  const auto lines = csv_lines(dir + "/runs.csv");
  ASSERT_EQ(lines.size(), 1u + 3 * 3 * 4);
  EXPECT_EQ(lines[0], "T,N,seed,rounds,steps,val_loss,phi,fw_gap,diverged,w_0,w_1,w_2,val_acc");
  const auto rows = read_runs_csv(dir + "/runs.csv");
  for (const SweepRow& r : rows) {
    EXPECT_EQ(r.steps, r.N);
    EXPECT_EQ(r.rounds, r.N / r.T);
    EXPECT_GE(r.seed, 100u);
    EXPECT_LT(r.seed, 104u);
  }
  const auto manifest = nlohmann::json::parse(test::read_file(dir + "/manifest.json"));
  EXPECT_TRUE(manifest["complete"].get<bool>());
  EXPECT_TRUE(manifest["seeds_shared"].get<bool>());
  EXPECT_EQ(manifest["config"]["grid"]["seeds"], 4);
  EXPECT_EQ(manifest["backend"]["name"], "cpu");
  EXPECT_TRUE(manifest.contains("wall_time_s"));
  EXPECT_EQ(manifest["problem"]["hash"].get<std::string>().size(), 16u);
}

TEST(Sweep, NoisySweepComputesEverySeed) {
  const std::string dir = test::temp_dir("sweep_noisy");
  const SweepOutcome o = sweep(dir, 0.2);
  EXPECT_FALSE(o.seeds_shared);
  EXPECT_EQ(o.trajectories_computed, 12);
  const auto summary = summarize(o.rows, Metric::val_loss);
  ASSERT_EQ(summary.size(), 3u);
  for (const PerN& pn : summary) {
    ASSERT_EQ(pn.curve.size(), 3u);
    EXPECT_EQ(pn.curve[0].count, 4);
    EXPECT_GT(pn.curve[0].se, 0.0);
  }
}

TEST(Sweep, ResumeAfterKillReproducesFullRun) {
  const std::string full = test::temp_dir("sweep_full"), killed = test::temp_dir("sweep_killed");
  sweep(full, 0.2);
  sweep(killed, 0.2);
  // Simulate a kill: keep the header, 13 rows (4 complete trajectories + a partial one) and a torn line.
  auto lines = csv_lines(killed + "/runs.csv");
  {
    std::ofstream out(killed + "/runs.csv", std::ios::trunc);
    for (std::size_t i = 0; i < 14; ++i) out << lines[i] << '\n';
    out << "8,10,1";
  }
  const SweepOutcome o = sweep(killed, 0.2, true);
  EXPECT_EQ(o.trajectories_resumed, 4);
  EXPECT_EQ(o.trajectories_computed, 8);
  auto a = csv_lines(full + "/runs.csv"), b = csv_lines(killed + "/runs.csv");
  std::sort(a.begin(), a.end());
  std::sort(b.begin(), b.end());
  EXPECT_EQ(a, b);
}

TEST(Sweep, ResumeRefusesADifferentConfig) {
  const std::string dir = test::temp_dir("sweep_mismatch");
  sweep(dir, 0.2);
  EXPECT_THROW(sweep(dir, 0.3, true), InputError);
}

TEST(Settings, PresetConfigAndFlagsLayer) {
  const ExperimentSettings demo = load_preset("demo");
  ASSERT_TRUE(demo.generator.has_value());
  ASSERT_TRUE(demo.T.has_value());
  EXPECT_EQ(demo.T->front(), 1);
  const std::string dir = test::temp_dir("settings");
  test::write_file(dir + "/exp.toml", "[algorithm]\ninner_lr = 0.05\nupdate = \"projected\"\n[grid]\nT = \"1..16*2\"\nN = [100]\n");
  ExperimentSettings s = demo;
  s.merge(load_settings_file(dir + "/exp.toml"));
  EXPECT_EQ(*s.inner_lr, 0.05);
  EXPECT_EQ(*s.T, (std::vector<std::int64_t>{1, 2, 4, 8, 16}));
  EXPECT_EQ(resolve_algorithm(s).update, UpdateKind::projected);
  EXPECT_EQ(*s.outer_lr, *demo.outer_lr);  // kept from the preset
  test::write_file(dir + "/typo.toml", "[algorithm]\ninner_rate = 0.05\n");
  EXPECT_THROW(load_settings_file(dir + "/typo.toml"), InputError);
  test::write_file(dir + "/broken.toml", "[algorithm\n");
  EXPECT_THROW(load_settings_file(dir + "/broken.toml"), InputError);
}

TEST(Settings, ProblemSourcesInToml) {
  const QuadraticProblem gf = std::get<QuadraticProblem>(resolve_problem(load_preset("greedy-failure")));  // inline JSON
  EXPECT_EQ(gf.d, 2);
  EXPECT_EQ(gf.names[0], "elongated");
  const std::string dir = test::temp_dir("settings_sources");
  test::write_file(dir + "/p.json", test::read_file(HORIZON_TEST_DATA "/tiny.json"));
  test::write_file(dir + "/file.toml", "[problem]\nfile = \"p.json\"\n");  // relative to the TOML
  EXPECT_EQ(problem_names(resolve_problem(load_settings_file(dir + "/file.toml")))[1], "b");
  test::write_file(dir + "/bad.toml", "[problem]\njson = '{\"kind\": \"quadratic\"}'\n");
  try {
    resolve_problem(load_settings_file(dir + "/bad.toml"));
    ADD_FAILURE() << "accepted a problem without domains";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("bad.toml: problem.json.domains: missing"), std::string::npos) << e.what();
  }
  test::write_file(dir + "/two.toml", "[problem]\nfile = \"p.json\"\ngenerator = { d = 2 }\n");
  EXPECT_THROW(load_settings_file(dir + "/two.toml"), InputError);
  for (const std::string& name : preset_names()) EXPECT_NO_THROW(resolve_problem(load_preset(name))) << name;
}

TEST(CsvReader, RejectsMalformedFiles) {
  const std::string dir = test::temp_dir("csv");
  test::write_file(dir + "/empty.csv", "");
  EXPECT_THROW(read_runs_csv(dir + "/empty.csv"), InputError);
  test::write_file(dir + "/header.csv", "T,N,seed,rounds,steps,val_loss,phi,fw_gap,diverged,w_0\n");
  EXPECT_THROW(read_runs_csv(dir + "/header.csv"), InputError);
  test::write_file(dir + "/ragged.csv", "T,N,seed,rounds,steps,val_loss,phi,fw_gap,diverged,w_0\n1,2,3\n");
  EXPECT_THROW(read_runs_csv(dir + "/ragged.csv"), InputError);
  test::write_file(dir + "/nocol.csv", "T,N,seed\n1,2,3\n");
  EXPECT_THROW(read_runs_csv(dir + "/nocol.csv"), InputError);
}

}  // namespace
}  // namespace horizon
