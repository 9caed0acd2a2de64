// horizon/law_fit.hpp — scaling laws T*(N) by weighted least squares (docs/algorithm.md §6).
//
//   log:        T = a + b·ln N
//   sqrt_nlogn: T = a + b·√(N ln N)
//   power:      T = a·N^p        (Gauss–Newton in T, started from the fit of ln T)
// Every law is fitted and scored on the same data and weights, residuals in T:
//   RSS = Σ w_i (T_i − f(N_i))²,  R² = 1 − RSS / Σ w_i (T_i − T̄_w)²,
//   AIC = n·ln(RSS/n) + 2k  (k = 2 parameters for every law).
// The preferred law has the lowest AIC; `decisive` says whether the runner-up
// is more than 2 AIC units behind (otherwise the data cannot tell them apart).
#pragma once

#include <map>
#include <string>
#include <vector>

namespace horizon {

struct LawFit {
  std::string law;
  std::map<std::string, double> params;  // {"a","b"} or {"a","p"}
  double rss = 0, r2 = 0, aic = 0;
  bool ok = false;  // false when the fit failed (too few points, degenerate data)
};

const std::vector<std::string>& law_names();  // log, sqrt_nlogn, power
double law_value(const LawFit& fit, double N);

LawFit fit_law(const std::string& law, const std::vector<double>& N, const std::vector<double>& T,
               const std::vector<double>& weights);

struct LawComparison {
  std::map<std::string, LawFit> fits;
  std::string preferred;  // empty when no law could be fitted
  double delta_aic = 0;   // runner-up AIC − preferred AIC
  bool decisive = false;  // delta_aic > 2
};

LawComparison compare_laws(const std::vector<double>& N, const std::vector<double>& T,
                           const std::vector<double>& weights);

}  // namespace horizon
