// Seeded synthetic classification domains (logistic.hpp): a pure function of
// the parameters, every draw Philox (stream `generator`, key = seed).
#include <cmath>

#include "horizon/error.hpp"
#include "horizon/logistic.hpp"
#include "horizon/rng.hpp"

namespace horizon {
namespace {

// Purposes: the Philox counter's n field, so no two uses share draws.
enum Purpose : std::uint32_t { shared_dir = 10, domain_dir = 11, features = 12, flips = 13, shifts = 14 };

double gauss(std::uint64_t seed, Purpose what, int who, std::uint32_t i) {
  return rng::normal(seed, rng::generator, what, static_cast<std::uint32_t>(who), i);
}

double uniform01(std::uint64_t seed, Purpose what, int who, std::uint32_t i) {
  const auto r = rng::philox(seed, i, static_cast<std::uint32_t>(who), what, rng::generator << 28);
  return 0.5 * (rng::signed_uniform(r.v[0], r.v[1]) + 1.0);
}

std::vector<double> unit_gaussian(std::uint64_t seed, Purpose what, int who, int d) {
  std::vector<double> v(d);
  double norm = 0;
  for (int l = 0; l < d; ++l) norm += (v[l] = gauss(seed, what, who, l)) * v[l];
  norm = std::sqrt(norm);
  for (double& x : v) x /= norm;
  return v;
}

// n examples around mean `shift` labelled by direction u; `who` keys the draws.
Dataset draw(const LogisticGeneratorParams& g, const std::vector<double>& u, const std::vector<double>& offset, int who, int n) {
  Dataset data;
  data.n = n;
  for (int i = 0; i < n; ++i) {
    double score = 0;
    for (int l = 0; l < g.d; ++l) {
      const double z = gauss(g.seed, features, who, static_cast<std::uint32_t>(i * g.d + l));
      data.X.push_back(offset[l] + z);
      score += u[l] * z;
    }
    double y = score > 0 ? 1.0 : -1.0;
    if (uniform01(g.seed, flips, who, i) < g.label_noise) y = -y;
    data.y.push_back(y);
  }
  return data;
}

}  // namespace

void validate(const LogisticGeneratorParams& g) {
  if (g.d < 1) fail_value("generator.d", g.d, "must be >= 1");
  if (g.K < 1) fail_value("generator.K", g.K, "must be >= 1");
  if (g.examples < 1) fail_value("generator.examples", g.examples, "must be >= 1");
  if (g.validation_examples < 1) fail_value("generator.validation_examples", g.validation_examples, "must be >= 1");
  if (!(g.label_noise >= 0 && g.label_noise <= 0.5)) fail_value("generator.label_noise", g.label_noise, "must be in [0, 0.5]");
  if (!(g.spread >= 0 && g.spread <= 1)) fail_value("generator.spread", g.spread, "must be in [0, 1]");
  if (!(g.shift >= 0) || !std::isfinite(g.shift)) fail_value("generator.shift", g.shift, "must be a finite number >= 0");
  if (g.aligned < 0 || g.aligned >= g.K) fail_value("generator.aligned", g.aligned, "must be a domain index in [0, K)");
  if (!(g.lambda > 0) || !std::isfinite(g.lambda)) fail_value("generator.lambda", g.lambda, "must be a finite number > 0");
  if (!(g.lambda_v >= 0) || !std::isfinite(g.lambda_v)) fail_value("generator.lambda_v", g.lambda_v, "must be a finite number >= 0");
}

LogisticProblem generate_logistic(const LogisticGeneratorParams& g) {
  validate(g);
  LogisticProblem p;
  p.d = g.d;
  p.K = g.K;
  p.lambda = g.lambda;
  p.lambda_v = g.lambda_v;
  const std::vector<double> common = unit_gaussian(g.seed, shared_dir, 0, g.d);
  std::vector<std::vector<double>> dirs, offsets;
  for (int j = 0; j < g.K; ++j) {
    const std::vector<double> own = unit_gaussian(g.seed, domain_dir, j, g.d);
    std::vector<double> u(g.d), m(g.d);
    double norm = 0;
    for (int l = 0; l < g.d; ++l) norm += (u[l] = (1 - g.spread) * common[l] + g.spread * own[l]) * u[l];
    for (double& x : u) x /= std::sqrt(norm);
    for (int l = 0; l < g.d; ++l) m[l] = g.shift * gauss(g.seed, shifts, j, l);
    dirs.push_back(u);
    offsets.push_back(m);
    p.names.push_back("domain" + std::to_string(j));
    p.domains.push_back(draw(g, u, m, j, g.examples));
  }
  // The validation set: fresh draws from the aligned domain's distribution.
  p.validation = draw(g, dirs[g.aligned], offsets[g.aligned], g.K, g.validation_examples);
  p.theta0.assign(g.d, 0.0);
  p.w0.assign(g.K, 1.0 / g.K);
  validate(p, "generator");
  return p;
}

}  // namespace horizon
