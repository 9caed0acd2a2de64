// horizon/law_fit.hpp — scaling laws T*(N) by weighted least squares (docs/algorithm.md §6).
//
//   log:        T = a + b·ln N
//   sqrt_nlogn: T = a + b·√(N ln N)
//   power:      T = a·N^p        (Gauss–Newton in T with step halving, started
//                                 from the fit of ln T; reported failed when it
//                                 does not converge)
// Every law is fitted and scored on the same data and weights, residuals in T:
//   RSS = Σ w_i (T_i − f(N_i))²,  R² = 1 − RSS / Σ w_i (T_i − T̄_w)²,
//   AIC = n·ln(RSS/n) + 2k  (k = 2 parameters for every law).
// A fit is *eligible* when it grows with N (b > 0; a > 0 and p > 0 for power)
// and R² ≥ the floor (preferred_r2_floor, 0.5): a law that does not describe
// T* rising with N is no claim about it. The preferred law is the eligible
// fit with the lowest AIC; `decisive` says whether the eligible runner-up is
// more than 2 AIC units behind. With no eligible fit there is no preferred
// law, and `no_law` says why.
#pragma once

#include <map>
#include <string>
#include <vector>

namespace horizon {

constexpr double preferred_r2_floor = 0.5;

struct LawFit {
  std::string law;
  std::map<std::string, double> params;  // {"a","b"} or {"a","p"}
  double rss = 0, r2 = 0, aic = 0;
  bool ok = false;        // false when the fit failed (too few points, degenerate data, no convergence)
  std::string why;        // when !ok: the reason, e.g. "need >= 3 values of N with a finite T* (got 2)"
  bool eligible = false;  // ok, growing with N and R² ≥ the floor: may be preferred
  std::string why_not;    // when ok && !eligible: e.g. "slope b = -0.31 is not positive"
};

const std::vector<std::string>& law_names();  // log, sqrt_nlogn, power
double law_value(const LawFit& fit, double N);

LawFit fit_law(const std::string& law, const std::vector<double>& N, const std::vector<double>& T,
               const std::vector<double>& weights, double r2_floor = preferred_r2_floor);

struct LawComparison {
  std::map<std::string, LawFit> fits;
  std::string preferred;  // empty when no law is eligible
  std::string no_law;     // when preferred is empty: "log: …; sqrt_nlogn: …; power: …"
  double delta_aic = 0;   // eligible runner-up AIC − preferred AIC (0 with one eligible fit)
  bool decisive = false;  // delta_aic > 2
  double r2_floor = preferred_r2_floor;
};

LawComparison compare_laws(const std::vector<double>& N, const std::vector<double>& T,
                           const std::vector<double>& weights, double r2_floor = preferred_r2_floor);

}  // namespace horizon
