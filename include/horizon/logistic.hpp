// horizon/logistic.hpp — logistic-regression domains (docs/algorithm.md §4).
//
//   f_j(θ) = (1/n_j) Σ_i log(1 + exp(−y_i x_iᵀθ)) + (λ/2)‖θ‖²,   y_i ∈ {−1, +1}
//   ∇f_j(θ) = −(1/n_j) Σ_i y_i σ(−m_i) x_i + λθ,               m_i = y_i x_iᵀθ
//   ∇²f_j(θ) S = (1/n_j) X_jᵀ D (X_j S) + λS,                   D = diag(σ(m)(1 − σ(m)))
// The validation set likewise with its own λ_v ≥ 0; it also reports the
// accuracy: x_iᵀθ > 0 predicts +1, otherwise −1.
//
// Memory layout: X is n×d row-major (X[i*d + l]), y holds ±1.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace horizon {

struct Dataset {
  int n = 0;
  std::vector<double> X;  // n×d row-major
  std::vector<double> y;  // n labels, ±1
};

struct LogisticProblem {
  int d = 0;
  int K = 0;
  double lambda = 0;    // λ > 0 of the training domains
  double lambda_v = 0;  // λ_v ≥ 0 of the validation loss
  std::vector<std::string> names;
  std::vector<Dataset> domains;  // K
  Dataset validation;
  std::vector<double> theta0;  // d (zeros unless given)
  std::vector<double> w0;      // K (uniform unless given)
};

// Parses and validates; "data": "file.csv" paths are relative to `base_dir`.
// Errors name the field, the row and the value, e.g.
//   p.json.domains[1].y[7]: label must be -1, +1 (or 0/1) (got 2)
LogisticProblem logistic_from_json(const nlohmann::json& j, const std::string& source, const std::string& base_dir);
nlohmann::json logistic_to_json(const LogisticProblem& p);  // data inline

// Reads a CSV with a header row, a label column `y`, every other column a
// feature in order (what pandas' to_csv(index=False) writes).
Dataset read_dataset_csv(const std::string& path, const std::string& field);
void write_dataset_csv(const std::string& path, const Dataset& data, int d);

// Seeded synthetic domains: a pure function of the fields below.
//   Each domain j has a ground-truth direction u_j = (1−ρ)·u_shared + ρ·z_j
//   (unit Gaussian vectors, ρ = `spread`), features x ~ N(0, I_d) plus a
//   domain shift, labels y = sign(u_jᵀx) flipped with probability
//   `label_noise`. The validation set is drawn like domain `aligned`.
struct LogisticGeneratorParams {
  int d = 20;
  int K = 3;
  int examples = 200;             // per training domain
  int validation_examples = 500;
  double label_noise = 0.1;
  double spread = 0.6;
  double shift = 0.5;  // std. dev. of each domain's mean feature offset
  int aligned = 0;
  double lambda = 0.01;
  double lambda_v = 0.0;
  std::uint64_t seed = 0;
};
void validate(const LogisticGeneratorParams& g);
LogisticProblem generate_logistic(const LogisticGeneratorParams& g);

void validate(const LogisticProblem& p, const std::string& source = "problem");

}  // namespace horizon
