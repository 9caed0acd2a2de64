// horizon._core: problems from NumPy arrays and JSON, the generators and the presets.
#include "bindings_common.hpp"

namespace horizon {
namespace py {
namespace {

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

void bind_problems(nb::module_& m) {
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
  m.def("preset_names", &preset_names);
  m.def("preset", &preset);
  m.def("preset_description", &description_of_preset);
}

}  // namespace py
}  // namespace horizon
