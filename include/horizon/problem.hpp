// horizon/problem.hpp — bilevel problems (docs/algorithm.md §4): quadratic here,
// logistic in logistic.hpp, and `Problem`, either of them.
//
//   f_j(θ) = ½ (θ − c_j)ᵀ A_j (θ − c_j),  j = 0 … K−1,   f_v likewise (A_v, c_v).
//
// Memory layout: a dense A is d×d row-major (A[i*d + l]); a diagonal A is its
// d diagonal entries. A problem is diagonal when every A (domains and
// validation) is; a JSON file that mixes the two is stored dense.
#pragma once

#include <cstdint>
#include <string>
#include <variant>
#include <vector>

#include <nlohmann/json.hpp>

#include "horizon/logistic.hpp"

namespace horizon {

struct Quadratic {
  std::vector<double> A;  // d×d row-major, or d diagonal entries
  std::vector<double> c;  // centre, d
};

struct QuadraticProblem {
  int d = 0;
  int K = 0;
  bool diagonal = false;
  std::vector<std::string> names;  // K domain names
  std::vector<Quadratic> domains;  // K
  Quadratic validation;
  std::vector<double> theta0;  // d (zeros unless given)
  std::vector<double> w0;      // K (uniform unless given)

  // A_j(i, l) whatever the storage.
  double a(const Quadratic& q, int i, int l) const {
    if (diagonal) return i == l ? q.A[i] : 0.0;
    return q.A[static_cast<std::size_t>(i) * d + l];
  }
};

// Parses and validates a quadratic problem; `source` names the file in
// messages. Throws InputError ("problem.domains[1].A: not positive definite", …).
QuadraticProblem quadratic_from_json(const nlohmann::json& j, const std::string& source = "problem");
nlohmann::json quadratic_to_json(const QuadraticProblem& p);

// Validation of §4 / issue: finite numbers, consistent d, K ≥ 1, symmetric A
// (relative 1e-10), positive definite (Cholesky), w0 on the simplex.
void validate(const QuadraticProblem& p, const std::string& source = "problem");


// Seeded generator: a pure function of these fields (docs/algorithm.md §4).
//   eigenvalues of each A_j log-uniform in [mu, L]; dense problems rotate
//   them by a random orthogonal Q_j (QR of a Gaussian matrix); centres c_j
//   are Gaussian with standard deviation `spread`; the validation set leans
//   on domain `aligned`: A_v = A_aligned, c_v = (1−lean)·c_aligned + lean·c̄
//   (c̄ the mean centre). All randomness is Philox, stream `generator`, key
//   `seed`, so the problem is the same on every platform.
struct GeneratorParams {
  int d = 5;
  int K = 3;
  double mu = 0.1;
  double L = 1.0;
  bool diagonal = false;
  int aligned = 0;
  double spread = 1.0;
  double lean = 0.25;
  std::uint64_t seed = 0;
};
void validate(const GeneratorParams& g);
QuadraticProblem generate_quadratic(const GeneratorParams& g);

// Any problem kind. Backends, metrics and the sweep take this.
using Problem = std::variant<QuadraticProblem, LogisticProblem>;

std::string problem_kind(const Problem& p);  // "quadratic" or "logistic"
int problem_d(const Problem& p);
int problem_K(const Problem& p);
const std::vector<std::string>& problem_names(const Problem& p);

// Dispatches on "kind"; `base_dir` resolves data files of logistic problems.
Problem problem_from_json(const nlohmann::json& j, const std::string& source = "problem",
                          const std::string& base_dir = ".");
Problem load_problem(const std::string& path);
nlohmann::json problem_to_json(const Problem& p);
// 64-bit FNV-1a of the canonical JSON text, as 16 hex digits.
std::string problem_hash(const Problem& p);

}  // namespace horizon
