// horizon._core: the algorithm settings as keywords, run (one trajectory) and sweep (the grid, runs.csv as columns).
#include "bindings_common.hpp"

namespace horizon {
namespace py {
namespace {

// ---------------------------------------------------------------- settings

// The algorithm and backend settings from keyword arguments named as the
// CLI's flags (inner_lr for --inner-lr); numbers checked like the flags.
ExperimentSettings settings_from(const nb::dict& kw) {
  ExperimentSettings s;
  for (auto [key_obj, value] : kw) {
    const std::string key = nb::cast<std::string>(key_obj);
    if (value.is_none()) continue;
    auto number = [&](bool positive) {
      const double v = nb::cast<double>(value);
      if (!std::isfinite(v) || (positive ? !(v > 0) : !(v >= 0)))
        throw InputError(key, std::string(positive ? "must be a finite number > 0" : "must be a finite number >= 0") +
                                  " (got " + format_number(v) + ")");
      return v;
    };
    auto text = [&] { return nb::cast<std::string>(value); };
    if (key == "inner_lr") s.inner_lr = number(true);
    else if (key == "outer_lr") s.outer_lr = number(true);
    else if (key == "inner_decay") s.inner_decay = number(false);
    else if (key == "noise") s.noise = number(false);
    else if (key == "restart") s.restart = nb::cast<bool>(value);
    else if (key == "inner_schedule") s.inner_schedule = parse_inner_schedule(text(), key);
    else if (key == "outer_schedule") s.outer_schedule = parse_outer_schedule(text(), key);
    else if (key == "update") s.update = parse_update_kind(text(), key);
    else if (key == "noise_kind") s.noise_kind = parse_noise_kind(text(), key);
    else if (key == "batch") {
      const long long b = nb::cast<long long>(value);
      if (b < 1 || b > INT32_MAX) throw InputError(key, "must be a positive integer (got " + std::to_string(b) + ")");
      s.batch = static_cast<int>(b);
    } else if (key == "backend") s.backend = text();
    else if (key == "threads") {
      const long long t = nb::cast<long long>(value);
      if (t < 0) throw InputError(key, "must be >= 0 (got " + std::to_string(t) + "; 0 = all hardware threads)");
      s.threads = static_cast<int>(std::min<long long>(t, INT32_MAX));
    } else if (key == "precision") s.precision = text();
    else if (key == "gpu_path") s.gpu_path = text();
    else throw nb::type_error(("unexpected keyword argument '" + key + "'").c_str());
  }
  if (s.batch && s.noise_kind.value_or(NoiseKind::gaussian) != NoiseKind::minibatch)
    throw InputError("batch", "applies to noise_kind='minibatch' only (got batch=" + std::to_string(*s.batch) + ")");
  if (s.backend && *s.backend != "cpu" && *s.backend != "cuda" && *s.backend != "auto")
    throw InputError("backend", "unknown value '" + *s.backend + "' (expected cpu, cuda or auto)");
  return s;
}

AlgorithmConfig algorithm_of(const ExperimentSettings& s) {
  if (!s.inner_lr) throw InputError("inner_lr", "required (give inner_lr=..., the inner step size eta0)");
  if (!s.outer_lr) throw InputError("outer_lr", "required (give outer_lr=..., the outer step size alpha0)");
  return resolve_algorithm(s);
}

// The algorithm settings with every default filled in, by their keyword names.
nb::dict algorithm_dict(const AlgorithmConfig& c) {
  nb::dict d;
  d["inner_lr"] = c.inner.eta0;
  d["outer_lr"] = c.outer.alpha0;
  d["inner_schedule"] = to_string(c.inner.kind);
  d["inner_decay"] = c.inner.gamma;
  d["restart"] = c.inner.restart;
  d["outer_schedule"] = to_string(c.outer.kind);
  d["update"] = to_string(c.update);
  d["noise"] = c.noise_sigma;
  d["noise_kind"] = to_string(c.noise_kind);
  d["batch"] = c.batch;
  return d;
}

std::unique_ptr<Backend> backend_for(const ExperimentSettings& s, const Problem& p, std::ostream& notices) {
  return make_backend(resolve_backend(s), notices, problem_kind(p));
}

// Ascending, each value once: the form budgets and grids take (as the CLI's
// list parser leaves them).
std::vector<std::int64_t> sorted_unique(std::vector<std::int64_t> v) {
  std::sort(v.begin(), v.end());
  v.erase(std::unique(v.begin(), v.end()), v.end());
  return v;
}

// ---------------------------------------------------------------- run

nb::dict run(const Problem& p, std::int64_t T, std::uint64_t seed, std::vector<std::int64_t> budgets,
             const nb::dict& kw) {
  const ExperimentSettings s = settings_from(kw);
  const AlgorithmConfig cfg = algorithm_of(s);
  if (T < 1) throw InputError("T", "must be a positive integer (got " + std::to_string(T) + ")");
  for (std::int64_t b : budgets)
    if (b < 1 || b > max_budget)
      throw InputError("N", "must be a positive integer up to " + std::to_string(max_budget) + " (got " +
                                std::to_string(b) + ")");
  budgets = sorted_unique(std::move(budgets));
  check_compatible(p, cfg);
  PyStderrBuf buf;
  std::ostream notices(&buf);
  std::unique_ptr<Backend> backend = backend_for(s, p, notices);
  notices.flush();
  RunResult r;
  {
    nb::gil_scoped_release release;
    r = backend->run(p, cfg, {RunSpec{T, seed}}, budgets).front();
  }
  const std::size_t n = r.checkpoints.size(), K = problem_K(p), d = problem_d(p);
  std::vector<std::int64_t> N(n), rounds(n), steps(n);
  std::vector<double> val_loss(n), val_acc(n), phi(n), fw_gap(n), w, theta;
  std::vector<std::uint8_t> diverged(n);
  w.reserve(n * K);
  theta.reserve(n * d);
  for (std::size_t i = 0; i < n; ++i) {
    const Checkpoint& c = r.checkpoints[i];
    N[i] = c.N, rounds[i] = c.rounds, steps[i] = c.steps;
    val_loss[i] = c.val_loss, val_acc[i] = c.val_acc, phi[i] = c.phi, fw_gap[i] = c.fw_gap;
    diverged[i] = c.diverged;
    w.insert(w.end(), c.w.begin(), c.w.end());
    theta.insert(theta.end(), c.theta.begin(), c.theta.end());
  }
  nb::dict out;
  out["N"] = to_numpy(std::move(N));
  out["rounds"] = to_numpy(std::move(rounds));
  out["steps"] = to_numpy(std::move(steps));
  out["w"] = to_numpy(std::move(w), {n, K});
  out["theta"] = to_numpy(std::move(theta), {n, d});
  out["val_loss"] = to_numpy(std::move(val_loss));
  out["val_acc"] = to_numpy(std::move(val_acc));
  out["phi"] = to_numpy(std::move(phi));
  out["fw_gap"] = to_numpy(std::move(fw_gap));
  out["diverged"] = to_numpy(std::move(diverged));
  out["backend"] = backend->name();
  return out;
}

// ---------------------------------------------------------------- runs.csv as columns

struct Columns {
  int K = 0;
  std::vector<std::int64_t> T, N, rounds, steps;
  std::vector<std::uint64_t> seed;
  std::vector<double> val_loss, phi, fw_gap, val_acc, w;  // w: rows × K
  std::vector<std::uint8_t> diverged;
  void reserve(std::size_t n) {
    for (auto* v : {&T, &N, &rounds, &steps}) v->reserve(n);
    seed.reserve(n);
    for (auto* v : {&val_loss, &phi, &fw_gap, &val_acc}) v->reserve(n);
    w.reserve(n * K);
    diverged.reserve(n);
  }
  void add(const SweepRow& r) {
    T.push_back(r.T), N.push_back(r.N), seed.push_back(r.seed), rounds.push_back(r.rounds), steps.push_back(r.steps);
    val_loss.push_back(r.val_loss), phi.push_back(r.phi), fw_gap.push_back(r.fw_gap), val_acc.push_back(r.val_acc);
    diverged.push_back(r.diverged);
    if (static_cast<int>(r.w.size()) == K)
      w.insert(w.end(), r.w.begin(), r.w.end());
    else
      w.insert(w.end(), K, NAN);  // a diverged row's weights are empty cells
  }
  nb::dict to_dict() {
    const std::size_t n = T.size(), k = K;
    nb::dict out;
    out["T"] = to_numpy(std::move(T));
    out["N"] = to_numpy(std::move(N));
    out["seed"] = to_numpy(std::move(seed));
    out["rounds"] = to_numpy(std::move(rounds));
    out["steps"] = to_numpy(std::move(steps));
    out["val_loss"] = to_numpy(std::move(val_loss));
    out["phi"] = to_numpy(std::move(phi));
    out["fw_gap"] = to_numpy(std::move(fw_gap));
    out["diverged"] = to_numpy(std::move(diverged));
    out["w"] = to_numpy(std::move(w), {n, k});
    out["val_acc"] = to_numpy(std::move(val_acc));
    return out;
  }
};

int width_of_header(const std::string& path) {
  std::ifstream in = open_input(path, path);
  std::string header;
  std::getline(in, header);
  const RunsCsvColumns cols(header, path);
  return static_cast<int>(cols.w_cols.size());
}

Columns read_columns(const std::string& path, std::int64_t expected_rows) {
  Columns c;
  c.K = width_of_header(path);
  if (expected_rows > 0) c.reserve(static_cast<std::size_t>(expected_rows));
  for_each_run_row(path, [&](const SweepRow& r) { c.add(r); });
  return c;
}

nb::dict read_runs(const std::string& path) {
  Columns c;
  {
    nb::gil_scoped_release release;
    c = read_columns(path, 0);
  }
  return c.to_dict();
}

// ---------------------------------------------------------------- sweep

nb::dict sweep(const Problem& p, const std::vector<std::int64_t>& T, const std::vector<std::int64_t>& N,
               std::int64_t seeds, std::uint64_t seed0, const nb::dict& kw, const std::string& out_dir, bool resume,
               bool force, const std::vector<std::string>& argv, const std::string& manifest_extra,
               std::optional<nb::callable> on_progress, bool draw_progress, bool read_back) {
  const ExperimentSettings s = settings_from(kw);
  const AlgorithmConfig cfg = algorithm_of(s);
  SweepPlan plan;
  plan.T = sorted_unique(T);
  plan.N = sorted_unique(N);
  plan.seeds = seeds;
  plan.seed0 = seed0;
  if (plan.T.empty() || plan.T.front() < 1) throw InputError("T", "needs positive integers");
  if (plan.N.empty() || plan.N.front() < 1) throw InputError("N", "needs positive integers");
  if (seeds < 1) throw InputError("seeds", "must be a positive integer (got " + std::to_string(seeds) + ")");
  validate(plan);
  check_compatible(p, cfg);
  PyStderrBuf buf;
  std::ostream log(&buf);
  std::unique_ptr<Backend> backend = backend_for(s, p, log);
  log.flush();

  SweepOptions opts;
  opts.out_dir = out_dir;
  opts.resume = resume;
  opts.force = force;
  opts.argv = argv;
  opts.log = &log;
  opts.progress = draw_progress;
  opts.manifest_extra = nlohmann::json::parse(manifest_extra);
  opts.on_saved = [&](std::int64_t done, std::int64_t total) {
    nb::gil_scoped_acquire gil;
    if (PyErr_CheckSignals() != 0) throw nb::python_error();  // Ctrl-C: the rows on disk stay
    if (on_progress) (*on_progress)(done, total);
  };
  SweepOutcome o;
  Columns c;
  {
    nb::gil_scoped_release release;
    o = run_sweep(p, cfg, plan, *backend, opts);
    log.flush();
    if (read_back) c = read_columns(out_dir + "/runs.csv", o.rows);
  }
  nb::dict out;
  out["rows"] = o.rows;
  out["trajectories_computed"] = o.trajectories_computed;
  out["trajectories_resumed"] = o.trajectories_resumed;
  out["trajectories_total"] = o.trajectories_total;
  out["seeds_shared"] = o.seeds_shared;
  out["wall_seconds"] = o.wall_seconds;
  out["backend"] = backend->name();
  out["backend_description"] = backend->description();
  if (read_back) out["columns"] = c.to_dict();
  return out;
}

}  // namespace

void bind_runs(nb::module_& m) {
  m.def("algorithm_defaults", [](const nb::dict& kw) {
    const ExperimentSettings s = settings_from(kw);
    return algorithm_dict(resolve_algorithm(s));
  });

  m.def("run", &run, "problem"_a, "T"_a, "seed"_a, "budgets"_a, "settings"_a);
  m.def("sweep", &sweep, "problem"_a, "T"_a, "N"_a, "seeds"_a, "seed0"_a, "settings"_a, "out_dir"_a, "resume"_a,
        "force"_a, "argv"_a, "manifest_extra"_a, "on_progress"_a.none(), "draw_progress"_a, "read_back"_a);
  m.def("read_runs", &read_runs, "path"_a);
}

}  // namespace py
}  // namespace horizon
