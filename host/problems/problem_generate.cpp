// The seeded quadratic generator of problem.hpp: a pure function of its
// parameters. Every draw is Philox (stream `generator`, key = problem seed),
// addressed by (purpose, domain, index), and the arithmetic is plain loops,
// so the same parameters give the same problem on every platform.
#include <cmath>
#include <string>

#include "horizon/error.hpp"
#include "horizon/problem.hpp"
#include "horizon/rng.hpp"

namespace horizon {
namespace {

enum Purpose : std::uint32_t { rotation = 0, spectrum = 1, centre = 2 };

double gaussian(std::uint64_t seed, Purpose what, int domain, int i) {
  return rng::normal(seed, rng::generator, what, static_cast<std::uint32_t>(domain),
                     static_cast<std::uint32_t>(i));
}

// Uniform in [0, 1) for (purpose, domain, i).
double uniform(std::uint64_t seed, Purpose what, int domain, int i) {
  const auto r = rng::philox(seed, static_cast<std::uint32_t>(i), static_cast<std::uint32_t>(domain),
                             what, rng::generator << 28);
  return 0.5 * (rng::signed_uniform(r.v[0], r.v[1]) + 1.0);
}

// Random orthogonal d×d (row-major): modified Gram–Schmidt on Gaussian columns.
std::vector<double> random_rotation(std::uint64_t seed, int domain, int d) {
  std::vector<double> Q(static_cast<std::size_t>(d) * d);
  for (int i = 0; i < d * d; ++i) Q[i] = gaussian(seed, rotation, domain, i);
  for (int col = 0; col < d; ++col) {
    for (int prev = 0; prev < col; ++prev) {
      double dot = 0;
      for (int r = 0; r < d; ++r) dot += Q[r * d + col] * Q[r * d + prev];
      for (int r = 0; r < d; ++r) Q[r * d + col] -= dot * Q[r * d + prev];
    }
    double norm = 0;
    for (int r = 0; r < d; ++r) norm += Q[r * d + col] * Q[r * d + col];
    norm = std::sqrt(norm);
    for (int r = 0; r < d; ++r) Q[r * d + col] /= norm;
  }
  return Q;
}

// Eigenvalues log-uniform in [mu, L]; the first two are mu and L exactly so
// the condition number is the one asked for.
std::vector<double> spectrum_of(const GeneratorParams& g, int domain) {
  std::vector<double> lambda(g.d);
  for (int i = 0; i < g.d; ++i)
    lambda[i] = g.mu * std::pow(g.L / g.mu, uniform(g.seed, spectrum, domain, i));
  lambda[0] = g.mu;
  if (g.d > 1) lambda[1] = g.L;
  return lambda;
}

Quadratic make_domain(const GeneratorParams& g, int domain) {
  Quadratic q;
  const std::vector<double> lambda = spectrum_of(g, domain);
  if (g.diagonal) {
    q.A = lambda;
  } else {
    const std::vector<double> Q = random_rotation(g.seed, domain, g.d);
    q.A.assign(static_cast<std::size_t>(g.d) * g.d, 0.0);
    for (int i = 0; i < g.d; ++i)
      for (int l = 0; l <= i; ++l) {
        double s = 0;
        for (int m = 0; m < g.d; ++m) s += Q[i * g.d + m] * lambda[m] * Q[l * g.d + m];
        q.A[i * g.d + l] = q.A[l * g.d + i] = s;  // exactly symmetric
      }
  }
  q.c.resize(g.d);
  for (int i = 0; i < g.d; ++i) q.c[i] = g.spread * gaussian(g.seed, centre, domain, i);
  return q;
}

}  // namespace

void validate(const GeneratorParams& g) {
  if (g.d < 1) fail_value("generator.d", g.d, "must be >= 1");
  if (g.K < 1) fail_value("generator.K", g.K, "must be >= 1");
  if (!(g.mu > 0) || !std::isfinite(g.mu)) fail_value("generator.mu", g.mu, "must be a finite number > 0");
  if (!(g.L >= g.mu) || !std::isfinite(g.L)) fail_value("generator.L", g.L, "must be finite and >= mu");
  if (g.aligned < 0 || g.aligned >= g.K)
    fail_value("generator.aligned", g.aligned, "must be a domain index in [0, K)");
  if (!(g.spread >= 0) || !std::isfinite(g.spread))
    fail_value("generator.spread", g.spread, "must be a finite number >= 0");
  if (!(g.lean >= 0 && g.lean <= 1)) fail_value("generator.lean", g.lean, "must be in [0, 1]");
}

QuadraticProblem generate_quadratic(const GeneratorParams& g) {
  validate(g);
  QuadraticProblem p;
  p.d = g.d;
  p.K = g.K;
  p.diagonal = g.diagonal;
  for (int j = 0; j < g.K; ++j) {
    p.names.push_back("domain" + std::to_string(j));
    p.domains.push_back(make_domain(g, j));
  }
  p.validation.A = p.domains[g.aligned].A;
  p.validation.c.assign(g.d, 0.0);
  for (int i = 0; i < g.d; ++i) {
    double mean = 0;
    for (int j = 0; j < g.K; ++j) mean += p.domains[j].c[i];
    mean /= g.K;
    p.validation.c[i] = (1 - g.lean) * p.domains[g.aligned].c[i] + g.lean * mean;
  }
  p.theta0.assign(g.d, 0.0);
  p.w0.assign(g.K, 1.0 / g.K);
  validate(p, "generator");
  return p;
}

}  // namespace horizon
