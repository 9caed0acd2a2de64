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

std::string clipped(const nlohmann::json& j) {
  const std::string s = j.dump();
  return s.size() > 40 ? s.substr(0, 37) + "..." : s;
}

}  // namespace

void validate_baseline(const nlohmann::json& b) {
  const std::string f = "--baseline";
  if (!b.is_object()) throw InputError(f, "not a summary.json (expected an object, got " + clipped(b) + ")");
  if (!b.contains("per_N") || !b["per_N"].is_array()) throw InputError(f, "not a summary.json (no per_N array)");
  if (b.contains("metric") && !b["metric"].is_string())
    throw InputError(f + ": metric", "expected a string (got " + clipped(b["metric"]) + ")");
  if (b.contains("preferred") && !b["preferred"].is_string() && !b["preferred"].is_null())
    throw InputError(f + ": preferred", "expected a law name or null (got " + clipped(b["preferred"]) + ")");
  if (b.contains("decisive") && !b["decisive"].is_boolean())
    throw InputError(f + ": decisive", "expected true or false (got " + clipped(b["decisive"]) + ")");
  for (std::size_t i = 0; i < b["per_N"].size(); ++i) {
    const nlohmann::json& n = b["per_N"][i];
    const std::string at = f + ": per_N[" + std::to_string(i) + "]";
    if (!n.is_object()) throw InputError(at, "expected an object (got " + clipped(n) + ")");
    if (!n.contains("N") || !n["N"].is_number_integer() || n["N"].get<std::int64_t>() < 1)
      throw InputError(at + ".N", "expected an integer >= 1 (got " + (n.contains("N") ? clipped(n["N"]) : "nothing") + ")");
    if (!n.contains("T_star_refined") ||
        !(n["T_star_refined"].is_null() || (n["T_star_refined"].is_number() && n["T_star_refined"].get<double>() > 0)))
      throw InputError(at + ".T_star_refined", "expected a number > 0 or null (got " +
                                                   (n.contains("T_star_refined") ? clipped(n["T_star_refined"]) : "nothing") + ")");
  }
}

CheckVerdict check(const Analysis& a, const CheckExpectation& e) {
  Verdict v;
  const LawComparison& laws = a.laws;
  if (!e.law && !e.exponent && !e.baseline && !e.greedy_margin)
    throw InputError("check", "nothing to check (give --expect, --exponent, --baseline or --greedy-margin)");
  if (e.law) {
    if (!laws.fits.count(*e.law)) throw InputError("--expect", "unknown law '" + *e.law + "' (expected log, sqrt_nlogn or power)");
    if (laws.preferred.empty()) {
      v.expect(false, "expected " + *e.law + ", but no law fits: " + laws.no_law);
    } else {
      const LawFit& f = laws.fits.at(*e.law);
      const LawFit& best = laws.fits.at(laws.preferred);
      v.expect(laws.preferred == *e.law,
               "preferred law is " + laws.preferred + " (AIC " + fmt("%.2f", best.aic) + "), expected " + *e.law +
                   (f.eligible ? " (AIC " + fmt("%.2f", f.aic) + ")" : " (" + (f.ok ? f.why_not : f.why) + ")") +
                   (laws.decisive ? "" : "; the laws are within 2 AIC units: the data barely tell them apart"));
      v.expect(f.eligible && f.r2 >= e.min_r2,
               *e.law + " fit R² = " + (f.ok ? fmt("%.4f", f.r2) : std::string("none")) + " (need >= " +
                   fmt("%g", e.min_r2) + ")" + (f.ok && !f.eligible ? "; " + f.why_not : ""));
    }
  }
  if (e.exponent) {
    const LawFit& f = laws.fits.at("power");
    const double p = f.ok ? f.params.at("p") : NAN;
    v.expect(f.eligible && p >= e.exponent->first && p <= e.exponent->second,
             "power-law exponent p = " + fmt("%.4f", p) + " (need within [" + fmt("%g, %g", e.exponent->first, e.exponent->second) + "])" +
                 (!f.ok ? "; power: " + f.why : !f.eligible ? "; power: " + f.why_not : ""));
  }
  if (e.baseline) {
    const nlohmann::json& b = *e.baseline;
    validate_baseline(b);
    if (b.contains("metric") && b["metric"] != to_string(a.options.metric))
      throw InputError("--baseline", "was computed on " + b["metric"].dump() + ", this check on \"" +
                                         to_string(a.options.metric) + "\" (pass --metric to match)");
    int compared = 0;
    for (const auto& bn : b["per_N"]) {
      if (bn["T_star_refined"].is_null()) continue;  // every T diverged there
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
               "preferred law " + (laws.preferred.empty() ? std::string("none") : laws.preferred) + ", baseline preferred " +
                   b["preferred"].get<std::string>());
  }
  if (e.greedy_margin) {
    const double sign = lower_is_better(a.options.metric) ? 1.0 : -1.0;
    for (const NAnalysis& na : a.per_N) {
      const CurvePoint* greedy = nullptr;
      for (const CurvePoint& cp : na.grid.curve)
        if (cp.T == 1) greedy = &cp;
      if (!greedy) throw InputError("--greedy-margin", "the sweep has no T = 1 at N = " + std::to_string(na.grid.N));
      if (na.grid.T_star == 0) {
        v.expect(false, "N = " + std::to_string(na.grid.N) + ": no T* (every T has diverged runs beyond --max-diverged)");
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
