// `horizon sweep` under faults, through the real binary: a full disk (runs.csv
// on /dev/full; a tiny tmpfs for manifest.json), a DIR that already holds a
// sweep, a malformed or torn runs.csv on --resume, two sweeps on one DIR, and
// an interrupted sweep resumed by the command it prints.
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <regex>
#include <string>
#include <thread>

#include "support.hpp"

namespace horizon {
namespace {
namespace fs = std::filesystem;

const std::string tiny = " --problem " HORIZON_TEST_DATA "/tiny.json --backend cpu --inner-lr 0.1 --outer-lr 0.5";
// 32 noisy trajectories (T × seed), 2 rows each.
const std::string small_grid = tiny + " --T 1,2,4,8 --N 10,20 --seeds 8 --noise 0.1";

int count_lines(const std::string& text) { return static_cast<int>(std::count(text.begin(), text.end(), '\n')); }

std::string sh(const std::string& script) {  // runs a shell script, returns its stdout
  const std::string dir = test::temp_dir("sh");
  test::write_file(dir + "/s.sh", script);
  EXPECT_EQ(std::system(("sh " + dir + "/s.sh >" + dir + "/out 2>&1").c_str()), 0) << test::read_file(dir + "/out");
  return test::read_file(dir + "/out");
}

// Finding 1: a failed write of runs.csv was ignored (exit 0, "N rows in runs.csv").
TEST(SweepFaults, RunsCsvOnAFullDeviceIsAnErrorNamingIt) {
  const std::string dir = test::temp_dir("sweep_dev_full");
  fs::create_symlink("/dev/full", dir + "/runs.csv");
  const test::CommandResult r = test::run_cli("sweep" + small_grid + " --out " + dir);
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("horizon: error: cannot write '" + dir + "/runs.csv': No space left on device"),
            std::string::npos) << r.err;
  EXPECT_EQ(r.err.find("rows in"), std::string::npos) << r.err;
  EXPECT_EQ(count_lines(r.err), 1) << r.err;
}

// Finding 1 on a real full file system: the rows that fit stay whole, the
// manifest stays readable, a resume onto the still-full disk leaves the
// manifest as it was, and once there is room the resume finishes the sweep
// with the rows of an uninterrupted one.
TEST(SweepFaults, FullTmpfsKeepsTheSweepResumable) {
  const std::string mnt = test::temp_dir("sweep_tmpfs");
  if (std::system(("mount -t tmpfs -o size=256k tmpfs " + mnt + " 2>/dev/null").c_str()) != 0)
    FAIL() << "cannot mount a 256 KiB tmpfs at " << mnt << ": this fault test needs root (CI runs as root)";
  struct Unmount {
    std::string mnt;
    ~Unmount() { std::system(("umount " + mnt).c_str()); }
  } unmount{mnt};
  // 2048 trajectories × 2 rows ≈ 530 kB; one thread: batches of 256
  // trajectories (CpuBackend::preferred_batch), ≈ 66 kB each.
  const std::string grid = tiny + " --threads 1 --T 1..64 --N 100,200 --seeds 32 --noise 0.1";
  const std::string dir = mnt + "/s";
  const test::CommandResult r = test::run_cli("sweep" + grid + " --out " + dir);
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("cannot write '" + dir + "/runs.csv': No space left on device"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("horizon: notice: runs.csv will grow by about "), std::string::npos) << r.err;  // said up front
  const std::string partial = test::read_file(dir + "/runs.csv");
  ASSERT_FALSE(partial.empty());
  EXPECT_EQ(partial.back(), '\n') << "a torn row was left behind";
  const int rows = count_lines(partial) - 1;
  EXPECT_GT(rows, 0);
  EXPECT_EQ(rows % 512, 0) << "not whole batches";
  const std::string manifest = test::read_file(dir + "/manifest.json");
  EXPECT_FALSE(nlohmann::json::parse(manifest)["complete"].get<bool>());

  std::system(("dd if=/dev/zero of=" + mnt + "/filler bs=1k 2>/dev/null").c_str());  // fill what is left
  const test::CommandResult full = test::run_cli("sweep" + grid + " --out " + dir + " --resume");
  EXPECT_EQ(full.exit_code, 2) << full.err;
  EXPECT_NE(full.err.find("manifest.json"), std::string::npos) << full.err;
  EXPECT_NE(full.err.find("No space left on device"), std::string::npos) << full.err;
  EXPECT_EQ(test::read_file(dir + "/manifest.json"), manifest) << "the manifest was touched";
  EXPECT_EQ(test::read_file(dir + "/runs.csv"), partial);

  fs::remove(mnt + "/filler");
  ASSERT_EQ(std::system(("mount -o remount,size=4m " + mnt).c_str()), 0);
  const test::CommandResult resumed = test::run_cli("sweep" + grid + " --out " + dir + " --resume");
  ASSERT_EQ(resumed.exit_code, 0) << resumed.err;
  EXPECT_NE(resumed.err.find("resume: kept " + std::to_string(rows / 2) + " of 2048 trajectories; recomputing " +
                             std::to_string(2048 - rows / 2)),
            std::string::npos) << resumed.err;
  const std::string whole = test::temp_dir("sweep_tmpfs_whole");
  ASSERT_EQ(test::run_cli("sweep" + grid + " --out " + whole).exit_code, 0);
  EXPECT_EQ(test::read_file(dir + "/runs.csv"), test::read_file(whole + "/runs.csv"));
}

// Finding 2: a second sweep into a DIR with results replaced them silently.
TEST(SweepFaults, ExistingResultsNeedResumeOrForce) {
  const std::string dir = test::temp_dir("sweep_existing");
  ASSERT_EQ(test::run_cli("sweep" + small_grid + " --out " + dir).exit_code, 0);
  const std::string first = test::read_file(dir + "/runs.csv");
  const test::CommandResult again = test::run_cli("sweep" + small_grid + " --seed0 7 --out " + dir);
  EXPECT_EQ(again.exit_code, 2);
  EXPECT_NE(again.err.find("horizon: error: --out: '" + dir +
                           "' already holds a sweep; pass --resume to continue it or --force to move it aside"),
            std::string::npos) << again.err;
  EXPECT_EQ(test::read_file(dir + "/runs.csv"), first);

  const test::CommandResult forced = test::run_cli("sweep" + small_grid + " --seed0 7 --out " + dir + " --force");
  ASSERT_EQ(forced.exit_code, 0) << forced.err;
  std::smatch m;
  ASSERT_TRUE(std::regex_search(forced.err, m, std::regex("moved the earlier results to (\\S+/previous-\\d{8}T\\d{6}Z)")))
      << forced.err;
  EXPECT_EQ(test::read_file(m[1].str() + "/runs.csv"), first);
  EXPECT_TRUE(fs::exists(m[1].str() + "/manifest.json"));
  EXPECT_NE(test::read_file(dir + "/runs.csv"), first);
  EXPECT_EQ(test::run_cli("sweep" + small_grid + " --out " + dir + " --force --resume").exit_code, 2);
}

// Finding 2: --resume with one malformed row threw away every finished
// trajectory; it keeps those before the bad row (a torn last line likewise).
TEST(SweepFaults, ResumeKeepsTheRowsBeforeTheFirstBadOne) {
  const std::string whole = test::temp_dir("sweep_resume_whole");
  ASSERT_EQ(test::run_cli("sweep" + small_grid + " --out " + whole).exit_code, 0);
  const std::string expected = test::read_file(whole + "/runs.csv");
  struct Case {
    const char* name;
    std::size_t cut_line;  // 1-based data row that is spoilt
    bool torn;
    int kept;
  };
  for (const Case c : {Case{"middle", 40, false, 19}, Case{"torn", 51, true, 25}}) {
    const std::string dir = test::temp_dir(std::string("sweep_resume_") + c.name);
    fs::create_directories(dir);
    fs::copy_file(whole + "/manifest.json", dir + "/manifest.json");
    std::size_t pos = 0;
    for (std::size_t i = 0; i < c.cut_line; ++i) pos = expected.find('\n', pos) + 1;  // start of the row
    std::string spoilt = expected.substr(0, pos);
    if (c.torn) {
      spoilt += expected.substr(pos, 12);  // half a row, no newline
    } else {
      spoilt += "x" + expected.substr(pos);  // column T: not an integer
    }
    test::write_file(dir + "/runs.csv", spoilt);
    const test::CommandResult r = test::run_cli("sweep" + small_grid + " --out " + dir + " --resume");
    ASSERT_EQ(r.exit_code, 0) << c.name << r.err;
    EXPECT_NE(r.err.find("resume: kept " + std::to_string(c.kept) + " of 32 trajectories; recomputing " +
                         std::to_string(32 - c.kept)),
              std::string::npos) << c.name << ": " << r.err;
    EXPECT_NE(r.err.find(c.torn ? "torn" : "not an integer"), std::string::npos) << r.err;
    EXPECT_EQ(test::read_file(dir + "/runs.csv"), expected) << c.name;  // byte-identical
    if (!c.torn) {  // the spoilt file is kept beside it, not deleted
      bool kept_aside = false;
      for (const auto& e : fs::directory_iterator(dir))
        kept_aside = kept_aside || (e.path().filename().string().rfind("runs.csv.before-resume-", 0) == 0 &&
                                    test::read_file(e.path().string()) == spoilt);
      EXPECT_TRUE(kept_aside);
    }
  }
}

// Finding 3: two sweeps on one DIR both ran; the second now fails at once,
// naming the first one's pid. Finding 8: the interrupted sweep says how
// many trajectories are done and the command that resumes it, which then
// finishes the sweep with the rows of an uninterrupted run.
TEST(SweepFaults, ASecondSweepOnTheSameDirFailsAndAnInterruptSaysHowToResume) {
  const std::string dir = test::temp_dir("sweep_lock");
  const std::string grid = tiny + " --threads 1 --T 1..32 --N 100000,200000 --seeds 16 --noise 0.1";  // ~3 s
  // Start the long sweep in the background; its pid is the one in .lock.
  const std::string pid = sh(std::string(HORIZON_BINARY) + " sweep" + grid + " --out " + dir + " >" + dir +
                             ".out 2>" + dir + ".err &\necho $!\n");
  const int p = std::stoi(pid);
  for (int i = 0; i < 200 && test::read_file(dir + "/.lock").find('\n') == std::string::npos; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  ASSERT_EQ(test::read_file(dir + "/.lock"), std::to_string(p) + "\n");
  const auto t0 = std::chrono::steady_clock::now();
  const test::CommandResult second = test::run_cli("sweep" + grid + " --out " + dir + " --resume");
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  EXPECT_EQ(second.exit_code, 2);
  EXPECT_NE(second.err.find("horizon: error: --out: '" + dir + "' is in use by another sweep (pid " +
                            std::to_string(p) + ")"),
            std::string::npos) << second.err;
  EXPECT_LT(seconds, 5.0);

  // Let a batch or two finish, then SIGTERM it.
  for (int i = 0; i < 400 && count_lines(test::read_file(dir + "/runs.csv")) < 2; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  ::kill(p, SIGTERM);
  for (int i = 0; i < 200 && ::kill(p, 0) == 0; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  const std::string err = test::read_file(dir + ".err");
  std::smatch m;
  ASSERT_TRUE(std::regex_search(err, m, std::regex("horizon: interrupted: (\\d+) of 512 trajectories done, saved in " +
                                                   dir + "/runs.csv; resume with: (.*) --resume\n")))
      << err;
  EXPECT_GT(std::stoi(m[1].str()), 0) << err;
  const test::CommandResult resumed = test::run_cli("sweep" + grid + " --out " + dir + " --resume");
  ASSERT_EQ(resumed.exit_code, 0) << resumed.err;
  EXPECT_NE(resumed.err.find("resume: kept " + m[1].str() + " of 512"), std::string::npos) << resumed.err;
  const std::string whole = test::temp_dir("sweep_lock_whole");
  ASSERT_EQ(test::run_cli("sweep" + grid + " --out " + whole).exit_code, 0);
  EXPECT_EQ(test::read_file(dir + "/runs.csv"), test::read_file(whole + "/runs.csv"));
}

// Finding 5: --seeds 4294967295 allocated 4 GB (one entry per trajectory,
// every row kept in memory) before failing. The sweep now generates its
// trajectories a batch at a time and streams rows to runs.csv: under a 150 MB
// address-space limit it runs (here until interrupted), and a million noise-
// free seeds — rows that would take over 250 MB in memory — finish.
TEST(SweepFaults, AHugeSeedCountStreams) {
  const std::string limit = "ulimit -v 153600\n";
  const std::string dir = test::temp_dir("sweep_streams");
  const std::string out = sh(limit + HORIZON_BINARY + " sweep" + tiny + " --T 2 --N 20 --noise 0.1 --seeds 4294967295 --out " +
                             dir + " 2>" + dir + ".err &\np=$!\ni=0\n" + "while [ \"$(stat -c %s " + dir +
                             "/runs.csv 2>/dev/null || echo 0)\" -lt 20000000 ] && [ $i -lt 600 ]; do sleep 0.05; "
                             "i=$((i+1)); done\nkill -TERM $p\ni=0\nwhile kill -0 $p 2>/dev/null && [ $i -lt 200 ]; do sleep 0.05; "
                             "i=$((i+1)); done\nkill -KILL $p 2>/dev/null\nwait $p\necho rc=$?\n");
  // SIGTERM: a background job of a non-interactive sh ignores SIGINT.
  EXPECT_NE(out.find("rc=143\n"), std::string::npos) << out << test::read_file(dir + ".err");
  const std::string err = test::read_file(dir + ".err");
  std::smatch m;
  ASSERT_TRUE(std::regex_search(err, m, std::regex("horizon: interrupted: (\\d+) of 4294967295 trajectories done")))
      << err;
  EXPECT_GT(std::stoll(m[1].str()), 100000) << err;
  // What the message claims is on disk: that many whole trajectories.
  EXPECT_EQ(count_lines(test::read_file(dir + "/runs.csv")), 1 + std::stoll(m[1].str())) << err;

  const std::string shared = test::temp_dir("sweep_streams_shared");
  const std::string done = sh(limit + HORIZON_BINARY + " sweep" + tiny + " --T 2 --N 20 --seeds 1000000 --out " +
                              shared + " >" + shared + ".out 2>" + shared + ".err\necho rc=$?\n");
  ASSERT_NE(done.find("rc=0\n"), std::string::npos) << done << test::read_file(shared + ".err");
  EXPECT_EQ(count_lines(test::read_file(shared + "/runs.csv")), 1 + 1000000);
  EXPECT_NE(test::read_file(shared + ".out").find("mean val_loss over 1000000 seeds"), std::string::npos);
  std::error_code ec;  // 150 MB of rows between them
  fs::remove_all(dir, ec);
  fs::remove_all(shared, ec);
}

// Finding 8: the exit status of an interrupted sweep stays 128 + signal.
TEST(SweepFaults, InterruptedSweepExitsWithTheSignalStatus) {
  const std::string dir = test::temp_dir("sweep_sigterm");
  const std::string lock = dir + "/.lock";  // non-empty once the sweep holds it
  const std::string out = sh(std::string(HORIZON_BINARY) + " sweep" + tiny +
                             " --threads 1 --T 1..32 --N 20000,40000 --seeds 16 --noise 0.1 --out " + dir + " 2>" +
                             dir + ".err &\np=$!\ni=0\n" + "while [ ! -s " + lock +
                             " ] && [ $i -lt 200 ]; do sleep 0.05; i=$((i+1)); done\n" + "kill -TERM $p\nwait $p\necho rc=$?\n");
  EXPECT_NE(out.find("rc=143\n"), std::string::npos) << out;
  EXPECT_NE(test::read_file(dir + ".err").find("horizon: interrupted: "), std::string::npos);
}

}  // namespace
}  // namespace horizon
