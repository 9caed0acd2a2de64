// Problem JSON parsing, validation messages, the generator and the optimum.
#include <gtest/gtest.h>

#include <cmath>

#include "horizon/error.hpp"
#include "horizon/metrics.hpp"
#include "horizon/optimum.hpp"
#include "horizon/problem.hpp"
#include "problems/json_fields.hpp"
#include "support.hpp"

namespace horizon {
namespace {

using nlohmann::json;

json tiny() { return json::parse(test::read_file(HORIZON_TEST_DATA "/tiny.json")); }

// Expects problem_from_json to throw an InputError whose message contains `needle`.
void expect_rejected(const json& j, const std::string& needle) {
  try {
    problem_from_json(j, "p");
    ADD_FAILURE() << "accepted, expected an error containing: " << needle;
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
    EXPECT_EQ(std::string(e.what()).find('\n'), std::string::npos) << "one line";
  }
}

TEST(ProblemJson, MixedStorageIsStoredDense) {
  const QuadraticProblem p = quadratic_from_json(tiny());
  EXPECT_EQ(p.d, 2);
  EXPECT_EQ(p.K, 2);
  EXPECT_FALSE(p.diagonal);
  EXPECT_EQ(p.domains[1].A, (std::vector<double>{1.0, 0.0, 0.0, 3.0}));
  EXPECT_EQ(p.theta0, (std::vector<double>{0.0, 0.0}));
  EXPECT_EQ(p.names[1], "b");
}

TEST(ProblemJson, RoundTripAndHash) {
  for (bool diagonal : {false, true}) {
    const QuadraticProblem p = test::random_problem(6, 3, diagonal, 4);
    const QuadraticProblem q = quadratic_from_json(json::parse(problem_to_json(p).dump()));
    EXPECT_EQ(q.diagonal, diagonal);
    EXPECT_EQ(q.domains[2].A, p.domains[2].A);  // 17-digit JSON numbers read back exactly
    EXPECT_EQ(q.validation.c, p.validation.c);
    EXPECT_EQ(problem_hash(p), problem_hash(q));
  }
  EXPECT_NE(problem_hash(test::random_problem(6, 3, false, 4)), problem_hash(test::random_problem(6, 3, false, 5)));
}

TEST(ProblemJson, RejectsEachInvalidField) {
  json j = tiny();
  j["domains"][0]["A"][0][1] = 0.7;
  expect_rejected(j, "p.domains[0].A: not symmetric");
  j = tiny();
  j["domains"][0]["A"] = json::parse("[[1.0, 2.0], [2.0, 1.0]]");
  expect_rejected(j, "p.domains[0].A: not positive definite");
  j = tiny();
  j["domains"][1]["A"] = json::parse("[1.0, -3.0]");
  expect_rejected(j, "p.domains[1].A: not positive definite");  // stored dense: tiny.json mixes storage
  j = tiny();
  j["domains"][0]["A"] = json::parse("[2.0, 1.0]");
  j["validation"]["A"] = json::parse("[1.0, 1.0]");
  j["domains"][1]["A"] = json::parse("[1.0, -3.0]");
  expect_rejected(j, "p.domains[1].A[1]: not positive definite");  // all diagonal
  j = tiny();
  j["domains"][1]["c"] = json::parse("[0.0, 1.0, 2.0]");
  expect_rejected(j, "p.domains[1].c: has 3 entries, expected d = 2");
  j = tiny();
  j["domains"][1]["A"] = json::parse("[1.0, 2.0, 3.0]");
  expect_rejected(j, "p.domains[1].A: dimension 3 differs from d = 2");
  j = tiny();
  j["domains"] = json::array();
  expect_rejected(j, "p.domains: needs a non-empty array");
  j = tiny();
  j["w0"] = json::parse("[0.7, 0.7]");
  expect_rejected(j, "p.w0: not on the simplex");
  j = tiny();
  j["w0"] = json::parse("[1.5, -0.5]");
  expect_rejected(j, "p.w0[1]: must be a finite number >= 0");
  j = tiny();
  j["validation"]["c"][0] = "x";
  expect_rejected(j, "p.validation.c[0]: expected a number");
  j = tiny();
  j["domains"][0]["c"][0] = 1e308 * 10;  // inf
  expect_rejected(j, "p.domains[0].c[0]");
  j = tiny();
  j.erase("validation");
  expect_rejected(j, "p.validation: missing");
  j = tiny();
  j["kind"] = "cubic";
  expect_rejected(j, "p.kind: unknown problem kind");
  j = tiny();
  j["domains"][0]["A"][1] = json::parse("[0.5]");
  expect_rejected(j, "p.domains[0].A[1]: row has 1 entries");
  j = tiny();
  j["theta0"] = json::parse("[1.0]");
  expect_rejected(j, "p.theta0: has 1 entries, expected d = 2");
}

TEST(Generator, PureFunctionOfParameters) {
  const QuadraticProblem a = test::random_problem(8, 3, false, 11);
  const QuadraticProblem b = test::random_problem(8, 3, false, 11);
  EXPECT_EQ(problem_to_json(a), problem_to_json(b));
  // Eigenvalues land in [mu, L]: check via the Rayleigh quotient bounds on e_i.
  for (const Quadratic& q : a.domains)
    for (int i = 0; i < 8; ++i) {
      EXPECT_GE(q.A[i * 8 + i], 0.2 - 1e-12);
      EXPECT_LE(q.A[i * 8 + i], 1.0 + 1e-12);
    }
  GeneratorParams g;
  g.aligned = 5;
  EXPECT_THROW(generate_quadratic(g), InputError);
}

TEST(Optimum, FindsKnownVertexOptimum) {
  // Validation equals domain 0 exactly: Φ(e_0) = 0 is the minimum.
  GeneratorParams g;
  g.d = 4;
  g.K = 3;
  g.aligned = 0;
  g.lean = 0.0;
  g.seed = 2;
  const QuadraticProblem p = generate_quadratic(g);
  const OptimumResult r = find_optimum(p, 1e-10);
  EXPECT_TRUE(r.converged);
  EXPECT_NEAR(r.phi, 0.0, 1e-12);
  EXPECT_NEAR(r.w[0], 1.0, 1e-9);
}

std::string strict_error(const std::string& text) {
  try {
    json_fields::parse_strict(text, "--problem", "p.json");
  } catch (const InputError& e) {
    return e.what();
  }
  return "";
}

TEST(StrictJson, NamesTheRepeatedKeyByItsPath) {
  EXPECT_EQ(strict_error(R"({"a":[{"x":1},{"y":[1,{"z":1,"w":{},"z":2}]}]})"),
            "p.json.a[1].y[1].z: key given twice (JSON would keep only the last; remove one)");
  EXPECT_EQ(strict_error(R"({"kind":"q","kind":"q"})").rfind("p.json.kind: key given twice", 0), 0u);
  EXPECT_EQ(strict_error(R"([{"k":1},{"k":2}])"), "");  // the same key in two objects is fine
  EXPECT_NE(strict_error(R"({"a":)").find("--problem: 'p.json' is not valid JSON: [json.exception.parse_error"),
            std::string::npos);
}

TEST(StrictJson, DepthIsLimitedTo64) {
  EXPECT_EQ(strict_error(std::string(64, '[') + std::string(64, ']')), "");
  EXPECT_EQ(strict_error(std::string(65, '[') + std::string(65, ']')),
            "p.json: JSON nested more than 64 levels deep (a problem needs 5)");
  // An error message quotes a deep or huge value in 40 characters without recursing through it.
  const json deep = json::parse(std::string(5000, '[') + std::string(5000, ']'));
  EXPECT_EQ(json_fields::brief(deep), std::string(37, '[') + "...");
  EXPECT_EQ(json_fields::brief(json::parse("[1,2]")), "[1,2]");
}

TEST(Optimum, StationaryAndNoWorseThanRandomMixtures) {
  const QuadraticProblem p = test::random_problem(5, 4, false, 21);
  const OptimumResult r = find_optimum(p, 1e-10);
  EXPECT_TRUE(r.converged);
  EXPECT_LE(r.fw_gap, 1e-10);
  const Evaluator eval(p);
  for (int k = 0; k < 50; ++k) {
    std::vector<double> w(4);
    double s = 0;
    for (int j = 0; j < 4; ++j) s += (w[j] = 1.0 + std::sin(13.0 * k + 7 * j));
    for (double& x : w) x /= s;
    EXPECT_LE(r.phi, eval.mixture(w.data()).phi + 1e-12);
  }
}

}  // namespace
}  // namespace horizon
