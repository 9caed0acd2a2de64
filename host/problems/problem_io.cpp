// Quadratic problems from and to JSON, with the validation of docs/algorithm.md §4.
#include <cmath>
#include <fstream>
#include <sstream>

#include <Eigen/Cholesky>
#include <Eigen/Dense>

#include "horizon/activity.hpp"
#include "horizon/error.hpp"
#include "horizon/parse.hpp"
#include "problems/json_fields.hpp"
#include "horizon/problem.hpp"

namespace horizon {
namespace {

using nlohmann::json;

using json_fields::brief;
const auto number = json_fields::finite_number;
const auto vector_of = json_fields::finite_vector;

struct RawMatrix {
  std::vector<double> values;
  bool diagonal = false;
  int d = 0;
};

// "A": a d-vector (diagonal) or a d×d array of rows (dense).
RawMatrix matrix_of(const json& j, const std::string& field) {
  if (!j.is_array() || j.empty())
    throw InputError(field, "expected a d-vector or a d×d matrix (got " + brief(j) + ")");
  RawMatrix m;
  if (!j[0].is_array()) {
    m.values = vector_of(j, field);
    m.diagonal = true;
    m.d = static_cast<int>(m.values.size());
    return m;
  }
  m.d = static_cast<int>(j.size());
  for (int i = 0; i < m.d; ++i) {
    const std::string row = field + "[" + std::to_string(i) + "]";
    const std::vector<double> r = vector_of(j[i], row);
    if (static_cast<int>(r.size()) != m.d)
      throw InputError(row, "row has " + std::to_string(r.size()) + " entries, expected " +
                                std::to_string(m.d) + " (a square matrix)");
    m.values.insert(m.values.end(), r.begin(), r.end());
  }
  return m;
}

const json& member(const json& j, const char* key, const std::string& field) {
  if (!j.is_object()) throw InputError(field, "expected an object (got " + brief(j) + ")");
  if (!j.contains(key)) throw InputError(field + "." + key, "missing");
  return j.at(key);
}

std::vector<double> expand_diagonal(const std::vector<double>& a) {
  const std::size_t d = a.size();
  std::vector<double> A(d * d, 0.0);
  for (std::size_t i = 0; i < d; ++i) A[i * d + i] = a[i];
  return A;
}

void check_quadratic(const QuadraticProblem& p, const Quadratic& q, const std::string& field) {
  const int d = p.d;
  const std::size_t want_a = p.diagonal ? d : static_cast<std::size_t>(d) * d;
  if (q.A.size() != want_a)
    throw InputError(field + ".A", "has dimension inconsistent with d = " + std::to_string(d));
  if (static_cast<int>(q.c.size()) != d)
    throw InputError(field + ".c", "has " + std::to_string(q.c.size()) +
                                       " entries, expected d = " + std::to_string(d));
  for (double v : q.A)
    if (!std::isfinite(v)) throw InputError(field + ".A", "not finite (got " + format_number(v) + ")");
  for (double v : q.c)
    if (!std::isfinite(v)) throw InputError(field + ".c", "not finite (got " + format_number(v) + ")");
  if (p.diagonal) {
    for (int i = 0; i < d; ++i)
      if (!(q.A[i] > 0))
        throw InputError(field + ".A[" + std::to_string(i) + "]",
                         "not positive definite: diagonal entry " + format_number(q.A[i]) + " <= 0");
    return;
  }
  double scale = 0;
  for (double v : q.A) scale = std::max(scale, std::abs(v));
  for (int i = 0; i < d; ++i)
    for (int l = i + 1; l < d; ++l) {
      const double a = q.A[i * d + l], b = q.A[l * d + i];
      if (std::abs(a - b) > 1e-10 * scale)
        throw InputError(field + ".A", "not symmetric: A[" + std::to_string(i) + "][" +
                                           std::to_string(l) + "] = " + format_number(a) +
                                           " but A[" + std::to_string(l) + "][" +
                                           std::to_string(i) + "] = " + format_number(b));
    }
  const Eigen::Map<const Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>> A(
      q.A.data(), d, d);
  const Eigen::LLT<Eigen::MatrixXd> llt(A);
  if (llt.info() != Eigen::Success)
    throw InputError(field + ".A", "not positive definite (Cholesky failed)");
}

}  // namespace

void validate(const QuadraticProblem& p, const std::string& source) {
  if (p.K < 1) throw InputError(source + ".domains", "needs at least one domain (K >= 1)");
  if (p.d < 1) throw InputError(source + ".domains[0].c", "dimension d must be >= 1");
  if (static_cast<int>(p.domains.size()) != p.K || static_cast<int>(p.names.size()) != p.K)
    throw InputError(source + ".domains", "internal: K does not match the domain list");
  for (int j = 0; j < p.K; ++j)
    check_quadratic(p, p.domains[j], source + ".domains[" + std::to_string(j) + "]");
  check_quadratic(p, p.validation, source + ".validation");
  if (static_cast<int>(p.theta0.size()) != p.d)
    throw InputError(source + ".theta0", "has " + std::to_string(p.theta0.size()) +
                                             " entries, expected d = " + std::to_string(p.d));
  for (double v : p.theta0)
    if (!std::isfinite(v)) throw InputError(source + ".theta0", "not finite (got " + format_number(v) + ")");
  if (static_cast<int>(p.w0.size()) != p.K)
    throw InputError(source + ".w0", "has " + std::to_string(p.w0.size()) +
                                         " entries, expected K = " + std::to_string(p.K));
  double sum = 0;
  for (int j = 0; j < p.K; ++j) {
    if (!std::isfinite(p.w0[j]) || p.w0[j] < 0)
      throw InputError(source + ".w0[" + std::to_string(j) + "]",
                       "must be a finite number >= 0 (got " + format_number(p.w0[j]) + ")");
    sum += p.w0[j];
  }
  if (std::abs(sum - 1.0) > 1e-9)
    throw InputError(source + ".w0", "not on the simplex: entries sum to " + format_number(sum) +
                                         ", expected 1");
}

QuadraticProblem quadratic_from_json(const json& j, const std::string& source) {
  if (!j.is_object()) throw InputError(source, "expected a JSON object (got " + brief(j) + ")");
  json_fields::only_keys(j, {"kind", "description", "domains", "validation", "theta0", "w0"}, source);
  const json& domains = member(j, "domains", source);
  if (!domains.is_array() || domains.empty())
    throw InputError(source + ".domains", "needs a non-empty array of domains (K >= 1)");

  QuadraticProblem p;
  p.K = static_cast<int>(domains.size());
  std::vector<RawMatrix> raw;
  std::vector<std::vector<double>> centres;
  auto read = [&](const json& q, const std::string& field) {
    json_fields::only_keys(q, {"name", "A", "c"}, field);
    raw.push_back(matrix_of(member(q, "A", field), field + ".A"));
    centres.push_back(vector_of(member(q, "c", field), field + ".c"));
    if (raw.back().d != raw.front().d)
      throw InputError(field + ".A", "dimension " + std::to_string(raw.back().d) +
                                         " differs from d = " + std::to_string(raw.front().d) +
                                         " of " + source + ".domains[0]");
    if (static_cast<int>(centres.back().size()) != raw.front().d)
      throw InputError(field + ".c", "has " + std::to_string(centres.back().size()) +
                                         " entries, expected d = " + std::to_string(raw.front().d));
  };
  for (int k = 0; k < p.K; ++k) {
    const std::string field = source + ".domains[" + std::to_string(k) + "]";
    const json& dom = domains[k];
    read(dom, field);
    if (dom.contains("name") && !dom["name"].is_string())
      throw InputError(field + ".name", "expected a string (got " + brief(dom["name"]) + ")");
    p.names.push_back(dom.contains("name") ? dom["name"].get<std::string>() : "domain" + std::to_string(k));
  }
  read(member(j, "validation", source), source + ".validation");
  p.d = raw.front().d;
  p.diagonal = true;
  for (const RawMatrix& m : raw) p.diagonal = p.diagonal && m.diagonal;
  auto to_quadratic = [&](std::size_t k) {
    Quadratic q;
    q.A = (!p.diagonal && raw[k].diagonal) ? expand_diagonal(raw[k].values) : raw[k].values;
    q.c = centres[k];
    return q;
  };
  for (int k = 0; k < p.K; ++k) p.domains.push_back(to_quadratic(k));
  p.validation = to_quadratic(p.K);
  p.theta0 = j.contains("theta0") ? vector_of(j["theta0"], source + ".theta0")
                                  : std::vector<double>(p.d, 0.0);
  p.w0 = j.contains("w0") ? vector_of(j["w0"], source + ".w0")
                          : std::vector<double>(p.K, 1.0 / p.K);
  validate(p, source);
  return p;
}

std::string problem_kind(const Problem& p) { return std::holds_alternative<QuadraticProblem>(p) ? "quadratic" : "logistic"; }
int problem_d(const Problem& p) { return std::visit([](const auto& q) { return q.d; }, p); }
int problem_K(const Problem& p) { return std::visit([](const auto& q) { return q.K; }, p); }
const std::vector<std::string>& problem_names(const Problem& p) {
  return std::visit([](const auto& q) -> const std::vector<std::string>& { return q.names; }, p);
}

Problem problem_from_json(const json& j, const std::string& source, const std::string& base_dir) {
  if (!j.is_object()) throw InputError(source, "expected a JSON object (got " + brief(j) + ")");
  const std::string kind = j.contains("kind") && j["kind"].is_string() ? j["kind"].get<std::string>() : "";
  if (kind == "quadratic") return quadratic_from_json(j, source);
  if (kind == "logistic") return logistic_from_json(j, source, base_dir);
  throw InputError(source + ".kind", "unknown problem kind (got " + (j.contains("kind") ? brief(j["kind"]) : "nothing") +
                                         "; expected \"quadratic\" or \"logistic\")");
}

Problem load_problem(const std::string& path) {
  const Doing doing("reading the problem '" + path + "'");
  std::ifstream in = open_input("--problem", path);
  const json j = json_fields::parse_strict(in, "--problem", path);
  const std::size_t slash = path.find_last_of('/');
  return problem_from_json(j, path, slash == std::string::npos ? "." : path.substr(0, slash));
}

json problem_to_json(const Problem& p) {
  if (const auto* q = std::get_if<QuadraticProblem>(&p)) return quadratic_to_json(*q);
  return logistic_to_json(std::get<LogisticProblem>(p));
}

json quadratic_to_json(const QuadraticProblem& p) {
  auto matrix = [&](const Quadratic& q) {
    if (p.diagonal) return json(q.A);
    json rows = json::array();
    for (int i = 0; i < p.d; ++i)
      rows.push_back(std::vector<double>(q.A.begin() + i * p.d, q.A.begin() + (i + 1) * p.d));
    return rows;
  };
  json j;
  j["kind"] = "quadratic";
  j["domains"] = json::array();
  for (int k = 0; k < p.K; ++k)
    j["domains"].push_back({{"name", p.names[k]}, {"A", matrix(p.domains[k])}, {"c", p.domains[k].c}});
  j["validation"] = {{"A", matrix(p.validation)}, {"c", p.validation.c}};
  j["theta0"] = p.theta0;
  j["w0"] = p.w0;
  return j;
}

std::string problem_hash(const Problem& p) {
  const std::string text = problem_to_json(p).dump();
  std::uint64_t h = 1469598103934665603ull;
  for (unsigned char ch : text) {
    h ^= ch;
    h *= 1099511628211ull;
  }
  std::ostringstream os;
  os << std::hex;
  os.width(16);
  os.fill('0');
  os << h;
  return os.str();
}

}  // namespace horizon
