// horizon/check.hpp — a scaling law as a pass/fail regression check.
//
// Each expectation that is set must hold:
//   law        the preferred law (lowest AIC) is this one, and its R² ≥ min_r2
//   exponent   the power-law exponent p lies in [lo, hi]
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

CheckVerdict check(const Analysis& a, const CheckExpectation& e);

}  // namespace horizon
