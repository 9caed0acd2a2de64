// The sweep driver (sweep.hpp).
#include "horizon/sweep.hpp"

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <iomanip>
#include <map>
#include <ostream>
#include <set>

#include "horizon/error.hpp"
#include "horizon/version.hpp"

namespace horizon {
namespace fs = std::filesystem;
namespace {

using Clock = std::chrono::steady_clock;

void write_json_atomically(const fs::path& path, const nlohmann::json& j) {
  const fs::path tmp = path.string() + ".tmp";
  {
    std::ofstream out(tmp);
    if (!out) throw InputError("--out", "cannot write '" + tmp.string() + "'");
    out << j.dump(2) << '\n';
  }
  fs::rename(tmp, path);
}

// (T, seed) pairs already complete in an existing runs.csv (every N present);
// the file is rewritten without partial groups.
std::set<std::pair<std::int64_t, std::uint64_t>> completed_pairs(const fs::path& csv, const SweepPlan& plan,
                                                                 int K, bool has_accuracy,
                                                                 std::vector<SweepRow>* kept) {
  std::set<std::pair<std::int64_t, std::uint64_t>> done;
  if (!fs::exists(csv)) return done;
  {  // a kill can tear the last line: keep only whole lines
    std::ifstream in(csv);
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    const std::size_t end = text.rfind('\n');
    text = end == std::string::npos ? std::string() : text.substr(0, end + 1);
    std::ofstream(csv, std::ios::trunc) << text;
  }
  std::vector<SweepRow> rows;
  try {
    rows = read_runs_csv(csv.string());
  } catch (const InputError&) {
    return done;  // empty or header-only file: nothing finished yet
  }
  std::map<std::pair<std::int64_t, std::uint64_t>, std::set<std::int64_t>> seen;
  for (const SweepRow& r : rows) seen[{r.T, r.seed}].insert(r.N);
  const std::set<std::int64_t> all_N(plan.N.begin(), plan.N.end());
  for (const auto& [key, Ns] : seen)
    if (Ns == all_N) done.insert(key);
  std::ofstream out(csv, std::ios::trunc);
  write_runs_header(out, K);
  for (const SweepRow& r : rows)
    if (done.count({r.T, r.seed})) {
      write_run_row(out, r, has_accuracy);
      kept->push_back(r);
    }
  return done;
}

class Progress {
 public:
  Progress(std::ostream* log, bool on, std::int64_t total) : log_(log), on_(on && log), total_(total) {}
  void update(std::int64_t done) {
    if (!on_) return;
    const double elapsed = std::chrono::duration<double>(Clock::now() - start_).count();
    const double eta = done > 0 ? elapsed * (total_ - done) / done : 0;
    *log_ << "\r[sweep] " << done << "/" << total_ << " trajectories (" << std::fixed << std::setprecision(0)
          << 100.0 * done / std::max<std::int64_t>(total_, 1) << "%), " << std::setprecision(1) << elapsed
          << " s elapsed, ~" << eta << " s left   " << std::defaultfloat << std::flush;
  }
  void finish() {
    if (on_) *log_ << '\n';
  }

 private:
  std::ostream* log_;
  bool on_;
  std::int64_t total_;
  Clock::time_point start_ = Clock::now();
};

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
  validate(plan);
  const fs::path dir(opts.out_dir);
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) throw InputError("--out", "cannot create directory '" + opts.out_dir + "': " + ec.message());
  const fs::path csv = dir / "runs.csv", manifest_path = dir / "manifest.json";

  const bool has_accuracy = std::holds_alternative<LogisticProblem>(p);
  SweepOutcome outcome;
  outcome.seeds_shared = !cfg.stochastic();
  const nlohmann::json config = sweep_config_json(p, cfg, plan);
  nlohmann::json manifest = opts.manifest_extra;
  manifest["version"] = version_string();
  manifest["config"] = config;
  manifest["backend"] = {{"name", backend.name()}, {"description", backend.description()}};
  manifest["problem"]["hash"] = problem_hash(p);
  manifest["problem"]["kind"] = problem_kind(p);
  manifest["problem"]["d"] = problem_d(p);
  manifest["problem"]["K"] = problem_K(p);
  if (const auto* q = std::get_if<QuadraticProblem>(&p)) manifest["problem"]["diagonal"] = q->diagonal;
  manifest["problem"]["domains"] = problem_names(p);
  manifest["seeds_shared"] = outcome.seeds_shared;

  std::set<std::pair<std::int64_t, std::uint64_t>> done;
  if (opts.resume && fs::exists(manifest_path)) {
    nlohmann::json old;
    try {
      std::ifstream in(manifest_path);
      old = nlohmann::json::parse(in);
    } catch (const std::exception&) {
      throw InputError("--resume", "'" + manifest_path.string() + "' is not a readable manifest");
    }
    if (!old.contains("config") || old["config"] != config)
      throw InputError("--resume", "the sweep in '" + opts.out_dir +
                                       "' has a different problem or config; use another --out");
    done = completed_pairs(csv, plan, problem_K(p), has_accuracy, &outcome.rows);
  }
  if (done.empty()) {
    std::ofstream out(csv, std::ios::trunc);
    if (!out) throw InputError("--out", "cannot write '" + csv.string() + "'");
    write_runs_header(out, problem_K(p));
  }
  manifest["complete"] = false;
  write_json_atomically(manifest_path, manifest);

  // Trajectories to compute: (T, seed) pairs; with no noise only seed0 per T.
  std::vector<RunSpec> todo;
  for (std::int64_t T : plan.T) {
    bool all_done = true;
    for (std::int64_t s = 0; s < plan.seeds; ++s) all_done = all_done && done.count({T, plan.seed0 + s});
    if (all_done) {
      outcome.trajectories_resumed += outcome.seeds_shared ? 1 : plan.seeds;
      continue;
    }
    for (std::int64_t s = 0; s < (outcome.seeds_shared ? 1 : plan.seeds); ++s) {
      const std::uint64_t seed = plan.seed0 + static_cast<std::uint64_t>(s);
      if (!outcome.seeds_shared && done.count({T, seed})) {
        ++outcome.trajectories_resumed;
        continue;
      }
      todo.push_back({T, seed});
    }
  }
  if (opts.log && outcome.seeds_shared && plan.seeds > 1)
    *opts.log << "horizon: noise is off, so all " << plan.seeds
              << " seeds are the same run: computed once per T, rows repeated per seed\n";
  if (opts.log && outcome.trajectories_resumed > 0)
    *opts.log << "horizon: resuming: " << outcome.trajectories_resumed << " trajectories already in "
              << csv.string() << "\n";

  std::ofstream out(csv, std::ios::app);
  Progress progress(opts.log, opts.progress, static_cast<std::int64_t>(todo.size()));
  const std::size_t batch = std::max<std::size_t>(1, backend.preferred_batch());
  for (std::size_t first = 0; first < todo.size(); first += batch) {
    const std::vector<RunSpec> specs(todo.begin() + first, todo.begin() + std::min(todo.size(), first + batch));
    const std::vector<RunResult> results = backend.run(p, cfg, specs, plan.N);
    for (const RunResult& r : results) {
      const std::int64_t copies = outcome.seeds_shared ? plan.seeds : 1;
      for (std::int64_t s = 0; s < copies; ++s) {
        const std::uint64_t seed = outcome.seeds_shared ? plan.seed0 + static_cast<std::uint64_t>(s) : r.spec.seed;
        if (done.count({r.spec.T, seed})) continue;  // kept from the resumed file
        for (const Checkpoint& c : r.checkpoints) {
          outcome.rows.push_back(make_row(c, r.spec.T, seed));
          write_run_row(out, outcome.rows.back(), has_accuracy);
        }
      }
    }
    out.flush();
    outcome.trajectories_computed += static_cast<std::int64_t>(specs.size());
    progress.update(outcome.trajectories_computed);
  }
  progress.finish();

  outcome.wall_seconds = std::chrono::duration<double>(Clock::now() - start).count();
  manifest["complete"] = true;
  manifest["wall_time_s"] = outcome.wall_seconds;
  manifest["trajectories_computed"] = outcome.trajectories_computed;
  manifest["trajectories_resumed"] = outcome.trajectories_resumed;
  manifest["rows"] = outcome.rows.size();
  write_json_atomically(manifest_path, manifest);
  return outcome;
}

}  // namespace horizon
