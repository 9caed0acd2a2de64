// horizon._core — the nanobind extension behind the Python package (host/python/horizon).
//
// A thin layer over the library the CLI uses (horizon_core): it builds
// problems from NumPy arrays, resolves the algorithm and backend settings
// with the CLI's rules (experiment.hpp), runs sweeps through run_sweep and
// analyses through analyze / analyze_sweep_dir / check. The Python side
// (horizon/__init__.py) adds keyword arguments, pandas and the progress bar.
//
// The GIL is released while C++ computes; the sweep's on_saved callback takes
// it back between written batches to check for Ctrl-C (PyErr_CheckSignals)
// and to report progress. Errors: horizon::InputError → horizon.InputError
// (a ValueError), horizon::IoError → horizon.IoError (an OSError),
// std::bad_alloc → MemoryError, each with the CLI's one-line message.
#include <nanobind/nanobind.h>
#include <nanobind/ndarray.h>
#include <nanobind/stl/function.h>
#include <nanobind/stl/optional.h>
#include <nanobind/stl/pair.h>
#include <nanobind/stl/string.h>
#include <nanobind/stl/vector.h>

#include <algorithm>
#include <climits>
#include <cmath>
#include <cstdint>
#include <fstream>
#include <memory>
#include <sstream>
#include <streambuf>
#include <string>
#include <vector>

#include "horizon/analysis.hpp"
#include "horizon/backend.hpp"
#include "horizon/check.hpp"
#include "horizon/config.hpp"
#include "horizon/error.hpp"
#include "horizon/experiment.hpp"
#include "horizon/io_error.hpp"
#include "horizon/logistic.hpp"
#include "horizon/parse.hpp"
#include "horizon/problem.hpp"
#include "horizon/runs_csv.hpp"
#include "horizon/sweep.hpp"
#include "horizon/version.hpp"
#include "io/checked_file.hpp"

namespace nb = nanobind;
using namespace nb::literals;

namespace horizon {
namespace py {
namespace {

using Vector = nb::ndarray<const double, nb::ndim<1>, nb::c_contig, nb::device::cpu>;
using AnyArray = nb::ndarray<const double, nb::c_contig, nb::device::cpu>;
using Matrix = nb::ndarray<const double, nb::ndim<2>, nb::c_contig, nb::device::cpu>;

// ---------------------------------------------------------------- output to sys.stderr

// A stream buffer that hands each line to Python's sys.stderr (so notices
// and the progress line show in notebooks too), taking the GIL to do so.
class PyStderrBuf : public std::stringbuf {
 public:
  ~PyStderrBuf() override { flush_to_python(); }
  int sync() override {
    flush_to_python();
    return 0;
  }
  void flush_to_python() {
    std::string text = str();
    if (text.empty()) return;
    str("");
    nb::gil_scoped_acquire gil;
    nb::object err = nb::module_::import_("sys").attr("stderr");
    if (err.is_none()) return;
    err.attr("write")(text);
    err.attr("flush")();
  }
};

// ---------------------------------------------------------------- arrays out

// A NumPy array that owns `v` (no copy): freed when the array is.
template <class T>
nb::ndarray<nb::numpy, T> to_numpy(std::vector<T>&& v, std::initializer_list<std::size_t> shape) {
  auto* heap = new std::vector<T>(std::move(v));
  nb::capsule owner(heap, [](void* p) noexcept { delete static_cast<std::vector<T>*>(p); });
  return nb::ndarray<nb::numpy, T>(heap->data(), shape.size(), shape.begin(), owner);
}
template <class T>
nb::ndarray<nb::numpy, T> to_numpy(std::vector<T>&& v) {
  const std::size_t n = v.size();
  return to_numpy(std::move(v), {n});
}

// A read-only view of memory owned by `owner` (a Python object keeping it alive).
nb::ndarray<nb::numpy, const double> view(const std::vector<double>& v, std::initializer_list<std::size_t> shape,
                                          nb::handle owner) {
  return nb::ndarray<nb::numpy, const double>(v.data(), shape.size(), shape.begin(), owner);
}

std::vector<double> copy(const double* data, std::size_t n) { return std::vector<double>(data, data + n); }

// ---------------------------------------------------------------- problems from arrays

std::string domain_field(int j) { return "problem.domains[" + std::to_string(j) + "]"; }

std::vector<std::string> names_or_default(const std::optional<std::vector<std::string>>& names, int K) {
  if (!names) {
    std::vector<std::string> out;
    for (int j = 0; j < K; ++j) out.push_back("domain" + std::to_string(j));
    return out;
  }
  if (static_cast<int>(names->size()) != K)
    throw InputError("problem.names", "has " + std::to_string(names->size()) + " entries, expected K = " +
                                          std::to_string(K));
  return *names;
}

std::vector<double> theta0_or_zeros(const std::optional<Vector>& theta0, int d) {
  if (!theta0) return std::vector<double>(d, 0.0);
  return copy(theta0->data(), theta0->shape(0));
}

std::vector<double> w0_or_uniform(const std::optional<Vector>& w0, int K) {
  if (!w0) return std::vector<double>(K, 1.0 / K);
  return copy(w0->data(), w0->shape(0));
}

// A quadratic problem from (A, c) pairs: each A a d×d matrix or its d
// diagonal entries; a mix is stored dense (as when read from JSON).
Problem quadratic(const std::vector<AnyArray>& A, const std::vector<Vector>& c, const AnyArray& A_v, const Vector& c_v,
                  const std::optional<Vector>& theta0, const std::optional<Vector>& w0,
                  const std::optional<std::vector<std::string>>& names) {
  if (A.empty()) throw InputError("problem.domains", "needs at least one domain (K >= 1)");
  if (A.size() != c.size()) throw InputError("problem.domains", "internal: A and c lists differ in length");
  QuadraticProblem p;
  p.K = static_cast<int>(A.size());
  auto check_shape = [](const AnyArray& a, const std::string& field) {
    if (a.ndim() == 2 && a.shape(0) != a.shape(1))
      throw InputError(field + ".A", "expected a square d x d matrix or a d-vector of diagonal entries (got shape " +
                                         std::to_string(a.shape(0)) + " x " + std::to_string(a.shape(1)) + ")");
    if (a.ndim() != 1 && a.ndim() != 2)
      throw InputError(field + ".A", "expected a d x d matrix or a d-vector (got " + std::to_string(a.ndim()) +
                                         " dimensions)");
    return static_cast<int>(a.shape(0));
  };
  p.d = check_shape(A[0], domain_field(0));
  bool all_diagonal = A_v.ndim() == 1;
  for (std::size_t j = 0; j < A.size(); ++j) {
    const std::string field = domain_field(static_cast<int>(j));
    const int dj = check_shape(A[j], field);
    if (dj != p.d)
      throw InputError(field + ".A", "dimension " + std::to_string(dj) + " differs from d = " + std::to_string(p.d));
    all_diagonal = all_diagonal && A[j].ndim() == 1;
  }
  if (check_shape(A_v, "problem.validation") != p.d)
    throw InputError("problem.validation.A", "dimension " + std::to_string(A_v.shape(0)) + " differs from d = " +
                                                 std::to_string(p.d));
  p.diagonal = all_diagonal;
  const std::size_t d = static_cast<std::size_t>(p.d);
  auto take = [&](const AnyArray& a, const Vector& centre) {
    Quadratic q;
    if (a.ndim() == 2 || p.diagonal) {
      q.A = copy(a.data(), a.ndim() == 2 ? d * d : d);
    } else {  // a diagonal among dense ones: expand
      q.A.assign(d * d, 0.0);
      for (std::size_t i = 0; i < d; ++i) q.A[i * d + i] = a.data()[i];
    }
    q.c = copy(centre.data(), centre.shape(0));
    return q;
  };
  for (std::size_t j = 0; j < A.size(); ++j) p.domains.push_back(take(A[j], c[j]));
  p.validation = take(A_v, c_v);
  p.names = names_or_default(names, p.K);
  p.theta0 = theta0_or_zeros(theta0, p.d);
  p.w0 = w0_or_uniform(w0, p.K);
  validate(p, "problem");
  return Problem(std::move(p));
}

Dataset dataset(const Matrix& X, const Vector& y, const std::string& field) {
  Dataset data;
  data.n = static_cast<int>(X.shape(0));
  if (y.shape(0) != X.shape(0))
    throw InputError(field, "X has " + std::to_string(X.shape(0)) + " rows but y has " + std::to_string(y.shape(0)) +
                                " labels");
  data.X = copy(X.data(), X.shape(0) * X.shape(1));
  for (std::size_t i = 0; i < data.X.size(); ++i)
    if (!std::isfinite(data.X[i]))
      throw InputError(field + ".X[" + std::to_string(i / X.shape(1)) + "][" + std::to_string(i % X.shape(1)) + "]",
                       "not finite (got " + format_number(data.X[i]) + ")");
  data.y.resize(y.shape(0));
  for (std::size_t i = 0; i < data.y.size(); ++i) {  // the JSON and CSV readers' rule: 0 is read as -1
    const double v = y.data()[i];
    if (v == 1.0)
      data.y[i] = 1.0;
    else if (v == -1.0 || v == 0.0)
      data.y[i] = -1.0;
    else
      throw InputError(field + ".y[" + std::to_string(i) + "]",
                       "label must be -1, +1 (or 0/1) (got " + format_number(v) + ")");
  }
  return data;
}

Problem logistic(const std::vector<Matrix>& X, const std::vector<Vector>& y, const Matrix& X_v, const Vector& y_v,
                 double lambda, double lambda_v, const std::optional<Vector>& theta0, const std::optional<Vector>& w0,
                 const std::optional<std::vector<std::string>>& names) {
  if (X.empty()) throw InputError("problem.domains", "needs at least one domain (K >= 1)");
  if (X.size() != y.size()) throw InputError("problem.domains", "internal: X and y lists differ in length");
  LogisticProblem p;
  p.K = static_cast<int>(X.size());
  p.d = static_cast<int>(X[0].shape(1));
  p.lambda = lambda;
  p.lambda_v = lambda_v;
  for (std::size_t j = 0; j < X.size(); ++j) {
    const std::string field = domain_field(static_cast<int>(j));
    if (static_cast<int>(X[j].shape(1)) != p.d)
      throw InputError(field, "has " + std::to_string(X[j].shape(1)) + " features, expected d = " + std::to_string(p.d));
    p.domains.push_back(dataset(X[j], y[j], field));
  }
  if (static_cast<int>(X_v.shape(1)) != p.d)
    throw InputError("problem.validation",
                     "has " + std::to_string(X_v.shape(1)) + " features, expected d = " + std::to_string(p.d));
  p.validation = dataset(X_v, y_v, "problem.validation");
  p.names = names_or_default(names, p.K);
  p.theta0 = theta0_or_zeros(theta0, p.d);
  p.w0 = w0_or_uniform(w0, p.K);
  validate(p, "problem");
  return Problem(std::move(p));
}

Problem from_json_text(const std::string& text, const std::string& source, const std::string& base_dir) {
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(text);
  } catch (const nlohmann::json::exception& ex) {
    throw InputError(source, std::string("not valid JSON: ") + ex.what());
  }
  return problem_from_json(j, source, base_dir);
}

// The problem's arrays as read-only views (no copies) kept alive by `self`.
nb::dict arrays(nb::handle self) {
  const Problem& p = nb::cast<const Problem&>(self);
  nb::dict out;
  if (const auto* q = std::get_if<QuadraticProblem>(&p)) {
    const std::size_t d = q->d;
    auto A = [&](const Quadratic& qq) {
      return q->diagonal ? view(qq.A, {d}, self) : view(qq.A, {d, d}, self);
    };
    nb::list As, cs;
    for (const Quadratic& qq : q->domains) As.append(A(qq)), cs.append(view(qq.c, {d}, self));
    out["A"] = As;
    out["c"] = cs;
    out["A_v"] = A(q->validation);
    out["c_v"] = view(q->validation.c, {d}, self);
    out["theta0"] = view(q->theta0, {d}, self);
    out["w0"] = view(q->w0, {static_cast<std::size_t>(q->K)}, self);
  } else {
    const auto& l = std::get<LogisticProblem>(p);
    const std::size_t d = l.d;
    nb::list Xs, ys;
    for (const Dataset& ds : l.domains) {
      Xs.append(view(ds.X, {static_cast<std::size_t>(ds.n), d}, self));
      ys.append(view(ds.y, {static_cast<std::size_t>(ds.n)}, self));
    }
    out["X"] = Xs;
    out["y"] = ys;
    out["X_v"] = view(l.validation.X, {static_cast<std::size_t>(l.validation.n), d}, self);
    out["y_v"] = view(l.validation.y, {static_cast<std::size_t>(l.validation.n)}, self);
    out["lambda"] = l.lambda;
    out["lambda_v"] = l.lambda_v;
    out["theta0"] = view(l.theta0, {d}, self);
    out["w0"] = view(l.w0, {static_cast<std::size_t>(l.K)}, self);
  }
  return out;
}

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
  std::sort(budgets.begin(), budgets.end());
  budgets.erase(std::unique(budgets.begin(), budgets.end()), budgets.end());
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
  plan.T = T;
  plan.N = N;
  plan.seeds = seeds;
  plan.seed0 = seed0;
  for (auto* list : {&plan.T, &plan.N}) {
    std::sort(list->begin(), list->end());
    list->erase(std::unique(list->begin(), list->end()), list->end());
  }
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

// ---------------------------------------------------------------- analysis

AnalysisOptions analysis_options(const std::string& metric, std::int64_t bootstrap, std::uint64_t seed,
                                 double max_diverged) {
  AnalysisOptions o;
  o.metric = parse_metric(metric, "metric");
  if (bootstrap < 0) throw InputError("bootstrap", "must be >= 0 (got " + std::to_string(bootstrap) + ")");
  o.bootstrap = static_cast<int>(std::min<std::int64_t>(bootstrap, INT32_MAX));
  o.seed = seed;
  if (!(max_diverged >= 0 && max_diverged <= 1))
    throw InputError("max_diverged", "must be a fraction in [0, 1] (got " + format_number(max_diverged) + ")");
  o.max_diverged = max_diverged;
  return o;
}

DirAnalysis analyze_dir(const std::string& dir, const std::string& metric, std::int64_t bootstrap, std::uint64_t seed,
                        double max_diverged, bool allow_partial, bool write_summary) {
  const AnalysisOptions o = analysis_options(metric, bootstrap, seed, max_diverged);
  PyStderrBuf buf;
  std::ostream warnings(&buf);
  DirAnalysis d;
  {
    nb::gil_scoped_release release;
    d = analyze_sweep_dir(dir, o, allow_partial, warnings);
    if (write_summary) io::write_file_atomically(dir + "/summary.json", summary_json(d).dump(2) + "\n");
    warnings.flush();
  }
  return d;
}

using IntColumn = nb::ndarray<const std::int64_t, nb::ndim<1>, nb::c_contig, nb::device::cpu>;
using SeedColumn = nb::ndarray<const std::uint64_t, nb::ndim<1>, nb::c_contig, nb::device::cpu>;
using BoolColumn = nb::ndarray<const bool, nb::ndim<1>, nb::c_contig, nb::device::cpu>;

DirAnalysis analyze_columns(const IntColumn& T, const IntColumn& N, const SeedColumn& seed, const IntColumn& rounds,
                            const IntColumn& steps, const Vector& val_loss, const Vector& phi, const Vector& fw_gap,
                            const BoolColumn& diverged, const Matrix& w, const Vector& val_acc,
                            const std::string& metric, std::int64_t bootstrap, std::uint64_t boot_seed,
                            double max_diverged) {
  const AnalysisOptions o = analysis_options(metric, bootstrap, boot_seed, max_diverged);
  const std::size_t n = T.shape(0);
  for (std::size_t len : {N.shape(0), seed.shape(0), rounds.shape(0), steps.shape(0), val_loss.shape(0), phi.shape(0),
                          fw_gap.shape(0), diverged.shape(0), w.shape(0), val_acc.shape(0)})
    if (len != n) throw InputError("runs", "columns of different lengths");
  if (n == 0) throw InputError("runs", "no rows");
  DirAnalysis d;
  {
    nb::gil_scoped_release release;
    RunsFile f;
    f.path = "DataFrame";
    f.rows.resize(n);
    const std::size_t K = w.shape(1);
    for (std::size_t i = 0; i < n; ++i) {
      SweepRow& r = f.rows[i];
      r.T = T.data()[i], r.N = N.data()[i], r.seed = seed.data()[i], r.rounds = rounds.data()[i];
      r.steps = steps.data()[i], r.val_loss = val_loss.data()[i], r.phi = phi.data()[i];
      r.fw_gap = fw_gap.data()[i], r.val_acc = val_acc.data()[i], r.diverged = diverged.data()[i];
      r.w.assign(w.data() + i * K, w.data() + (i + 1) * K);
    }
    check_metrics_finite(f, o.metric);
    d.source["runs_csv"] = nullptr;
    d.source["manifest"] = nullptr;
    d.source["allow_partial"] = true;
    d.analysis = analyze(f.rows, o);
  }
  return d;
}

std::pair<bool, std::vector<std::string>> check_analysis(const DirAnalysis& d, std::optional<std::string> law,
                                                         double min_r2, std::optional<std::pair<double, double>> exponent,
                                                         std::optional<std::string> baseline_json, double tolerance,
                                                         std::optional<double> greedy_margin) {
  CheckExpectation e;
  if (law) {
    if (*law != "log" && *law != "sqrt_nlogn" && *law != "power")
      throw InputError("expect", "unknown law '" + *law + "' (expected log, sqrt_nlogn or power)");
    e.law = law;
  }
  if (!(min_r2 >= 0 && min_r2 <= 1)) throw InputError("min_r2", "must be in [0, 1] (got " + format_number(min_r2) + ")");
  e.min_r2 = min_r2;
  if (exponent) {
    if (!(exponent->first >= 0) || !(exponent->second >= exponent->first))
      throw InputError("exponent", "expected (LO, HI) with 0 <= LO <= HI (got (" + format_number(exponent->first) +
                                       ", " + format_number(exponent->second) + "))");
    e.exponent = exponent;
  }
  if (baseline_json) {
    try {
      e.baseline = nlohmann::json::parse(*baseline_json);
    } catch (const nlohmann::json::exception& ex) {
      throw InputError("baseline", std::string("not valid JSON: ") + ex.what());
    }
    validate_baseline(*e.baseline);
  }
  if (!(tolerance > 0) || !std::isfinite(tolerance))
    throw InputError("tolerance", "must be a finite number > 0 (got " + format_number(tolerance) + ")");
  e.tolerance = tolerance;
  if (greedy_margin) {
    if (!(*greedy_margin >= 0) || !std::isfinite(*greedy_margin))
      throw InputError("greedy_margin", "must be a finite number >= 0 (got " + format_number(*greedy_margin) + ")");
    e.greedy_margin = greedy_margin;
  }
  CheckVerdict v;
  try {
    v = check(d.analysis, e);
  } catch (const nlohmann::json::exception& ex) {
    throw InputError("baseline", std::string("unexpected content: ") + ex.what());
  }
  return {v.pass, v.lines};
}

// ---------------------------------------------------------------- presets and generators

nb::dict preset(const std::string& name) {
  const ExperimentSettings s = load_preset(name);
  nb::dict out;
  out["problem"] = resolve_problem(s);
  if (s.T) out["T"] = *s.T;
  if (s.N) out["N"] = *s.N;
  if (s.seeds) out["seeds"] = *s.seeds;
  if (s.seed0) out["seed0"] = *s.seed0;
  if (s.inner_lr) out["inner_lr"] = *s.inner_lr;
  if (s.outer_lr) out["outer_lr"] = *s.outer_lr;
  if (s.inner_decay) out["inner_decay"] = *s.inner_decay;
  if (s.noise) out["noise"] = *s.noise;
  if (s.restart) out["restart"] = *s.restart;
  if (s.inner_schedule) out["inner_schedule"] = to_string(*s.inner_schedule);
  if (s.outer_schedule) out["outer_schedule"] = to_string(*s.outer_schedule);
  if (s.update) out["update"] = to_string(*s.update);
  if (s.noise_kind) out["noise_kind"] = to_string(*s.noise_kind);
  if (s.batch) out["batch"] = *s.batch;
  if (s.backend) out["backend"] = *s.backend;
  return out;
}

std::string description_of_preset(const std::string& name) { return load_preset(name).description; }

}  // namespace
}  // namespace py
}  // namespace horizon

NB_MODULE(_core, m) {
  using namespace horizon;
  using namespace horizon::py;
  m.doc() = "horizon's C++ core (the library the CLI uses); use the `horizon` package, not this module.";

  nb::exception<InputError>(m, "InputError", PyExc_ValueError);
  nb::exception<IoError>(m, "IoError", PyExc_OSError);

  m.attr("__version__") = version_string();
  m.def("build_options", &build_options);
  m.def("git_commit", &git_commit);

  nb::class_<Problem>(m, "_Problem")
      .def_prop_ro("kind", [](const Problem& p) { return problem_kind(p); })
      .def_prop_ro("d", [](const Problem& p) { return problem_d(p); })
      .def_prop_ro("K", [](const Problem& p) { return problem_K(p); })
      .def_prop_ro("names", [](const Problem& p) { return problem_names(p); })
      .def_prop_ro("diagonal",
                   [](const Problem& p) {
                     const auto* q = std::get_if<QuadraticProblem>(&p);
                     return q && q->diagonal;
                   })
      .def("hash", [](const Problem& p) { return problem_hash(p); })
      .def("to_json", [](const Problem& p) { return problem_to_json(p).dump(); })
      .def("arrays", &arrays);

  m.def("quadratic", &quadratic, "A"_a, "c"_a, "A_v"_a, "c_v"_a, "theta0"_a.none(), "w0"_a.none(), "names"_a.none());
  m.def("logistic", &logistic, "X"_a, "y"_a, "X_v"_a, "y_v"_a, "lambda_"_a, "lambda_v"_a, "theta0"_a.none(),
        "w0"_a.none(), "names"_a.none());
  m.def("from_json", &from_json_text, "text"_a, "source"_a, "base_dir"_a);
  m.def("load", [](const std::string& path) {
    nb::gil_scoped_release release;
    return load_problem(path);
  });
  m.def("write_text", [](const std::string& path, const std::string& text) {
    io::write_file_atomically(path, text);
  });
  m.def("generate_quadratic", [](int d, int K, double mu, double L, bool diagonal, int aligned, double spread,
                                 double lean, std::uint64_t seed) {
    GeneratorParams g{d, K, mu, L, diagonal, aligned, spread, lean, seed};
    validate(g);
    return Problem(generate_quadratic(g));
  });
  m.def("generate_logistic", [](int d, int K, int examples, int validation_examples, double label_noise, double spread,
                                double shift, int aligned, double lambda, double lambda_v, std::uint64_t seed) {
    LogisticGeneratorParams g{d, K, examples, validation_examples, label_noise, spread, shift, aligned, lambda,
                              lambda_v, seed};
    validate(g);
    return Problem(generate_logistic(g));
  });
  m.def("parse_int_list", &parse_int_list, "field"_a, "text"_a);
  m.def("preset_names", &preset_names);
  m.def("preset", &preset);
  m.def("preset_description", &description_of_preset);
  m.def("algorithm_defaults", [](const nb::dict& kw) {
    const ExperimentSettings s = settings_from(kw);
    return algorithm_dict(resolve_algorithm(s));
  });

  m.def("run", &run, "problem"_a, "T"_a, "seed"_a, "budgets"_a, "settings"_a);
  m.def("sweep", &sweep, "problem"_a, "T"_a, "N"_a, "seeds"_a, "seed0"_a, "settings"_a, "out_dir"_a, "resume"_a,
        "force"_a, "argv"_a, "manifest_extra"_a, "on_progress"_a.none(), "draw_progress"_a, "read_back"_a);
  m.def("read_runs", &read_runs, "path"_a);

  nb::class_<DirAnalysis>(m, "_Analysis")
      .def("summary_json", [](const DirAnalysis& d) { return summary_json(d).dump(); })
      .def("text", [](const DirAnalysis& d) {
        std::ostringstream os;
        print_analysis(os, d.analysis);
        return os.str();
      });
  m.def("analyze_dir", &analyze_dir, "dir"_a, "metric"_a, "bootstrap"_a, "seed"_a, "max_diverged"_a,
        "allow_partial"_a, "write_summary"_a);
  m.def("analyze_columns", &analyze_columns, "T"_a, "N"_a, "seed"_a, "rounds"_a, "steps"_a, "val_loss"_a, "phi"_a,
        "fw_gap"_a, "diverged"_a, "w"_a, "val_acc"_a, "metric"_a, "bootstrap"_a, "boot_seed"_a, "max_diverged"_a);
  m.def("check", &check_analysis, "analysis"_a, "law"_a.none(), "min_r2"_a, "exponent"_a.none(),
        "baseline_json"_a.none(), "tolerance"_a, "greedy_margin"_a.none());
}
