// The CPU backend's default thread count comes from the environment:
// OMP_NUM_THREADS, else the process's CPU affinity (taskset, Slurm's
// --cpus-per-task, an MPI rank's binding), not the machine's core count.
#include <gtest/gtest.h>

#include <sched.h>

#include <string>

#include "support.hpp"

namespace horizon {
namespace {

const char* kSweep = "sweep --preset demo --backend cpu --T 1,2 --N 10 --force --out ";

std::string backend_line(const test::CommandResult& r) {
  const auto at = r.err.find(" trajectories on ");
  return at == std::string::npos ? r.err : r.err.substr(at, r.err.find(" in ", at) - at);
}

TEST(ThreadsFromEnvironment, OmpNumThreadsSetsTheDefault) {
  const std::string dir = test::temp_dir("threads_omp");
  const test::CommandResult r = test::run_cli_under("env OMP_NUM_THREADS=3", kSweep + dir);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(backend_line(r), " trajectories on CPU reference, 3 threads") << r.err;
  // A list names nested levels: the first counts.
  const test::CommandResult list = test::run_cli_under("env OMP_NUM_THREADS=5,2", kSweep + dir);
  ASSERT_EQ(list.exit_code, 0) << list.err;
  EXPECT_EQ(backend_line(list), " trajectories on CPU reference, 5 threads") << list.err;
}

TEST(ThreadsFromEnvironment, AffinityMaskSetsTheDefault) {
  const std::string dir = test::temp_dir("threads_affinity");
  const test::CommandResult r = test::run_cli_under("env -u OMP_NUM_THREADS taskset -c 0", kSweep + dir);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(backend_line(r), " trajectories on CPU reference, 1 thread") << r.err;
  // Without a mask narrower than the machine, the CPUs this process may use.
  cpu_set_t set;
  CPU_ZERO(&set);
  ASSERT_EQ(sched_getaffinity(0, sizeof set, &set), 0);
  const int cpus = CPU_COUNT(&set);
  const test::CommandResult all = test::run_cli_under("env -u OMP_NUM_THREADS", kSweep + dir);
  ASSERT_EQ(all.exit_code, 0) << all.err;
  EXPECT_EQ(backend_line(all), " trajectories on CPU reference, " + std::to_string(cpus) + " thread" +
                                   (cpus == 1 ? "" : "s"))
      << all.err;
}

TEST(ThreadsFromEnvironment, FlagOverridesTheEnvironment) {
  const std::string dir = test::temp_dir("threads_flag");
  const test::CommandResult r = test::run_cli_under("env OMP_NUM_THREADS=3", kSweep + dir + " --threads 2");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(backend_line(r), " trajectories on CPU reference, 2 threads") << r.err;
}

TEST(ThreadsFromEnvironment, BadOmpNumThreadsIsOneLineError) {
  const std::string dir = test::temp_dir("threads_bad");
  for (const char* bad : {"abc", "0", "-2", "3x"}) {
    const test::CommandResult r = test::run_cli_under(std::string("env OMP_NUM_THREADS=") + bad, kSweep + dir);
    EXPECT_EQ(r.exit_code, 2) << bad << ": " << r.err;
    // libgomp says its own line first when it reads the variable at start-up.
    const std::string line = std::string("horizon: error: OMP_NUM_THREADS: not a positive integer (got '") + bad +
                             "'); unset it or give a count\n";
    ASSERT_GE(r.err.size(), line.size()) << r.err;
    EXPECT_EQ(r.err.substr(r.err.size() - line.size()), line);
    EXPECT_EQ(r.err.find("horizon:"), r.err.size() - line.size()) << r.err;
  }
}

}  // namespace
}  // namespace horizon
