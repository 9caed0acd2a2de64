// horizon/check.hpp — a scaling law as a pass/fail regression check.
//
// Each expectation that is set must hold:
//   law        the preferred law (the eligible fit with the lowest AIC, law_fit.hpp)
//              is this one, and its R² ≥ min_r2; with no eligible law this fails
//              and says why ("no law fits: …")
//   exponent   the power fit is eligible and its exponent p lies in [lo, hi]
//   baseline   every N in both has |T*_refined − T*_baseline| ≤ tolerance·T*_baseline,
//              and, where the baseline's preference was decisive, the same law wins
//   greedy     greedy is worse: metric(T = 1) − metric(T*) ≥ margin·|metric(T*)| at every N
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "horizon/analysis.hpp"

namespace horizon {

struct CheckExpectation {
  std::optional<std::string> law;
  double min_r2 = 0.9;
  std::optional<std::pair<double, double>> exponent;
  std::optional<nlohmann::json> baseline;  // a summary.json
  double tolerance = 0.25;
  std::optional<double> greedy_margin;
};

struct CheckVerdict {
  bool pass = true;
  std::vector<std::string> lines;  // "PASS: …" / "FAIL: …", one per finding
};

// Nothing set: InputError "check: nothing to check (…)" (a usage error, exit 2).
CheckVerdict check(const Analysis& a, const CheckExpectation& e);

// A stored summary.json as --baseline: an object with per_N[] of {N: integer
// >= 1, T_star_refined: number > 0 or null}, string metric, string-or-null
// preferred, boolean decisive; InputError naming the field otherwise.
void validate_baseline(const nlohmann::json& baseline);

}  // namespace horizon
