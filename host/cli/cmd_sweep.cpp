// `horizon sweep`: the T × N × seed grid, rows to DIR/runs.csv, T* per N to stdout.
#include <unistd.h>

#include <atomic>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iostream>
#include <iterator>
#include <memory>
#include <sstream>

#include "commands.hpp"
#include "flags.hpp"
#include "horizon/backend.hpp"
#include "horizon/error.hpp"
#include "horizon/grid_summary.hpp"
#include "horizon/io_error.hpp"
#include "horizon/parse.hpp"
#include "horizon/sweep.hpp"
#include "require.hpp"
#include "sweep/mpi_world.hpp"

namespace horizon {
namespace cli {
namespace {

// T* per N by mean val_loss over seeds, with the greedy (T = 1) loss beside
// it, from runs.csv read back as a stream (memory grows with the (N, T)
// cells, not the seeds).
void print_t_star(std::ostream& os, const std::string& csv, std::int64_t seeds) {
  CurveAccumulator acc(Metric::val_loss, /*medians=*/false);
  for_each_run_row(csv, [&](const SweepRow& r) { acc.add(r); });
  const std::vector<PerN> summary = acc.finish();
  char line[256];
  std::snprintf(line, sizeof line, "%10s %8s %16s %16s  %s\n", "N", "T*", "val_loss at T*", "val_loss at T=1",
                "w at T*");
  os << "\nT* per N (mean val_loss over " << seeds << " seed" << (seeds == 1 ? "" : "s") << "):\n" << line;
  for (const PerN& pn : summary) {
    char greedy[32] = "-";  // "-": T = 1 is not on the grid
    for (const CurvePoint& cp : pn.curve)
      if (cp.T == 1) std::snprintf(greedy, sizeof greedy, "%.8g", cp.mean);
    if (pn.T_star == 0) {
      std::snprintf(line, sizeof line, "%10lld %8s  every T diverged\n", static_cast<long long>(pn.N), "-");
      os << line;
      continue;
    }
    const CurvePoint& star = pn.curve[pn.star_index];
    std::snprintf(line, sizeof line, "%10lld %8lld %16.8g %16s ", static_cast<long long>(pn.N),
                  static_cast<long long>(pn.T_star), star.mean, greedy);
    os << line;
    for (double w : star.w_mean) {
      std::snprintf(line, sizeof line, " %.4f", w);
      os << line;
    }
    os << '\n';
  }
}

// The command line as run (Linux: /proc/self/cmdline), for the manifest and
// the resume hint.
std::vector<std::string> command_line() {
  std::ifstream in("/proc/self/cmdline", std::ios::binary);
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::vector<std::string> argv;
  for (std::size_t start = 0, end; start < text.size(); start = end + 1) {
    end = text.find('\0', start);
    if (end == std::string::npos) end = text.size();
    argv.push_back(text.substr(start, end - start));
  }
  return argv;
}

std::string shell_quote(const std::string& arg) {
  if (!arg.empty() && arg.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-./=:,+@%") ==
                          std::string::npos)
    return arg;
  std::string out = "'";
  for (char c : arg) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

// The same command with --resume (and without --force).
std::string resume_command(const std::vector<std::string>& argv) {
  std::string cmd;
  bool has_resume = false;
  for (const std::string& a : argv) {
    if (a == "--force") continue;
    has_resume = has_resume || a == "--resume";
    cmd += (cmd.empty() ? "" : " ") + shell_quote(a);
  }
  return has_resume ? cmd : cmd + " --resume";
}

// On SIGINT / SIGTERM: one line saying what is saved and how to go on, then
// the default action (the exit status stays 128 + signal: 130, 143). Only
// async-signal-safe calls: the text is prepared, the counts are atomics.
std::atomic<long long> g_done{0}, g_total{0};
char g_interrupt_text[8192];  // "... resume with: <command>\n"
bool g_progress_line = false;
bool g_under_mpi = false;

void put_number(char*& p, long long v) {
  char digits[24];
  int n = 0;
  do digits[n++] = static_cast<char>('0' + v % 10); while ((v /= 10) > 0);
  while (n > 0) *p++ = digits[--n];
}

// Set while a batch is being written: an interrupt then waits for it.
std::atomic<int> g_writing{0}, g_pending{0};

extern "C" void on_interrupt(int sig) {
  if (g_writing.load()) {
    g_pending = sig;
    return;
  }
  char buf[sizeof g_interrupt_text + 128];
  char* p = buf;
  auto put = [&p](const char* s) { while (*s) *p++ = *s++; };
  if (g_progress_line) put("\n");
  put(g_under_mpi ? "horizon: interrupted (under mpirun: a rank died or the job was stopped; see mpirun's message): "
                  : "horizon: interrupted: ");
  put_number(p, g_done.load());
  put(" of ");
  put_number(p, g_total.load());
  put(g_interrupt_text);
  ssize_t rc = ::write(STDERR_FILENO, buf, static_cast<std::size_t>(p - buf));
  (void)rc;
  std::signal(sig, SIG_DFL);
  std::raise(sig);
}

void install_interrupt_handler(const std::string& out_dir, const std::string& resume, bool progress) {
  std::snprintf(g_interrupt_text, sizeof g_interrupt_text,
                " trajectories done, saved in %s/runs.csv; resume with: %s\n", out_dir.c_str(), resume.c_str());
  g_progress_line = progress;
  for (int sig : {SIGINT, SIGTERM}) {
    struct sigaction old {};
    ::sigaction(sig, nullptr, &old);
    if (old.sa_handler == SIG_IGN) continue;  // e.g. SIGINT of a background job: keep it ignored
    struct sigaction sa {};
    sa.sa_handler = on_interrupt;
    sigemptyset(&sa.sa_mask);
    ::sigaction(sig, &sa, nullptr);
  }
}

// Where the problem came from, for the manifest: the file's path, size and
// FNV-1a 64 content hash; a copy of inline JSON; the generator's parameters.
nlohmann::json problem_source(const ExperimentSettings& s, const CommonFlags& flags) {
  nlohmann::json j;
  if (s.problem_file) {
    std::ifstream in(*s.problem_file, std::ios::binary);
    const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    std::uint64_t h = 1469598103934665603ull;
    for (unsigned char ch : text) h = (h ^ ch) * 1099511628211ull;
    char hex[17];
    std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(h));
    j["source"] = *s.problem_file;
    j["file"] = {{"path", *s.problem_file}, {"bytes", text.size()}, {"fnv1a64", hex}};
  } else if (s.problem_json) {
    j["source"] = s.problem_origin;
    j["json"] = nlohmann::json::parse(*s.problem_json, nullptr, false);
    if (j["json"].is_discarded()) j["json"] = *s.problem_json;
  } else {
    j["source"] = flags.given("--preset") ? "preset " + flags.preset : "generator";
    if (s.logistic_generator) {
      const LogisticGeneratorParams& g = *s.logistic_generator;
      j["generator"] = {{"kind", "logistic"}, {"d", g.d}, {"K", g.K}, {"examples", g.examples},
                        {"validation_examples", g.validation_examples}, {"label_noise", g.label_noise},
                        {"spread", g.spread}, {"shift", g.shift}, {"aligned", g.aligned}, {"lambda", g.lambda},
                        {"lambda_v", g.lambda_v}, {"seed", g.seed}};
    } else if (s.generator) {
      const GeneratorParams& g = *s.generator;
      j["generator"] = {{"kind", "quadratic"}, {"d", g.d}, {"K", g.K}, {"mu", g.mu}, {"L", g.L},
                        {"diagonal", g.diagonal}, {"aligned", g.aligned}, {"spread", g.spread},
                        {"lean", g.lean}, {"seed", g.seed}};
    }
  }
  return j;
}

}  // namespace

Action add_sweep_command(CLI::App& app) {
  CLI::App* cmd = app.add_subcommand("sweep", "the T x N x seed grid: DIR/runs.csv, DIR/manifest.json, T* per N");
  auto flags = std::make_shared<CommonFlags>();
  auto seeds = std::make_shared<std::string>();
  auto seed0 = std::make_shared<std::string>();
  auto out = std::make_shared<std::string>();
  auto resume = std::make_shared<bool>(false);
  auto force = std::make_shared<bool>(false);
  auto shard = std::make_shared<std::string>();
  auto progress_every = std::make_shared<std::string>();
  flags->add_to(cmd);
  cmd->add_option("--shard", *shard,
                  "I/N: run shard I (0 <= I < N) of the grid's trajectories into --out; `horizon merge` joins the N");
  cmd->add_option("--progress-every", *progress_every,
                  "seconds between progress lines when stderr is not a terminal (default 30; 0: none)");
  cmd->add_option("--seeds", *seeds, "number of seeds (default 1)");
  cmd->add_option("--seed0", *seed0, "first seed (default 0)");
  cmd->add_option("--out", *out, "output directory (default runs/sweep)");
  CLI::Option* resume_flag =
      cmd->add_flag("--resume", *resume, "continue a killed sweep in --out with the same config");
  cmd->add_flag("--force", *force, "--out holds a sweep: move it to --out/previous-<UTC time>/ and start afresh")
      ->excludes(resume_flag);
  auto run = [=](const ExperimentSettings& s, const SweepPlan& plan, const AlgorithmConfig& cfg, const Problem& p,
                 const mpi::World& world) {
    BackendChoice choice = resolve_backend(s);
    choice.local_rank = world.local_rank;
    if (world.rank != 0) {  // computes batches for rank 0; says nothing unless it fails
      std::ostringstream quiet;
      auto backend = make_backend(choice, quiet, problem_kind(p));
      mpi::serve(world, p, cfg, plan, *backend);
      return;
    }
    auto backend = make_backend(choice, std::cerr, problem_kind(p));
    const std::unique_ptr<SweepPeers> peers = mpi::peers(world);
    SweepOptions opts;
    opts.out_dir = s.out.value_or("runs/sweep");
    opts.resume = *resume;
    opts.force = *force;
    opts.argv = command_line();
    opts.log = &std::cerr;
    opts.progress = isatty(STDERR_FILENO);
    opts.progress_every = opts.progress ? 0 : s.progress_every.value_or(30);
    opts.manifest_extra["command"] = "sweep";
    opts.manifest_extra["problem"] = problem_source(s, *flags);
    opts.on_saving = [] { g_writing = 1; };
    opts.on_saved = [](std::int64_t done, std::int64_t total) {
      g_done = done;
      g_total = total;
      g_writing = 0;
      if (const int sig = g_pending.exchange(0)) on_interrupt(sig);
    };
    g_total = static_cast<long long>(plan.T.size()) * (cfg.stochastic() ? plan.seeds : 1);
    install_interrupt_handler(opts.out_dir, resume_command(opts.argv), opts.progress);
    if (!s.description.empty()) opts.manifest_extra["description"] = s.description;
    opts.peers = peers.get();
    g_under_mpi = peers != nullptr;
    const SweepOutcome o = run_sweep(p, cfg, plan, *backend, opts);
    std::cerr << "horizon: " << o.trajectories_computed << " trajectories on " << backend->description()
              << (peers ? " x " + std::to_string(world.size) + " MPI ranks" : "") << " in "
              << o.wall_seconds << " s; " << o.rows << " rows in " << opts.out_dir << "/runs.csv\n";
    if (o.rows > 0) print_t_star(std::cout, opts.out_dir + "/runs.csv", plan.seeds);
  };
  return [=]() {
    ExperimentSettings s = flags->settings(true);
    if (cmd->count("--seeds")) s.seeds = parse_positive_int("--seeds", *seeds);
    if (cmd->count("--seed0")) s.seed0 = parse_seed("--seed0", *seed0);
    if (cmd->count("--out")) s.out = *out;
    SweepPlan plan;
    plan.T = require(s.T, "--T", "grid.T");
    plan.N = require(s.N, "--N", "grid.N");
    plan.seeds = s.seeds.value_or(1);
    plan.seed0 = s.seed0.value_or(0);
    if (cmd->count("--shard")) s.shard = *shard;
    if (s.shard) parse_shard(*s.shard, cmd->count("--shard") ? "--shard" : "run.shard", &plan.shard.index, &plan.shard.count);
    if (cmd->count("--progress-every")) s.progress_every = parse_nonnegative("--progress-every", *progress_every);
    validate(plan);
    require(s.inner_lr, "--inner-lr", "algorithm.inner_lr");
    require(s.outer_lr, "--outer-lr", "algorithm.outer_lr");
    const AlgorithmConfig cfg = resolve_algorithm(s);
    const Problem p = resolve_problem(s);
    // Under mpirun: rank 0 writes DIR, the others compute batches for it.
    const mpi::World world = mpi::start();
    try {
      run(s, plan, cfg, p, world);
      mpi::finish();
      return 0;
    } catch (const std::exception& e) {
      if (!world.active || world.size < 2) throw;
      // The other ranks would wait for this one: end them all, after the
      // one line that says why.
      const bool input = dynamic_cast<const InputError*>(&e) || dynamic_cast<const IoError*>(&e);
      std::cerr << "horizon: " << (input ? "error: " : "internal error: ")
                << (world.rank == 0 ? "" : "rank " + std::to_string(world.rank) + ": ") << e.what() << std::endl;
      mpi::abort_all(2);
      throw;
    }
  };
}

}  // namespace cli
}  // namespace horizon
