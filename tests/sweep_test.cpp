// The sweep driver: runs.csv layout, seed sharing without noise, resume after
// a kill, presets and config layering.
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <regex>
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

SweepRow rows_of_one_diverged() {
  SweepRow r;
  r.T = 2;
  r.N = 10;
  r.rounds = 5;
  r.steps = 10;
  r.val_loss = r.phi = r.fw_gap = r.val_acc = NAN;
  r.diverged = true;
  r.w = {NAN, NAN};
  return r;
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
  EXPECT_EQ(o.rows, 36);
  const auto summary = summarize(read_runs_csv(dir + "/runs.csv"), Metric::val_loss);
  ASSERT_EQ(summary.size(), 3u);
  for (const PerN& pn : summary) {
    ASSERT_EQ(pn.curve.size(), 3u);
    EXPECT_EQ(pn.curve[0].count, 4);
    EXPECT_GT(pn.curve[0].se, 0.0);
  }
}

// The streaming summary the sweep prints (CurveAccumulator without medians)
// has the same means, counts, weights and T* as the in-memory one, and a
// standard error equal to rounding.
TEST(Sweep, StreamingSummaryMatchesTheInMemoryOne) {
  const std::string dir = test::temp_dir("sweep_streaming_summary");
  sweep(dir, 0.2);
  const auto rows = read_runs_csv(dir + "/runs.csv");
  CurveAccumulator acc(Metric::val_loss, false);
  EXPECT_EQ(for_each_run_row(dir + "/runs.csv", [&](const SweepRow& r) { acc.add(r); }), 36);
  const auto streamed = acc.finish(), kept = summarize(rows, Metric::val_loss);
  ASSERT_EQ(streamed.size(), kept.size());
  for (std::size_t k = 0; k < kept.size(); ++k) {
    EXPECT_EQ(streamed[k].T_star, kept[k].T_star);
    ASSERT_EQ(streamed[k].curve.size(), kept[k].curve.size());
    for (std::size_t i = 0; i < kept[k].curve.size(); ++i) {
      const CurvePoint &a = streamed[k].curve[i], &b = kept[k].curve[i];
      EXPECT_EQ(a.mean, b.mean);
      EXPECT_EQ(a.count, b.count);
      EXPECT_EQ(a.w_mean, b.w_mean);
      EXPECT_NEAR(a.se, b.se, 1e-12 * b.se);
      EXPECT_GT(a.se, 0.0);
      EXPECT_TRUE(std::isnan(a.median));
      EXPECT_FALSE(std::isnan(b.median));
    }
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
  EXPECT_EQ(test::read_file(full + "/runs.csv"), test::read_file(killed + "/runs.csv"));  // byte-identical
}

// --resume reads runs.csv as a stream in the order a sweep writes it (T,
// seed, N), so it needs no memory per row: a repeated row, a row out of that
// order and a trajectory cut short all end the kept part there — and the
// resumed file is still the uninterrupted one, byte for byte.
TEST(Sweep, ResumeKeepsWholeTrajectoriesUpToARowOutOfOrder) {
  const std::string full = test::temp_dir("sweep_order_full");
  sweep(full, 0.2);
  const auto lines = csv_lines(full + "/runs.csv");  // 12 trajectories of 3 rows
  struct Case {
    const char* name;
    std::vector<std::size_t> keep;  // line numbers of `full` to write, in order
    std::int64_t resumed;
  };
  const Case cases[] = {
      {"repeat", {0, 1, 2, 3, 4, 5, 6, 4, 5, 6, 7, 8, 9}, 2},      // trajectory 2 written twice
      {"cut", {0, 1, 2, 3, 4, 5, 7, 8, 9, 10, 11, 12}, 1},          // trajectory 2 lacks its N = 40 row
      {"swapped", {0, 1, 2, 3, 7, 8, 9, 4, 5, 6, 10, 11, 12}, 1},   // trajectories 2 and 3 swapped
      {"shortend", {0, 1, 2, 3, 4, 5, 6, 7, 8}, 2},                 // the file ends inside trajectory 3
  };
  for (const Case& c : cases) {
    const std::string dir = test::temp_dir(std::string("sweep_order_") + c.name);
    sweep(dir, 0.2);
    {
      std::ofstream out(dir + "/runs.csv", std::ios::trunc);
      for (std::size_t i : c.keep) out << lines[i] << '\n';
    }
    const SweepOutcome o = sweep(dir, 0.2, true);
    EXPECT_EQ(o.trajectories_resumed, c.resumed) << c.name;
    EXPECT_EQ(o.trajectories_computed, 12 - c.resumed) << c.name;
    EXPECT_EQ(o.rows, 36) << c.name;
    EXPECT_EQ(test::read_file(dir + "/runs.csv"), test::read_file(full + "/runs.csv")) << c.name;
  }
  // Shared seeds (no noise): a T whose seeds were cut part way is run again
  // for the missing seeds only.
  const std::string shared_full = test::temp_dir("sweep_order_shared_full"), shared = test::temp_dir("sweep_order_shared");
  sweep(shared_full, 0.0);
  sweep(shared, 0.0);
  const auto shared_lines = csv_lines(shared + "/runs.csv");
  {
    std::ofstream out(shared + "/runs.csv", std::ios::trunc);
    for (std::size_t i = 0; i <= 3 * 4 + 2 * 3; ++i) out << shared_lines[i] << '\n';  // T = 1 and 2 seeds of T = 3
  }
  const SweepOutcome o = sweep(shared, 0.0, true);
  EXPECT_EQ(o.trajectories_resumed, 4);  // T = 1's four seeds
  EXPECT_EQ(o.trajectories_computed, 2);
  EXPECT_EQ(test::read_file(shared + "/runs.csv"), test::read_file(shared_full + "/runs.csv"));
}

TEST(Sweep, ResumeRefusesADifferentConfig) {
  const std::string dir = test::temp_dir("sweep_mismatch");
  sweep(dir, 0.2);
  try {
    sweep(dir, 0.3, true);
    ADD_FAILURE() << "resumed with another noise";
  } catch (const InputError& e) {  // names the setting that differs
    EXPECT_STREQ(e.what(), "--resume: the manifest's noise is 0.2, this sweep's is 0.3");
  }
}

// The record of a sweep (docs/schema.md): every key the JSON Schema requires,
// the command line, the build, the host and UTC times.
TEST(Sweep, ManifestRecordsTheRun) {
  const std::string dir = test::temp_dir("sweep_record");
  const test::CommandResult r = test::run_cli("sweep --problem " HORIZON_TEST_DATA
                                              "/tiny.json --backend cpu --inner-lr 0.1 --outer-lr 0.5 --T 1,4 "
                                              "--N 2,10 --out " + dir);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  // T > N runs no round: a notice, not silence.
  EXPECT_NE(r.err.find("horizon: notice: 1 (T, N) cell has T > N (e.g. T = 4, N = 2): 0 rounds"), std::string::npos)
      << r.err;
  const auto m = nlohmann::json::parse(test::read_file(dir + "/manifest.json"));
  const auto schema = nlohmann::json::parse(test::read_file(HORIZON_SOURCE_DIR "/docs/schema/manifest.schema.json"));
  for (const auto& key : schema["required"]) EXPECT_TRUE(m.contains(key.get<std::string>())) << key;
  EXPECT_EQ(m["schema_version"], 2);
  EXPECT_EQ(m["argv"][1], "sweep");
  EXPECT_EQ(m["argv"].back(), dir);
  EXPECT_TRUE(m["build"]["git_commit"].is_string());
  EXPECT_FALSE(m["build"]["options"].get<std::string>().empty());
  EXPECT_FALSE(m["host"].get<std::string>().empty());
  const std::regex iso("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ");
  EXPECT_TRUE(std::regex_match(m["started_at"].get<std::string>(), iso)) << m["started_at"];
  EXPECT_TRUE(std::regex_match(m["finished_at"].get<std::string>(), iso)) << m["finished_at"];
  EXPECT_EQ(m["problem"]["file"]["path"], HORIZON_TEST_DATA "/tiny.json");
  EXPECT_EQ(m["problem"]["file"]["bytes"], test::read_file(HORIZON_TEST_DATA "/tiny.json").size());
  EXPECT_EQ(m["problem"]["file"]["fnv1a64"].get<std::string>().size(), 16u);

  const std::string gen = test::temp_dir("sweep_record_gen");
  ASSERT_EQ(test::run_cli("sweep --preset demo --backend cpu --T 1,2 --N 50 --out " + gen).exit_code, 0);
  const auto g = nlohmann::json::parse(test::read_file(gen + "/manifest.json"));
  EXPECT_EQ(g["problem"]["generator"]["kind"], "quadratic");
  EXPECT_EQ(g["problem"]["generator"]["d"], 5);
  EXPECT_EQ(g["problem"]["source"], "preset demo");
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

// Diverged rows hold empty (null) cells; files before schema 2 held "nan".
// The reader takes both.
TEST(CsvReader, ReadsNullAndNanCells) {
  const std::string dir = test::temp_dir("csv_null");
  const std::string header = "T,N,seed,rounds,steps,val_loss,phi,fw_gap,diverged,w_0,w_1,val_acc\n";
  test::write_file(dir + "/new.csv", header + "2,10,0,5,10,,,,1,,,\n1,10,0,10,10,0.5,0.25,0.125,0,0.5,0.5,\n");
  test::write_file(dir + "/old.csv", header + "2,10,0,5,10,nan,nan,nan,1,nan,nan,\n1,10,0,10,10,0.5,0.25,0.125,0,0.5,0.5,\n");
  for (const char* name : {"/new.csv", "/old.csv"}) {
    const auto rows = read_runs_csv(dir + name);
    ASSERT_EQ(rows.size(), 2u);
    EXPECT_TRUE(rows[0].diverged);
    EXPECT_TRUE(std::isnan(rows[0].val_loss) && std::isnan(rows[0].phi) && std::isnan(rows[0].w[1]));
    EXPECT_TRUE(std::isnan(rows[1].val_acc));
    EXPECT_EQ(rows[1].fw_gap, 0.125);
  }
  std::ostringstream os;
  SweepRow r = rows_of_one_diverged();
  write_run_row(os, r, true);
  EXPECT_EQ(os.str(), "2,10,0,5,10,,,,1,,,\n");
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
