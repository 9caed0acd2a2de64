// The sweep driver (sweep.hpp).
#include "horizon/sweep.hpp"

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <ostream>
#include <sstream>

#include <sys/statvfs.h>
#include <sys/types.h>
#include <unistd.h>

#include "horizon/error.hpp"
#include "horizon/io_error.hpp"
#include "horizon/version.hpp"
#include "io/checked_file.hpp"
#include "sweep/sweep_dir.hpp"
#include "sweep/trajectory_order.hpp"

namespace horizon {
namespace fs = std::filesystem;
namespace {

using Clock = std::chrono::steady_clock;

void write_manifest(const fs::path& path, const nlohmann::json& j) { io::write_file_atomically(path, j.dump(2) + "\n"); }

std::string host_name() {
  char buf[256] = {};
  return ::gethostname(buf, sizeof buf - 1) == 0 ? buf : "";
}

// Appends a batch's rows; on a failed write (a full disk) the file is cut
// back to its last whole row, so it stays resumable.
void append_rows(io::AppendFile& out, const std::string& rows) {
  std::error_code ec;
  const auto size = fs::is_regular_file(out.path(), ec) ? fs::file_size(out.path(), ec) : 0;
  try {
    out.append(rows);
    out.sync();
  } catch (const IoError&) {
    if (size > 0) ::truncate(out.path().c_str(), static_cast<off_t>(size));
    throw;
  }
}

// --resume: keeps the whole trajectories before the first bad line
// (sweep_dir::read_valid_prefix), cutting runs.csv back to them when
// anything after them is dropped (a spoilt file is first copied aside:
// nothing is deleted). Returns false when there is nothing to keep
// (runs.csv is then started afresh).
bool resume_rows(const fs::path& csv, const fs::path& dir, const SweepPlan& plan, int K, std::ostream* log,
                 sweep_dir::Prefix* prefix) {
  const TrajectoryOrder order = TrajectoryOrder::of(plan);
  *prefix = sweep_dir::read_valid_prefix(csv, {plan.T, plan.N, plan.seeds, plan.seed0, K, order.first, order.end});
  if (!prefix->first_bad.empty() && log) {
    *log << "horizon: resume: " << prefix->first_bad << "; the rows from there on are recomputed";
    if (!prefix->torn_only) {
      const fs::path aside = dir / ("runs.csv.before-resume-" + sweep_dir::utc_compact());
      std::error_code ec;
      fs::copy_file(csv, aside, ec);
      if (ec) throw IoError("cannot copy '" + csv.string() + "' to '" + aside.string() + "': " + ec.message());
      *log << " (the file as it was: " << aside.string() << ")";
    }
    *log << "\n";
  }
  if (prefix->trajectories == 0) return false;
  if (prefix->keep_bytes < prefix->file_bytes && ::truncate(csv.c_str(), static_cast<off_t>(prefix->keep_bytes)) != 0)
    throw IoError("cannot cut '" + csv.string() + "' back to its whole trajectories: " + std::strerror(errno));
  return true;
}

// A notice when the rows still to write will not fit on DIR's file system
// (a rough size: about 20 characters a number). The sweep still runs: it
// stops with an error when the disk is full, and --resume continues it.
void warn_if_disk_too_small(const fs::path& dir, const SweepPlan& plan, std::int64_t trajectories, int K,
                            std::int64_t kept_rows, std::ostream& log) {
  struct statvfs fsinfo {};
  if (::statvfs(dir.c_str(), &fsinfo) != 0) return;
  const double free_bytes = static_cast<double>(fsinfo.f_bavail) * static_cast<double>(fsinfo.f_frsize);
  const double rows = static_cast<double>(trajectories) * static_cast<double>(plan.N.size()) -
                      static_cast<double>(kept_rows);
  const double need = rows * (20.0 * (4 + K) + 10);
  if (need <= free_bytes) return;
  auto size = [](double bytes) {
    const char* units[] = {"B", "kB", "MB", "GB", "TB", "PB"};
    int u = 0;
    for (; bytes >= 1000 && u < 5; ++u) bytes /= 1000;
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.3g %s", bytes, units[u]);
    return std::string(buf);
  };
  log << "horizon: notice: runs.csv will grow by about " << size(need) << ", but " << dir.string() << " has "
      << size(free_bytes) << " free: the sweep stops with an error when the disk is full (--resume continues it "
      << "on a larger one)\n";
}

// On a terminal: one line redrawn after every batch. Otherwise (a batch
// log): a line every `every` seconds with trajectories done/total, run-steps
// per second and an ETA.
class Progress {
 public:
  Progress(const SweepOptions& opts, std::int64_t done, std::int64_t total, std::int64_t steps_per_run,
           std::string label)
      : log_(opts.log), terminal_(opts.progress && opts.log), every_(opts.log ? opts.progress_every : 0),
        done0_(done), total_(total), steps_per_run_(steps_per_run), label_(std::move(label)) {}
  void update(std::int64_t done, std::int64_t runs) {
    const auto now = Clock::now();
    const double elapsed = std::chrono::duration<double>(now - start_).count();
    const double eta = done > done0_ ? elapsed * (total_ - done) / (done - done0_) : 0;
    if (terminal_) {
      *log_ << "\r[sweep] " << label_ << done << "/" << total_ << " trajectories (" << std::fixed
            << std::setprecision(0) << 100.0 * done / std::max<std::int64_t>(total_, 1) << "%), "
            << std::setprecision(1) << elapsed << " s elapsed, ~" << eta << " s left   " << std::defaultfloat
            << std::flush;
      return;
    }
    if (every_ <= 0 || std::chrono::duration<double>(now - last_).count() < every_) return;
    last_ = now;
    char line[256];
    std::snprintf(line, sizeof line,
                  "horizon: progress: %s%lld/%lld trajectories (%.1f%%), %.3g run-steps/s, %.1f s elapsed, ETA %s\n",
                  label_.c_str(), static_cast<long long>(done), static_cast<long long>(total_),
                  100.0 * static_cast<double>(done) / static_cast<double>(std::max<std::int64_t>(total_, 1)),
                  elapsed > 0 ? static_cast<double>(runs) * static_cast<double>(steps_per_run_) / elapsed : 0.0,
                  elapsed, done > done0_ ? duration(eta).c_str() : "unknown");
    *log_ << line << std::flush;
  }
  void finish() {
    if (terminal_) *log_ << '\n';
  }

 private:
  static std::string duration(double s) {
    char buf[64];
    const long long t = static_cast<long long>(s + 0.5);
    if (t >= 86400) std::snprintf(buf, sizeof buf, "%lldd%02lldh%02lldm", t / 86400, t / 3600 % 24, t / 60 % 60);
    else if (t >= 3600) std::snprintf(buf, sizeof buf, "%lldh%02lldm%02llds", t / 3600, t / 60 % 60, t % 60);
    else if (t >= 60) std::snprintf(buf, sizeof buf, "%lldm%02llds", t / 60, t % 60);
    else std::snprintf(buf, sizeof buf, "%llds", t);
    return buf;
  }
  std::ostream* log_;
  bool terminal_;
  double every_;
  std::int64_t done0_, total_, steps_per_run_;
  std::string label_;
  Clock::time_point start_ = Clock::now(), last_ = Clock::now();
};

// The rows of a batch's results, appended to *text: for each result (one
// trajectory, or with shared seeds one run standing for its T's seeds) the
// rows of its trajectories with index in [from, order.end). `piece` is
// called whenever *text passes about 4 MB (whole trajectories), so a
// noise-free T with 10^9 seeds is not built in memory first.
std::int64_t format_rows(const TrajectoryOrder& order, std::int64_t from, bool shared, bool has_accuracy,
                         const std::vector<RunResult>& results, std::string* text,
                         const std::function<void()>& piece) {
  constexpr std::size_t chunk_bytes = 1 << 22;
  std::int64_t rows = 0;
  std::ostringstream os;
  auto drain = [&] {
    *text += os.str();
    os.str("");
  };
  for (const RunResult& r : results) {
    const std::int64_t ti = std::lower_bound(order.T.begin(), order.T.end(), r.spec.T) - order.T.begin();
    const std::int64_t lo = shared ? std::max(from, ti * order.seeds) : order.index(ti, r.spec.seed);
    const std::int64_t hi = shared ? std::min(order.end, (ti + 1) * order.seeds) : lo + 1;
    for (std::int64_t g = lo; g < hi; ++g) {
      const std::uint64_t seed = order.seed(g);
      for (const Checkpoint& c : r.checkpoints) write_run_row(os, make_row(c, r.spec.T, seed), has_accuracy);
      rows += static_cast<std::int64_t>(r.checkpoints.size());
      if (static_cast<std::size_t>(os.tellp()) > chunk_bytes && piece) {
        drain();
        piece();
      }
    }
  }
  drain();
  return rows;
}

}  // namespace

nlohmann::json sweep_config_json(const Problem& p, const AlgorithmConfig& cfg, const SweepPlan& plan) {
  return {
      {"problem_hash", problem_hash(p)},
      {"algorithm",
       {{"inner_lr", cfg.inner.eta0},
        {"inner_schedule", to_string(cfg.inner.kind)},
        {"inner_decay", cfg.inner.gamma},
        {"restart", cfg.inner.restart},
        {"outer_lr", cfg.outer.alpha0},
        {"outer_schedule", to_string(cfg.outer.kind)},
        {"update", to_string(cfg.update)},
        {"noise", cfg.noise_sigma},
        {"noise_kind", to_string(cfg.noise_kind)},
        {"batch", cfg.batch}}},
      {"grid", {{"T", plan.T}, {"N", plan.N}, {"seeds", plan.seeds}, {"seed0", plan.seed0}}},
  };
}

void validate(const SweepPlan& plan) {
  if (plan.seeds > 0 && static_cast<std::uint64_t>(plan.seeds - 1) > UINT64_MAX - plan.seed0)
    throw InputError("--seed0", "seed0 + seeds - 1 exceeds 2^64 - 1 (got seed0 " + std::to_string(plan.seed0) +
                                    " with " + std::to_string(plan.seeds) + " seeds)");
}

SweepOutcome run_sweep(const Problem& p, const AlgorithmConfig& cfg, const SweepPlan& plan,
                       Backend& backend, const SweepOptions& opts) {
  const auto start = Clock::now();
  const std::string started_at = sweep_dir::utc_iso8601();
  validate(plan);
  const fs::path dir(opts.out_dir);
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) throw InputError("--out", "cannot create directory '" + opts.out_dir + "': " + ec.message());
  const sweep_dir::DirLock lock(dir);  // held until we return
  const fs::path csv = dir / "runs.csv", manifest_path = dir / "manifest.json";
  if (opts.resume && opts.force) throw InputError("--force", "cannot be combined with --resume");

  const bool has_accuracy = std::holds_alternative<LogisticProblem>(p);
  const int K = problem_K(p);
  SweepOutcome outcome;
  outcome.seeds_shared = !cfg.stochastic();
  const nlohmann::json config = sweep_config_json(p, cfg, plan);
  nlohmann::json manifest = opts.manifest_extra;
  manifest["schema_version"] = manifest_schema_version;
  manifest["version"] = version_string();
  manifest["build"] = {{"version", version_string()}, {"git_commit", git_commit()}, {"options", build_options()}};
  manifest["argv"] = opts.argv;
  manifest["host"] = host_name();
  manifest["started_at"] = started_at;
  manifest["config"] = config;
  manifest["backend"] = {{"name", backend.name()}, {"description", backend.description()}};
  manifest["problem"]["hash"] = problem_hash(p);
  manifest["problem"]["kind"] = problem_kind(p);
  manifest["problem"]["d"] = problem_d(p);
  manifest["problem"]["K"] = K;
  if (const auto* q = std::get_if<QuadraticProblem>(&p)) manifest["problem"]["diagonal"] = q->diagonal;
  manifest["problem"]["domains"] = problem_names(p);
  manifest["seeds_shared"] = outcome.seeds_shared;
  const TrajectoryOrder order = TrajectoryOrder::of(plan);
  const bool sharded = plan.shard.count > 1;
  if (sharded)
    manifest["shard"] = {{"index", plan.shard.index}, {"count", plan.shard.count},
                         {"trajectories", {{"first", order.first}, {"end", order.end}}}};
  if (opts.peers && opts.peers->size() > 1) manifest["mpi"] = {{"ranks", opts.peers->size()}};

  sweep_dir::Prefix prefix;  // what --resume keeps
  const bool existing = sweep_dir::has_results(dir);
  if (existing && !opts.resume && !opts.force)
    throw InputError("--out", "'" + opts.out_dir +
                                  "' already holds a sweep; pass --resume to continue it or --force to move it "
                                  "aside (to " + opts.out_dir + "/previous-<UTC time>/)");
  if (existing && opts.force) {
    const fs::path aside = sweep_dir::move_results_aside(dir);
    if (opts.log) *opts.log << "horizon: --force: moved the earlier results to " << aside.string() << "\n";
  }
  bool rewrite_csv = true;  // start runs.csv afresh (header only)
  if (opts.resume && existing) {
    if (!fs::exists(manifest_path))
      throw InputError("--resume", "'" + opts.out_dir + "' has runs.csv but no manifest.json; use --force to move it aside");
    nlohmann::json old;
    try {
      std::ifstream in(manifest_path);
      old = nlohmann::json::parse(in);
    } catch (const std::exception&) {
      throw InputError("--resume", "'" + manifest_path.string() + "' is not a readable manifest");
    }
    if (!old.is_object() || !old.contains("config"))
      throw InputError("--resume", "'" + manifest_path.string() + "' has no config");
    const std::string difference = sweep_dir::first_difference(old["config"], config);
    if (!difference.empty()) throw InputError("--resume", difference);
    const std::string old_shard =
        old.contains("shard") ? std::to_string(old["shard"].value("index", -1)) + "/" +
                                    std::to_string(old["shard"].value("count", -1))
                              : "";
    const std::string this_shard =
        sharded ? std::to_string(plan.shard.index) + "/" + std::to_string(plan.shard.count) : "";
    if (old_shard != this_shard)
      throw InputError("--shard", "'" + opts.out_dir + "' holds " +
                                      (old_shard.empty() ? "a whole sweep" : "shard " + old_shard) + ", this is " +
                                      (this_shard.empty() ? "a whole sweep (no --shard)" : "shard " + this_shard) +
                                      ": resume each shard in its own --out");
    if (old.contains("started_at")) manifest["first_started_at"] = old.value("first_started_at", old["started_at"]);
    rewrite_csv = !resume_rows(csv, dir, plan, K, opts.log, &prefix);
    if (rewrite_csv) prefix = {};
  }
  const std::int64_t kept = prefix.trajectories;  // the first ones in sweep order
  outcome.rows = prefix.kept_rows;
  // Appended, not replaced: runs.csv may be a link the user made (to another
  // disk, or /dev/full in the tests). An empty leftover file is started over.
  std::error_code size_ec;
  if (rewrite_csv && fs::is_regular_file(csv, size_ec)) fs::remove(csv, size_ec);
  io::AppendFile out(csv);
  if (rewrite_csv) append_rows(out, runs_header(K));
  manifest["complete"] = false;
  write_manifest(manifest_path, manifest);

  // What is kept and what is left: trajectories [order.first + kept,
  // order.end). Shared seeds: a T counts as resumed only when all its seeds
  // (in this part) are kept; otherwise it is run again for the rest.
  const std::int64_t from = order.first + kept;
  PendingTrajectories pending(order, from, outcome.seeds_shared);
  const std::int64_t to_compute = pending.runs_left();
  outcome.trajectories_resumed =
      outcome.seeds_shared && from < order.end ? std::max(order.first, order.t_index(from) * order.seeds) - order.first
                                               : kept;
  if (opts.log && outcome.seeds_shared && plan.seeds > 1)
    *opts.log << "horizon: noise is off, so all " << plan.seeds
              << " seeds are the same run: computed once per T, rows repeated per seed\n";
  outcome.trajectories_total = outcome.trajectories_resumed + to_compute;
  if (opts.log && sharded)
    *opts.log << "horizon: shard " << plan.shard.index << "/" << plan.shard.count << ": trajectories " << order.first
              << " to " << order.end - 1 << " of the sweep's " << order.total() << "\n";
  if (opts.log && opts.resume)
    *opts.log << "horizon: resume: kept " << outcome.trajectories_resumed << " of " << outcome.trajectories_total
              << " trajectories; recomputing " << to_compute << "\n";
  if (opts.log && plan.T.back() > plan.N.front()) {  // both ascending
    std::int64_t cells = 0;
    for (std::int64_t T : plan.T)
      for (std::int64_t N : plan.N) cells += T > N;
    *opts.log << "horizon: notice: " << cells << " (T, N) cell" << (cells == 1 ? " has" : "s have")
              << " T > N (e.g. T = " << plan.T.back() << ", N = " << plan.N.front()
              << "): 0 rounds, so their rows hold the starting weights w0\n";
  }
  if (opts.log) warn_if_disk_too_small(dir, plan, order.size(), K, outcome.rows, *opts.log);

  auto saved = [&] {
    if (opts.on_saved)
      opts.on_saved(outcome.trajectories_resumed + outcome.trajectories_computed, outcome.trajectories_total);
  };
  saved();
  const std::string label =
      sharded ? "shard " + std::to_string(plan.shard.index) + "/" + std::to_string(plan.shard.count) + ": " : "";
  Progress progress(opts, outcome.trajectories_resumed, outcome.trajectories_total, plan.N.back(), label);
  const std::size_t batch = std::max<std::size_t>(1, backend.preferred_batch());
  // MPI: the other ranks compute the batches batch_owner gives them; rows
  // are written here, in the sweep's order. Shared seeds (a
  // handful of runs, many rows) stay on this rank.
  const int ranks = opts.peers ? opts.peers->size() : 1;
  const bool distribute = ranks > 1 && !outcome.seeds_shared;
  if (opts.peers) opts.peers->start(from, batch, distribute);
  if (opts.log && ranks > 1 && !distribute)
    *opts.log << "horizon: noise is off: rank 0 computes the " << to_compute << " runs alone\n";
  std::vector<RunSpec> specs;
  std::string text;
  // Each piece is a checkpoint for an interrupt (on_saved), so a T with
  // many shared seeds can be stopped part way; --resume keeps its whole rows.
  auto flush = [&] {
    if (opts.on_saving) opts.on_saving();
    append_rows(out, text);
    text.clear();
    saved();
  };
  for (std::int64_t number = 0; pending.next(batch, &specs); ++number) {
    if (distribute && batch_owner(number, ranks) != 0) {
      text = opts.peers->receive(number);
      outcome.rows += static_cast<std::int64_t>(std::count(text.begin(), text.end(), '\n'));
    } else {
      const std::vector<RunResult> results = backend.run(p, cfg, specs, plan.N);
      outcome.rows += format_rows(order, from, outcome.seeds_shared, has_accuracy, results, &text, flush);
    }
    outcome.trajectories_computed += static_cast<std::int64_t>(specs.size());
    flush();
    progress.update(outcome.trajectories_resumed + outcome.trajectories_computed, outcome.trajectories_computed);
  }
  out.close();
  progress.finish();

  outcome.wall_seconds = std::chrono::duration<double>(Clock::now() - start).count();
  manifest["complete"] = true;
  manifest["finished_at"] = sweep_dir::utc_iso8601();
  manifest["wall_time_s"] = outcome.wall_seconds;
  manifest["trajectories_computed"] = outcome.trajectories_computed;
  manifest["trajectories_resumed"] = outcome.trajectories_resumed;
  manifest["rows"] = outcome.rows;
  write_manifest(manifest_path, manifest);
  return outcome;
}

void serve_sweep(const Problem& p, const AlgorithmConfig& cfg, const SweepPlan& plan, Backend& backend, int rank,
                 int size, const std::function<void(std::int64_t number, const std::string& rows)>& send,
                 const std::function<void(std::int64_t* from, std::size_t* batch, bool* distribute)>& receive_start) {
  validate(plan);
  std::int64_t from = 0;
  std::size_t batch = 1;
  bool distribute = false;
  receive_start(&from, &batch, &distribute);
  if (!distribute) return;
  const TrajectoryOrder order = TrajectoryOrder::of(plan);
  const bool has_accuracy = std::holds_alternative<LogisticProblem>(p);
  PendingTrajectories pending(order, from, /*shared=*/false);
  std::vector<RunSpec> specs;
  for (std::int64_t number = 0; pending.next(batch, &specs); ++number) {
    if (batch_owner(number, size) != rank) continue;
    std::string text;
    format_rows(order, from, false, has_accuracy, backend.run(p, cfg, specs, plan.N), &text, nullptr);
    send(number, text);
  }
}

}  // namespace horizon
