// The regression check (check.hpp).
#include "horizon/check.hpp"

#include <cmath>
#include <cstdio>

#include "horizon/error.hpp"

namespace horizon {
namespace {

std::string fmt(const char* f, double a, double b = 0, double c = 0) {
  char buf[256];
  std::snprintf(buf, sizeof buf, f, a, b, c);
  return buf;
}

class Verdict {
 public:
  void expect(bool ok, const std::string& what) {
    v_.pass = v_.pass && ok;
    v_.lines.push_back(std::string(ok ? "PASS: " : "FAIL: ") + what);
  }
  CheckVerdict done() { return v_; }

 private:
  CheckVerdict v_;
};

}  // namespace

CheckVerdict check(const Analysis& a, const CheckExpectation& e) {
  Verdict v;
  const LawComparison& laws = a.laws;
  if (!e.law && !e.exponent && !e.baseline && !e.greedy_margin)
    throw InputError("--expect", "nothing to check (give --expect, --exponent, --baseline or --greedy-margin)");
  if (e.law) {
    if (!laws.fits.count(*e.law)) throw InputError("--expect", "unknown law '" + *e.law + "' (expected log, sqrt_nlogn or power)");
    if (laws.preferred.empty()) {
      v.expect(false, "no law could be fitted (need at least 3 values of N with a finite T*)");
    } else {
      const LawFit& f = laws.fits.at(*e.law);
      const LawFit& best = laws.fits.at(laws.preferred);
      v.expect(laws.preferred == *e.law,
               "preferred law is " + laws.preferred + " (AIC " + fmt("%.2f", best.aic) + "), expected " + *e.law +
                   " (AIC " + fmt("%.2f", f.aic) + ")" +
                   (laws.decisive ? "" : "; the laws are within 2 AIC units: the data barely tell them apart"));
      v.expect(f.ok && f.r2 >= e.min_r2, *e.law + " fit R² = " + fmt("%.4f", f.r2) + " (need >= " + fmt("%g", e.min_r2) + ")");
    }
  }
  if (e.exponent) {
    const LawFit& f = laws.fits.at("power");
    const double p = f.ok ? f.params.at("p") : NAN;
    v.expect(f.ok && p >= e.exponent->first && p <= e.exponent->second,
             "power-law exponent p = " + fmt("%.4f", p) + " (need within [" + fmt("%g, %g", e.exponent->first, e.exponent->second) + "])");
  }
  if (e.baseline) {
    const nlohmann::json& b = *e.baseline;
    if (!b.contains("per_N") || !b["per_N"].is_array())
      throw InputError("--baseline", "not a summary.json (no per_N array)");
    if (b.contains("metric") && b["metric"] != to_string(a.options.metric))
      throw InputError("--baseline", "was computed on " + b["metric"].dump() + ", this check on \"" +
                                         to_string(a.options.metric) + "\" (pass --metric to match)");
    int compared = 0;
    for (const auto& bn : b["per_N"]) {
      if (!bn.contains("N") || !bn.contains("T_star_refined") || !bn["T_star_refined"].is_number()) continue;
      const std::int64_t N = bn["N"].get<std::int64_t>();
      const double want = bn["T_star_refined"].get<double>();
      for (const NAnalysis& na : a.per_N) {
        if (na.grid.N != N) continue;
        ++compared;
        const double rel = std::abs(na.T_star_refined - want) / want;
        v.expect(rel <= e.tolerance, "N = " + std::to_string(N) + ": T* = " + fmt("%.3f", na.T_star_refined) +
                                         " vs baseline " + fmt("%.3f (relative difference %.3f, tolerance %g)", want, rel, e.tolerance));
      }
    }
    v.expect(compared > 0, "baseline shares " + std::to_string(compared) + " values of N with this sweep");
    if (b.value("decisive", false) && b.contains("preferred") && b["preferred"].is_string())
      v.expect(laws.preferred == b["preferred"].get<std::string>(),
               "preferred law " + laws.preferred + ", baseline preferred " + b["preferred"].get<std::string>());
  }
  if (e.greedy_margin) {
    const double sign = lower_is_better(a.options.metric) ? 1.0 : -1.0;
    for (const NAnalysis& na : a.per_N) {
      const CurvePoint* greedy = nullptr;
      for (const CurvePoint& cp : na.grid.curve)
        if (cp.T == 1) greedy = &cp;
      if (!greedy) throw InputError("--greedy-margin", "the sweep has no T = 1 at N = " + std::to_string(na.grid.N));
      if (na.grid.T_star == 0) {
        v.expect(false, "N = " + std::to_string(na.grid.N) + ": every T diverged");
        continue;
      }
      const double star = na.grid.curve[na.grid.star_index].mean;
      const double gap = sign * (greedy->mean - star);
      v.expect(greedy->count > 0 && gap >= *e.greedy_margin * std::abs(star),
               "N = " + std::to_string(na.grid.N) + ": " + to_string(a.options.metric) + " at T=1 " +
                   fmt("%.6g vs %.6g at T*", greedy->mean, star) + " = " + std::to_string(na.grid.T_star) +
                   fmt(" (gap %.3g, need >= %.3g)", gap, *e.greedy_margin * std::abs(star)));
    }
  }
  return v.done();
}

}  // namespace horizon
