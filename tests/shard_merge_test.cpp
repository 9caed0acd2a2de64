// Shards and merge (sweep --shard I/N, horizon merge): the merged runs.csv
// is byte for byte the one-process sweep's, for both problem kinds, with
// noise and without; each shard resumes on its own; every misuse is a
// one-line error that writes nothing.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <regex>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "support.hpp"

namespace horizon {
namespace {

namespace fs = std::filesystem;

const std::string kQuadratic = "--preset demo --backend cpu --T 1,2,4,8,16 --N 50,100,300 --seeds 7 --noise 0.1";
const std::string kLogistic = "--preset paper-fig2 --backend cpu --T 1,4,16 --N 100,200 --seeds 5";
const std::string kShared = "--preset demo --backend cpu --T 1,2,4,8,16 --N 50,100,300 --seeds 7";  // no noise

void sweep(const std::string& args, const std::string& out, const std::string& more = "") {
  const test::CommandResult r = test::run_cli("sweep " + args + " --out " + out + " " + more);
  ASSERT_EQ(r.exit_code, 0) << r.err;
}

// The sweep run whole and in `count` shards merged in a shuffled order.
void expect_merge_equals_whole(const std::string& name, const std::string& args, int count) {
  const std::string root = test::temp_dir("shards_" + name);
  sweep(args, root + "/whole");
  std::string dirs;
  for (int i = count - 1; i >= 0; --i) {  // given to merge last shard first
    const std::string dir = root + "/shard" + std::to_string(i);
    sweep(args, dir, "--shard " + std::to_string(i) + "/" + std::to_string(count));
    dirs += " " + dir;
    const auto m = nlohmann::json::parse(test::read_file(dir + "/manifest.json"));
    EXPECT_EQ(m["shard"]["index"], i);
    EXPECT_EQ(m["shard"]["count"], count);
  }
  const test::CommandResult merged = test::run_cli("merge" + dirs + " --out " + root + "/merged");
  ASSERT_EQ(merged.exit_code, 0) << merged.err;
  const std::string whole = test::read_file(root + "/whole/runs.csv");
  ASSERT_GT(whole.size(), 100u);
  EXPECT_EQ(test::read_file(root + "/merged/runs.csv"), whole) << name;  // byte-identical
  const auto m = nlohmann::json::parse(test::read_file(root + "/merged/manifest.json"));
  EXPECT_EQ(m["command"], "merge");
  EXPECT_TRUE(m["complete"].get<bool>());
  EXPECT_FALSE(m.contains("shard"));
  ASSERT_EQ(m["merged_from"].size(), static_cast<std::size_t>(count));
  for (int i = 0; i < count; ++i) EXPECT_EQ(m["merged_from"][i]["index"], i);
  EXPECT_EQ(m["config"], nlohmann::json::parse(test::read_file(root + "/whole/manifest.json"))["config"]);
  // analyze treats it as any sweep: the same summary as the whole sweep's.
  const test::CommandResult a = test::run_cli("analyze " + root + "/merged");
  ASSERT_EQ(a.exit_code, 0) << a.err;
  const test::CommandResult b = test::run_cli("analyze " + root + "/whole");
  ASSERT_EQ(b.exit_code, 0) << b.err;
  auto without_path = [](const std::string& out) { return out.substr(0, out.rfind("summary: ")); };
  EXPECT_EQ(without_path(a.out), without_path(b.out));
}

TEST(ShardMerge, QuadraticWithNoiseIsByteIdentical) { expect_merge_equals_whole("quadratic", kQuadratic, 3); }
TEST(ShardMerge, LogisticMinibatchIsByteIdentical) { expect_merge_equals_whole("logistic", kLogistic, 4); }
// Noise off: shards split a T's seeds (35 trajectories in 4 blocks of 8 or 9).
TEST(ShardMerge, SharedSeedsSplitInsideATIsByteIdentical) { expect_merge_equals_whole("shared", kShared, 4); }
// More shards than trajectories: some shards are empty and still merge.
TEST(ShardMerge, EmptyShardsMerge) {
  expect_merge_equals_whole("empty", "--preset demo --backend cpu --T 1,2 --N 50 --seeds 1 --noise 0.1", 3);
}

TEST(ShardMerge, ShardsAreContiguousBalancedBlocks) {
  const std::string root = test::temp_dir("shards_blocks");
  std::int64_t next = 0;
  for (int i = 0; i < 4; ++i) {  // 35 trajectories: 9, 9, 9, 8
    const std::string dir = root + "/s" + std::to_string(i);
    sweep(kQuadratic, dir, "--shard " + std::to_string(i) + "/4");
    const auto m = nlohmann::json::parse(test::read_file(dir + "/manifest.json"));
    EXPECT_EQ(m["shard"]["trajectories"]["first"], next);
    const std::int64_t end = m["shard"]["trajectories"]["end"];
    EXPECT_EQ(end - next, i < 3 ? 9 : 8);
    next = end;
  }
  EXPECT_EQ(next, 35);
}

// A killed shard resumes on its own: its runs.csv is a prefix of its own
// block of the sweep's order.
TEST(ShardMerge, ShardResumesAfterACut) {
  const std::string root = test::temp_dir("shards_resume");
  sweep(kQuadratic, root + "/whole", "--shard 1/3");
  const std::string full = test::read_file(root + "/whole/runs.csv");
  sweep(kQuadratic, root + "/cut", "--shard 1/3");
  {  // the header, 2 whole trajectories, one row of the third and a torn line
    std::istringstream in(full);
    std::ofstream out(root + "/cut/runs.csv", std::ios::trunc);
    std::string line;
    for (int i = 0; i < 1 + 3 * 2 + 1 && std::getline(in, line); ++i) out << line << '\n';
    out << "4,100,1";
  }
  const test::CommandResult r = test::run_cli("sweep " + kQuadratic + " --shard 1/3 --resume --out " + root + "/cut");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("resume: kept 2 of 12 trajectories; recomputing 10"), std::string::npos) << r.err;
  EXPECT_EQ(test::read_file(root + "/cut/runs.csv"), full);
  // A row of another shard is not this shard's: the kept part ends before it.
  const std::string other = test::temp_dir("shards_resume_other");
  sweep(kQuadratic, other + "/s0", "--shard 0/3");
  fs::copy_file(other + "/s0/runs.csv", root + "/cut/runs.csv", fs::copy_options::overwrite_existing);
  const test::CommandResult o = test::run_cli("sweep " + kQuadratic + " --shard 1/3 --resume --out " + root + "/cut");
  ASSERT_EQ(o.exit_code, 0) << o.err;
  EXPECT_NE(o.err.find("a repeated, missing or reordered row"), std::string::npos) << o.err;
  EXPECT_EQ(test::read_file(root + "/cut/runs.csv"), full);
}

TEST(ShardMerge, ConfigRunTableSetsTheShard) {
  const std::string root = test::temp_dir("shards_toml");
  test::write_file(root + "/c.toml", "[run]\nshard = \"2/3\"\nprogress_every = 5\n");
  sweep(kQuadratic + " --config " + root + "/c.toml", root + "/s");
  const auto m = nlohmann::json::parse(test::read_file(root + "/s/manifest.json"));
  EXPECT_EQ(m["shard"]["index"], 2);
  EXPECT_EQ(m["shard"]["count"], 3);
  test::write_file(root + "/bad.toml", "[run]\nshard = \"3/3\"\n");
  const test::CommandResult r = test::run_cli("sweep " + kQuadratic + " --config " + root + "/bad.toml --out " + root + "/b");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(r.err, "horizon: error: " + root +
                       "/bad.toml: run.shard: shard index 3 is out of range: shards of 3 are numbered 0 to 2 (got "
                       "'3/3')\n");
}

// ---- bad input: one line, exit 2, nothing written ----

void expect_error(const std::string& args, const std::string& line) {
  const test::CommandResult r = test::run_cli(args);
  EXPECT_EQ(r.exit_code, 2) << args << "\n" << r.err;
  EXPECT_EQ(r.err, "horizon: error: " + line + "\n") << args;
}

TEST(ShardMergeErrors, ShardOutOfRangeOrMalformed) {
  const std::string dir = test::temp_dir("shards_bad_index");
  expect_error("sweep " + kQuadratic + " --out " + dir + "/x --shard 4/4",
               "--shard: shard index 4 is out of range: shards of 4 are numbered 0 to 3 (got '4/4')");
  expect_error("sweep " + kQuadratic + " --out " + dir + "/x --shard 0/0",
               "--shard: the shard count must be at least 1 (got '0/0')");
  expect_error("sweep " + kQuadratic + " --out " + dir + "/x --shard 1",
               "--shard: expected I/N, shard I of N counting from 0, such as 0/4 (got '1')");
  expect_error("sweep " + kQuadratic + " --out " + dir + "/x --shard -1/4",
               "--shard: expected I/N, shard I of N counting from 0, such as 0/4 (got '-1/4')");
  EXPECT_FALSE(fs::exists(dir + "/x"));
}

TEST(ShardMergeErrors, MergeRefusesShardsThatDoNotBelongTogether) {
  const std::string root = test::temp_dir("shards_bad_merge");
  for (int i = 0; i < 3; ++i) sweep(kQuadratic, root + "/s" + std::to_string(i), "--shard " + std::to_string(i) + "/3");
  sweep(kQuadratic + " --inner-lr 0.25", root + "/other1", "--shard 1/3");
  sweep(kQuadratic, root + "/four1", "--shard 1/4");
  sweep(kQuadratic, root + "/whole");
  const std::string s0 = root + "/s0", s1 = root + "/s1", s2 = root + "/s2", out = " --out " + root + "/m";
  expect_error("merge " + s0 + " " + s2 + out, "merge: shard 1 of 3 missing (given 2 of 3)");
  expect_error("merge " + s0 + out, "merge: shards 1, 2 of 3 missing (given 1 of 3)");
  expect_error("merge " + s0 + " " + s1 + " " + s1 + " " + s2 + out,
               "merge: shard 1/3 is given twice: '" + s1 + "' and '" + s1 + "'");
  expect_error("merge " + s0 + " " + root + "/other1 " + s2 + out,
               "merge: '" + root + "/other1' (shard 1/3) and '" + s0 +
                   "' (shard 0/3) come from different sweeps: the first's inner_lr is 0.5, the other's is 0.25");
  expect_error("merge " + s0 + " " + root + "/four1 " + s2 + out,
               "merge: '" + root + "/four1' (shard 1/4) and '" + s0 +
                   "' (shard 0/3) split the sweep into different numbers of shards");
  expect_error("merge " + s0 + " " + root + "/whole" + out,
               root + "/whole: not a shard: its manifest has no shard (a sweep run without --shard needs no merge)");
  expect_error("merge " + s0 + " " + root + "/nowhere" + out, root + "/nowhere: not a directory");
  expect_error("merge " + s0 + " " + s1 + " " + s2 + " --out " + s1,
               "--out: '" + s1 + "' is one of the shards; merge into a directory of its own");
  // Another problem: the config's problem hash differs.
  sweep(kQuadratic + " --problem " HORIZON_TEST_DATA "/tiny.json", root + "/tiny1", "--shard 1/3");
  const test::CommandResult hash = test::run_cli("merge " + s0 + " " + root + "/tiny1 " + s2 + out);
  EXPECT_EQ(hash.exit_code, 2);
  EXPECT_EQ(hash.err.rfind("horizon: error: merge: '" + root + "/tiny1' (shard 1/3) and '" + s0 +
                               "' (shard 0/3) come from different sweeps: the first's problem hash is ",
                           0),
            0u)
      << hash.err;
  // Another horizon version.
  fs::create_directories(root + "/v1");
  fs::copy(s1, root + "/v1", fs::copy_options::recursive | fs::copy_options::overwrite_existing);
  {
    auto m = nlohmann::json::parse(test::read_file(root + "/v1/manifest.json"));
    m["version"] = "0.0.1";
    test::write_file(root + "/v1/manifest.json", m.dump());
  }
  expect_error("merge " + s0 + " " + root + "/v1 " + s2 + out,
               "merge: '" + root + "/v1' (shard 1/3) and '" + s0 +
                   "' (shard 0/3) were written by different horizon versions (" +
                   nlohmann::json::parse(test::read_file(s0 + "/manifest.json"))["version"].get<std::string>() +
                   " and 0.0.1)");
  EXPECT_FALSE(fs::exists(root + "/m"));
  // A shard whose rows were cut (killed, not resumed) is refused too.
  {
    auto m = nlohmann::json::parse(test::read_file(s1 + "/manifest.json"));
    m["complete"] = false;
    test::write_file(s1 + "/manifest.json", m.dump());
  }
  expect_error("merge " + s0 + " " + s1 + " " + s2 + out,
               s1 + ": shard 1/3 is not complete (finish it: the same `horizon sweep ... --shard 1/3` with --resume)");
  {
    auto m = nlohmann::json::parse(test::read_file(s1 + "/manifest.json"));
    m["complete"] = true;
    test::write_file(s1 + "/manifest.json", m.dump());
    const std::string csv = test::read_file(s1 + "/runs.csv");
    test::write_file(s1 + "/runs.csv", csv.substr(0, csv.rfind('\n', csv.size() - 2) + 1));
  }
  const test::CommandResult cut = test::run_cli("merge " + s0 + " " + s1 + " " + s2 + out);
  EXPECT_EQ(cut.exit_code, 2);
  EXPECT_NE(cut.err.find(s1 + ": shard 1/3's runs.csv is not the shard's rows: "), std::string::npos) << cut.err;
  EXPECT_FALSE(fs::exists(root + "/m"));
}

TEST(ShardMergeErrors, ResumeOfADifferentShardIsRefused) {
  const std::string root = test::temp_dir("shards_bad_resume");
  sweep(kQuadratic, root + "/s0", "--shard 0/3");
  const std::string before = test::read_file(root + "/s0/runs.csv");
  expect_error("sweep " + kQuadratic + " --shard 1/3 --resume --out " + root + "/s0",
               "--shard: '" + root + "/s0' holds shard 0/3, this is shard 1/3: resume each shard in its own --out");
  expect_error("sweep " + kQuadratic + " --resume --out " + root + "/s0",
               "--shard: '" + root + "/s0' holds shard 0/3, this is a whole sweep (no --shard): resume each shard "
               "in its own --out");
  sweep(kQuadratic, root + "/whole");
  expect_error("sweep " + kQuadratic + " --shard 0/2 --resume --out " + root + "/whole",
               "--shard: '" + root + "/whole' holds a whole sweep, this is shard 0/2: resume each shard in its own --out");
  EXPECT_EQ(test::read_file(root + "/s0/runs.csv"), before);
}

// ---- progress lines in batch logs ----

TEST(Progress, LinesEveryFewSecondsWhenStderrIsAFile) {
  const std::string root = test::temp_dir("progress_lines");
  // 1024 trajectories in batches of 256 (one thread: CpuBackend::
  // preferred_batch); a line is due after every batch when the interval is a
  // microsecond.
  const std::string sweep_args =
      "sweep --preset demo --backend cpu --threads 1 --T 1,2,4,8 --N 500 --seeds 512 --noise 0.1 ";
  const test::CommandResult r =
      test::run_cli(sweep_args + "--shard 1/2 --progress-every 0.000001 --out " + root + "/s");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const std::regex line(
      R"(horizon: progress: shard 1/2: (\d+)/1024 trajectories \(\d+\.\d%\), [0-9.e+]+ run-steps/s, \d+\.\d s elapsed, ETA (\d+s|\d+m\d\ds))");
  std::vector<int> done;
  std::istringstream in(r.err);
  for (std::string l; std::getline(in, l);) {
    if (l.rfind("horizon: progress:", 0) != 0) continue;
    std::smatch m;
    ASSERT_TRUE(std::regex_match(l, m, line)) << l;
    done.push_back(std::stoi(m[1]));
  }
  ASSERT_EQ(done.size(), 4u) << r.err;
  for (std::size_t i = 0; i < done.size(); ++i) EXPECT_EQ(done[i], 256 * static_cast<int>(i + 1));
  EXPECT_EQ(r.err.find('\r'), std::string::npos);  // no terminal redraws in a file
  // The default, 30 s: a sweep of a second writes none; nor does 0.
  for (const std::string every : {"", "--progress-every 0 "}) {
    const test::CommandResult quiet = test::run_cli(sweep_args + every + "--force --out " + root + "/q");
    ASSERT_EQ(quiet.exit_code, 0) << quiet.err;
    EXPECT_EQ(quiet.err.find("horizon: progress:"), std::string::npos) << quiet.err;
  }
  expect_error("sweep " + kQuadratic + " --progress-every -1 --out " + root + "/x",
               "--progress-every: must be a finite number >= 0 (got '-1')");
}

}  // namespace
}  // namespace horizon
