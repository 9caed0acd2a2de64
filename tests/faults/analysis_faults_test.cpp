// `analyze` and `check` do not trust their input (issue 10, findings 4, 7
// and 8): runs.csv is checked against manifest.json, a NaN on a run not
// flagged diverged is an error, a mostly diverged T is no T*, a baseline is
// validated field by field, a law that does not fit is never claimed, and
// summary.json is written atomically and names its manifest.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <sstream>
#include <string>
#include <vector>

#include <sys/wait.h>

#include <nlohmann/json.hpp>

#include "horizon/runs_csv.hpp"
#include "support.hpp"

namespace horizon {
namespace {

namespace fs = std::filesystem;

struct Grid {
  std::vector<std::int64_t> T = {1, 2, 4, 8, 16}, N = {1000};
  int seeds = 4;
};

// val_loss of (T, N, seed): a bowl in ln T around t0(N); NaN = diverged.
using Loss = std::function<double(std::int64_t T, std::int64_t N, int seed)>;

double bowl(std::int64_t T, std::int64_t, int seed) { return 1 + std::pow(std::log(T / 4.0), 2) + 1e-3 * seed; }

// A sweep DIR by hand: runs.csv (rows in grid order, `edit` may change the
// text) and the manifest.json a sweep would write for the grid.
std::string sweep_dir(const std::string& name, const Grid& g, const Loss& loss = bowl,
                      const std::function<void(std::string&)>& edit = nullptr) {
  const std::string dir = test::temp_dir(name);
  std::ostringstream csv;
  write_runs_header(csv, 2);
  for (std::int64_t T : g.T)
    for (int s = 0; s < g.seeds; ++s)
      for (std::int64_t N : g.N) {
        SweepRow r;
        r.T = T, r.N = N, r.seed = static_cast<std::uint64_t>(s), r.rounds = N / T, r.steps = N;
        r.val_loss = loss(T, N, s);
        r.diverged = std::isnan(r.val_loss);
        r.phi = r.fw_gap = r.diverged ? NAN : 0.0;
        r.w = r.diverged ? std::vector<double>{NAN, NAN} : std::vector<double>{0.5, 0.5};
        write_run_row(csv, r, false);
      }
  std::string text = csv.str();
  if (edit) edit(text);
  test::write_file(dir + "/runs.csv", text);
  const nlohmann::json manifest = {
      {"schema_version", 2},
      {"config", {{"grid", {{"T", g.T}, {"N", g.N}, {"seeds", g.seeds}, {"seed0", 0}}}}}};
  test::write_file(dir + "/manifest.json", manifest.dump(2));
  return dir;
}

// Drops the data lines whose text starts with `prefix`.
std::function<void(std::string&)> drop(const std::string& prefix) {
  return [prefix](std::string& text) {
    std::istringstream in(text);
    std::string line, out;
    while (std::getline(in, line))
      if (line.rfind(prefix, 0) != 0) out += line + "\n";
    text = out;
  };
}

bool has(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

// Finding 4: a NaN val_loss on a row not flagged diverged made T* = 1 with a
// null mean; now it is an error naming the line.
TEST(AnalyzeFaults, NanOnARunNotFlaggedDivergedIsAnErrorNamingTheLine) {
  const std::string dir = sweep_dir("af_nan", Grid{}, bowl, [](std::string& t) {
    const std::size_t line = t.find("\n1,1000,2,") + 1;  // line 4: T = 1, seed 2, not diverged
    std::size_t c = line;
    for (int i = 0; i < 5; ++i) c = t.find(',', c) + 1;  // val_loss is the 6th column
    t.replace(c, t.find(',', c) - c, "nan");
  });
  const test::CommandResult r = test::run_cli("analyze " + dir + " --bootstrap 0");
  EXPECT_EQ(r.exit_code, 2) << r.out;
  EXPECT_TRUE(has(r.err, "runs.csv:4: column val_loss: no finite value on a run not flagged diverged (got nan)")) << r.err;
  EXPECT_FALSE(fs::exists(dir + "/summary.json"));
}

// Finding 4: rows missing from the manifest's grid are an error naming the
// first; --allow-partial analyses what is there and says what is missing.
TEST(AnalyzeFaults, MissingRowsAreAnErrorUnlessAllowPartial) {
  Grid g;
  g.N = {1000, 5000};
  const std::string dir = sweep_dir("af_missing", g, bowl, drop("4,"));  // T = 4: 8 rows
  test::CommandResult r = test::run_cli("analyze " + dir + " --bootstrap 0");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_TRUE(has(r.err, "runs.csv: 8 rows missing from the manifest's grid, first (T=4, N=1000, seed=0), "
                         "(T=4, N=1000, seed=1), (T=4, N=1000, seed=2) (finish the sweep with --resume, or use "
                         "--allow-partial to analyse the 32 rows there)"))
      << r.err;
  r = test::run_cli("analyze " + dir + " --bootstrap 0 --allow-partial");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(has(r.err, "warning: " + dir + "/runs.csv: 8 of 40 rows missing from the manifest's grid, first (T=4, N=1000, seed=0)")) << r.err;
  const auto summary = nlohmann::json::parse(test::read_file(dir + "/summary.json"));
  EXPECT_EQ(summary["source"]["grid"]["missing_rows"], 8);
  EXPECT_TRUE(summary["source"]["allow_partial"].get<bool>());
}

// Finding 4: duplicated rows (two sweeps on one file) are an error, even with --allow-partial.
TEST(AnalyzeFaults, DuplicatedRowsAreAnError) {
  const std::string dir = sweep_dir("af_dup", Grid{}, bowl, [](std::string& t) {
    t += t.substr(t.find('\n') + 1, t.find("\n2,") - t.find('\n'));  // the T = 1 rows again
  });
  for (const char* extra : {"", " --allow-partial"}) {
    const test::CommandResult r = test::run_cli("analyze " + dir + " --bootstrap 0" + extra);
    EXPECT_EQ(r.exit_code, 2) << extra;
    EXPECT_TRUE(has(r.err, "runs.csv: 4 duplicated rows, first (T=1, N=1000, seed=0) at " + dir +
                               "/runs.csv:22 repeats " + dir + "/runs.csv:2"))
        << r.err;
  }
}

// Finding 4: a row off the grid (another sweep's T) is an error naming it.
TEST(AnalyzeFaults, OffGridRowsAreAnError) {
  const std::string dir = sweep_dir("af_off", Grid{}, bowl, [](std::string& t) {
    t += "3,1000,0,333,1000,1,0,0,0,0.5,0.5,\n";
  });
  const test::CommandResult r = test::run_cli("analyze " + dir + " --bootstrap 0 --allow-partial");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_TRUE(has(r.err, "runs.csv: 1 row off the manifest's grid, first (T=3, N=1000, seed=0) at " + dir +
                             "/runs.csv:22 (runs.csv and manifest.json come from different sweeps)"))
      << r.err;
}

TEST(AnalyzeFaults, NoManifestIsAnErrorUnlessAllowPartial) {
  const std::string dir = sweep_dir("af_nomanifest", Grid{});
  fs::remove(dir + "/manifest.json");
  test::CommandResult r = test::run_cli("analyze " + dir + " --bootstrap 0");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_TRUE(has(r.err, "manifest.json: missing: analyze checks runs.csv against the sweep's manifest")) << r.err;
  r = test::run_cli("analyze " + dir + " --bootstrap 0 --allow-partial");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(nlohmann::json::parse(test::read_file(dir + "/summary.json"))["source"]["manifest"].is_null());
}

// Finding 4: a T where 60 of 64 seeds diverged won on its 4 survivors; now it
// is no candidate (default --max-diverged 0), and the output says so.
TEST(AnalyzeFaults, AMostlyDivergedTCannotWinOnItsSurvivors) {
  Grid g;
  g.seeds = 64;
  const std::string dir = sweep_dir("af_diverged", g, [](std::int64_t T, std::int64_t N, int s) {
    if (T == 8) return s < 60 ? NAN : 0.5;  // 4 survivors, better than anything
    return bowl(T, N, s);
  });
  test::CommandResult r = test::run_cli("analyze " + dir + " --bootstrap 0");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  const auto summary = nlohmann::json::parse(test::read_file(dir + "/summary.json"));
  EXPECT_EQ(summary["per_N"][0]["T_star"], 4);
  EXPECT_FALSE(summary["per_N"][0]["curve"][3]["candidate"].get<bool>());
  EXPECT_TRUE(has(r.out, "T = 8 is no candidate: 60 of 64 seeds diverged")) << r.out;
  r = test::run_cli("analyze " + dir + " --bootstrap 0 --max-diverged 0.95");
  EXPECT_EQ(nlohmann::json::parse(test::read_file(dir + "/summary.json"))["per_N"][0]["T_star"], 8);
  EXPECT_EQ(test::run_cli("analyze " + dir + " --max-diverged 2").exit_code, 2);
}

// Finding 4: `check --baseline` passed a negative T* and crashed on N as strings.
TEST(CheckFaults, BaselineIsValidatedWithOneLineErrors) {
  const std::string dir = sweep_dir("cf_baseline", Grid{});
  const std::string base = dir + "/base.json";
  test::write_file(base, R"({"metric":"val_loss","per_N":[{"N":1000,"T_star_refined":-4}]})");
  test::CommandResult r = test::run_cli("check " + dir + " --baseline " + base + " --bootstrap 0");
  EXPECT_EQ(r.exit_code, 2) << r.out;
  EXPECT_TRUE(has(r.err, "--baseline: per_N[0].T_star_refined: expected a number > 0 or null (got -4)")) << r.err;
  test::write_file(base, R"({"metric":"val_loss","per_N":[{"N":"1000","T_star_refined":4}]})");
  r = test::run_cli("check " + dir + " --baseline " + base + " --bootstrap 0");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_TRUE(has(r.err, "horizon: error: --baseline: per_N[0].N: expected an integer >= 1 (got \"1000\")")) << r.err;
  EXPECT_FALSE(has(r.err, "internal error"));
}

// Finding 7: T* falling with N made `log` "preferred" (negative slope) and
// `check --expect log` pass. Now no law fits, and the check fails saying why.
TEST(CheckFaults, ALawWithANegativeSlopeIsNeverPreferredNorPasses) {
  Grid g;
  g.T.clear();
  for (std::int64_t T = 1; T <= 40; ++T) g.T.push_back(T);
  g.N = {100, 1000, 10000, 100000};
  g.seeds = 1;
  const std::string dir = sweep_dir("cf_falling", g, [](std::int64_t T, std::int64_t N, int) {
    return 1 + std::pow(std::log(T) - std::log(80.0 / std::log(static_cast<double>(N))), 2);
  });
  test::CommandResult r = test::run_cli("analyze " + dir + " --bootstrap 0");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_FALSE(has(r.out, "<- preferred")) << r.out;
  EXPECT_TRUE(has(r.out, "no law fits: log: slope b = ")) << r.out;
  EXPECT_FALSE(has(r.out, "need >= 3 values of N")) << r.out;
  r = test::run_cli("check " + dir + " --expect log --bootstrap 0");
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_TRUE(has(r.out, "FAIL: expected log, but no law fits: log: slope b = ")) << r.out;
}

// Finding 8: `check` with nothing to check is a usage error (exit 2), said
// before anything is read (README: 0 pass, 1 fail, 2 usage or input error).
TEST(CheckFaults, NothingToCheckIsAUsageError) {
  const test::CommandResult r = test::run_cli("check " + test::temp_dir("cf_nothing") + "/no-such-dir");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_TRUE(has(r.err, "horizon: error: check: nothing to check (give --expect, --exponent, --baseline or --greedy-margin)"))
      << r.err;
}

// summary.json: a failed write is an error naming the file, and the old
// summary stays whole. RLIMIT_FSIZE makes the write fail (EFBIG) for any user;
// SIGXFSZ is ignored so the write returns the error instead of killing.
TEST(AnalyzeFaults, AFailedSummaryWriteKeepsTheOldSummary) {
  const std::string dir = sweep_dir("af_fsize", Grid{});
  test::write_file(dir + "/summary.json", "{\"old\": true}\n");
  const std::string cmd = "sh -c 'trap \"\" XFSZ; ulimit -f 2; exec " + std::string(HORIZON_BINARY) + " analyze " +
                          dir + " --bootstrap 0 >/dev/null 2>" + dir + "/err'";
  const int status = std::system(cmd.c_str());
  EXPECT_EQ(WEXITSTATUS(status), 2);
  EXPECT_TRUE(has(test::read_file(dir + "/err"), "horizon: error: cannot write '" + dir + "/summary.json")) << test::read_file(dir + "/err");
  EXPECT_TRUE(has(test::read_file(dir + "/err"), "File too large")) << test::read_file(dir + "/err");
  EXPECT_EQ(test::read_file(dir + "/summary.json"), "{\"old\": true}\n");
}

// The issue's case: on a full filesystem analyze printed "summary: …" and left
// 0 bytes. Needs a tiny tmpfs, so root (as CI runs).
TEST(AnalyzeFaults, AFullFilesystemIsAnErrorAndKeepsTheOldSummary) {
  const std::string src = sweep_dir("af_full_src", Grid{});
  const std::string mnt = test::temp_dir("af_full_mnt");
  if (std::system(("mount -t tmpfs -o size=64k tmpfs " + mnt + " 2>/dev/null").c_str()) != 0)
    FAIL() << "cannot mount a 64 KiB tmpfs at " << mnt << ": this fault test needs root (CI runs as root)";
  const std::string dir = mnt + "/run";
  fs::create_directory(dir);
  fs::copy_file(src + "/runs.csv", dir + "/runs.csv");
  fs::copy_file(src + "/manifest.json", dir + "/manifest.json");
  test::write_file(dir + "/summary.json", "{\"old\": true}\n");
  // Fill what is left (the write of the filler itself fails at the end: fine).
  std::system(("dd if=/dev/zero of=" + mnt + "/filler bs=4k 2>/dev/null").c_str());
  const test::CommandResult r = test::run_cli("analyze " + dir + " --bootstrap 0");
  const std::string old = test::read_file(dir + "/summary.json");
  std::size_t entries = 0;
  for (const auto& e : fs::directory_iterator(dir)) entries += e.is_regular_file();
  std::system(("umount " + mnt).c_str());
  EXPECT_EQ(r.exit_code, 2) << r.out;
  EXPECT_TRUE(has(r.err, "horizon: error: cannot write '" + dir + "/summary.json")) << r.err;
  EXPECT_TRUE(has(r.err, "No space left on device")) << r.err;
  EXPECT_FALSE(has(r.out, "summary: ")) << r.out;
  EXPECT_EQ(old, "{\"old\": true}\n");
  EXPECT_EQ(entries, 3u) << "a temporary file was left behind";
}

// summary.json names the manifest it came from: path, content hash, schema_version.
TEST(AnalyzeFaults, SummaryNamesItsManifest) {
  const std::string dir = sweep_dir("af_source", Grid{});
  ASSERT_EQ(test::run_cli("analyze " + dir + " --bootstrap 0").exit_code, 0);
  const auto s = nlohmann::json::parse(test::read_file(dir + "/summary.json"))["source"];
  EXPECT_EQ(s["runs_csv"], dir + "/runs.csv");
  EXPECT_EQ(s["manifest"]["path"], dir + "/manifest.json");
  EXPECT_EQ(s["manifest"]["fnv1a64"].get<std::string>().size(), 16u);
  EXPECT_EQ(s["manifest"]["schema_version"], 2);
  EXPECT_EQ(s["grid"]["expected_rows"], 20);
}

}  // namespace
}  // namespace horizon
