// Inputs that once crashed horizon or got a misleading message (issue 10,
// findings 5 and 6): each must now end in one line on stderr and exit 2 (or
// run, with a notice), never a signal. These run the real binary.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdlib>

#include <fstream>
#include <string>

#include "support.hpp"

namespace horizon {
namespace {

const std::string tiny = std::string(HORIZON_TEST_DATA) + "/tiny.json";
const std::string algo = " --T 2 --N 20 --inner-lr 0.2 --outer-lr 0.5 --backend cpu";

int lines(const std::string& s) {
  int n = 0;
  for (char c : s) n += c == '\n';
  return n;
}

// Exit 2, one line on stderr containing `needle`, nothing on stdout.
void expect_refused(const test::CommandResult& r, const std::string& needle) {
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_EQ(lines(r.err), 1) << r.err;
  EXPECT_NE(r.err.find(needle), std::string::npos) << "stderr: " << r.err;
  EXPECT_TRUE(r.out.empty()) << r.out;
}

// The binary under `ulimit -v KIB` (virtual memory, as a container limit would cap it).
test::CommandResult run_limited(long kib, const std::string& args) {
  const std::string dir = test::temp_dir("limited");
  const std::string cmd = "sh -c 'ulimit -v " + std::to_string(kib) + " && exec \"$0\" \"$@\"' " + HORIZON_BINARY + " " +
                          args + " >" + dir + "/out 2>" + dir + "/err </dev/null";
  const int status = std::system(cmd.c_str());
  test::CommandResult r;
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  r.out = test::read_file(dir + "/out");
  r.err = test::read_file(dir + "/err");
  return r;
}

// --- finding 5: crashes --------------------------------------------------

TEST(CliFaults, AHugeThreadCountIsCappedWithANotice) {
  // Was SIGSEGV in libgomp (a team of 100000 threads overflows its stack).
  const test::CommandResult r = test::run_cli("run --problem " + tiny + algo + " --threads 100000");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("horizon: --threads 100000 capped at "), std::string::npos) << r.err;
  EXPECT_EQ(lines(r.err), 1) << r.err;
  const test::CommandResult wrap = test::run_cli("run --problem " + tiny + algo + " --threads 4294967295");
  EXPECT_EQ(wrap.exit_code, 0) << wrap.err;
  EXPECT_NE(wrap.err.find("capped at"), std::string::npos) << wrap.err;
}

TEST(CliFaults, DeeplyNestedJsonIsRejectedBeforeAnythingRecurses) {
  // Was SIGSEGV: nlohmann's dump() recursed 10^5 levels to quote the value in an error.
  const std::string dir = test::temp_dir("deep_json");
  const int depth = 100000;
  test::write_file(dir + "/deep.json", R"({"kind":"quadratic","domains":)" + std::string(depth, '[') +
                                           std::string(depth, ']') + "}");
  expect_refused(test::run_cli("run --problem " + dir + "/deep.json" + algo),
                 "deep.json: JSON nested more than 64 levels deep");
  // The same in a config's inline problem.
  test::write_file(dir + "/deep.toml", "[problem]\njson = '''" + std::string(depth, '[') + std::string(depth, ']') + "'''\n");
  expect_refused(test::run_cli("run --config " + dir + "/deep.toml" + algo), "nested more than 64 levels deep");
}

TEST(CliFaults, AProblemTooLargeForMemoryIsOutOfMemoryNotAnAbort) {
  // Was "terminate called after throwing an instance of 'std::bad_alloc'" and SIGABRT.
  // A 52 MB file takes about 215 MB to read; the limit is 150 MB.
  const std::string dir = test::temp_dir("huge_problem");
  {
    std::ofstream f(dir + "/huge.json");
    f << R"({"kind":"quadratic","domains":[{"A":[)";
    for (int i = 0; i < 4000000; ++i) f << (i ? ",1.0000000001" : "1.0000000001");
    f << R"(],"c":[0]}],"validation":{"A":[1],"c":[0]}})";
  }
  const long limit = 150 * 1024;
  const test::CommandResult small = run_limited(limit, "run --problem " + tiny + algo);
  ASSERT_EQ(small.exit_code, 0) << "the limit must leave room for a small problem: " << small.err;
  const test::CommandResult r = run_limited(limit, "run --problem " + dir + "/huge.json" + algo);
  expect_refused(r, "horizon: error: out of memory while reading the problem '" + dir + "/huge.json'");
}

TEST(CliFaults, AnAbsurdGridIsRefusedBeforeAnythingIsSized) {
  // --seeds 4294967295 was 4 GB allocated, then "internal error: std::bad_alloc".
  // Sweeps now stream (SweepFaults.AHugeSeedCountStreams), so what is refused is
  // a grid past 10^12 rows (~100 TB of runs.csv) or 10^7 (T, N) cells — under
  // a 1 GB limit, before any allocation sized by the grid.
  const test::CommandResult r = run_limited(1024 * 1024, "sweep --problem " + tiny +
                                                             " --T 1..1000 --N 20 --inner-lr 0.2 --outer-lr 0.5"
                                                             " --seeds 4294967295 --out " +
                                                             test::temp_dir("huge_seeds"));
  expect_refused(r, "grid: 1000 T x 1 N x 4294967295 seeds is more than the 1000000000000 rows a sweep may have");
  expect_refused(test::run_cli("sweep --problem " + tiny + " --T 1..1000000 --N 1..200 --inner-lr 0.2 --outer-lr 0.5"),
                 "grid: 1000000 T x 200 N x 1 seeds has more than the 10000000 (T, N) cells");
}

TEST(CliFaults, ADeeplyDottedTomlKeyIsRejected) {
  // Was SIGSEGV: toml++ recurses once per part of a dotted key (inline nesting it limits itself).
  const std::string dir = test::temp_dir("deep_toml");
  std::string key = "a";
  for (int i = 0; i < 100000; ++i) key += ".a";
  test::write_file(dir + "/dotted.toml", "# a.b.c in a comment and \"x.y\" in a string do not count\n" + key + " = 1\n");
  expect_refused(test::run_cli("run --config " + dir + "/dotted.toml" + algo),
                 "dotted.toml: line 2: a key nested more than 32 levels deep");
  test::write_file(dir + "/header.toml", "[" + key + "]\n");
  expect_refused(test::run_cli("run --config " + dir + "/header.toml" + algo), "header.toml: line 1: a key nested");
  test::write_file(dir + "/fine.toml", "description = \"a.b.c.d.e.f.g.h.i.j.k.l.m.n.o.p.q.r.s.t.u.v.w.x.y.z.a.b.c.d.e.f.g.h\"\n"
                                       "[grid]\nT = [1, 2]  # 1.5.6.7.8.9.0.1.2.3.4.5.6.7.8.9.0.1.2.3.4.5.6.7.8.9.0.1.2.3.4.5\n");
  EXPECT_EQ(test::run_cli("run --problem " + tiny + " --config " + dir + "/fine.toml --T 2 --N 20 --inner-lr 0.2 "
                          "--outer-lr 0.5 --backend cpu").exit_code, 0);
}

// --- finding 6: unclear messages ------------------------------------------

TEST(CliFaults, ADuplicateJsonKeyIsAnErrorNamingIt) {
  const std::string dir = test::temp_dir("dup_keys");
  test::write_file(dir + "/dup.json", R"({"kind":"quadratic","domains":[{"A":[1,1],"c":[0,0]},)"
                                      R"({"A":[1,1],"c":[0,0],"c":[1,1]}],"validation":{"A":[1,1],"c":[0,0]}})");
  expect_refused(test::run_cli("run --problem " + dir + "/dup.json" + algo),
                 "dup.json.domains[1].c: key given twice");
  // "kind" twice was "lambda: missing" (the last kind won silently).
  test::write_file(dir + "/kind.json", R"({"kind":"quadratic","kind":"logistic","domains":[{"A":[1],"c":[0]}],)"
                                       R"("validation":{"A":[1],"c":[0]}})");
  expect_refused(test::run_cli("run --problem " + dir + "/kind.json" + algo), "kind.json.kind: key given twice");
}

TEST(CliFaults, AByteOrderMarkIsSkipped) {
  const std::string dir = test::temp_dir("bom");
  const std::string bom = "\xEF\xBB\xBF";
  // A CSV whose first column is y: the BOM made it "\xEF\xBB\xBFy", "has no column named y".
  test::write_file(dir + "/a.csv", bom + "y,x0\n1,0.5\n-1,-0.5\n1,0.2\n");
  test::write_file(dir + "/v.csv", bom + "y,x0\n1,0.4\n-1,-0.3\n");
  test::write_file(dir + "/p.json", bom + R"({"kind":"logistic","lambda":0.1,"domains":[{"data":"a.csv"}],)"
                                          R"("validation":{"data":"v.csv"}})");
  const test::CommandResult r = test::run_cli("run --problem " + dir + "/p.json" + algo);
  EXPECT_EQ(r.exit_code, 0) << r.err;
}

TEST(CliFaults, AnEmptyListElementIsNamed) {
  // Was "--T: must be a positive integer (got '')".
  expect_refused(test::run_cli("sweep --problem " + tiny + " --T 1,,2 --N 10 --inner-lr 0.1 --outer-lr 0.1"),
                 "--T: empty element in '1,,2'");
  expect_refused(test::run_cli("sweep --problem " + tiny + " --T 1,2 --N 10, --inner-lr 0.1 --outer-lr 0.1"),
                 "--N: empty element in '10,'");
}

// `generate` wrote with an unchecked ofstream: exit 0 and a cut file on a full disk.
TEST(CliFaults, GenerateOntoAFullDiskIsAnError) {
  expect_refused(test::run_cli("generate --d 3 --K 2 --out /dev/full"),
                 "horizon: error: cannot write '/dev/full': No space left on device");
  const std::string dir = test::temp_dir("generate_ok");
  ASSERT_EQ(test::run_cli("generate --d 3 --K 2 --out " + dir + "/p.json").exit_code, 0);
  EXPECT_EQ(test::run_cli("run --problem " + dir + "/p.json" + algo).exit_code, 0);
}

}  // namespace
}  // namespace horizon
