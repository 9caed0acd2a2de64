// Weighted least-squares fits of T*(N) (law_fit.hpp).
#include "horizon/law_fit.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>

#include "horizon/error.hpp"

namespace horizon {
namespace {

// Weighted linear regression y = a + b·x; false when x is constant.
bool linear_wls(const std::vector<double>& x, const std::vector<double>& y, const std::vector<double>& w, double* a,
                double* b) {
  double sw = 0, sx = 0, sy = 0;
  for (std::size_t i = 0; i < x.size(); ++i) {
    sw += w[i];
    sx += w[i] * x[i];
    sy += w[i] * y[i];
  }
  const double mx = sx / sw, my = sy / sw;
  double sxx = 0, sxy = 0;
  for (std::size_t i = 0; i < x.size(); ++i) {
    sxx += w[i] * (x[i] - mx) * (x[i] - mx);
    sxy += w[i] * (x[i] - mx) * (y[i] - my);
  }
  if (!(sxx > 0)) return false;
  *b = sxy / sxx;
  *a = my - *b * mx;
  return true;
}

double feature(const std::string& law, double N) {
  if (law == "log") return std::log(N);
  return std::sqrt(N * std::log(N));  // sqrt_nlogn
}

void score(LawFit& f, const std::vector<double>& N, const std::vector<double>& T, const std::vector<double>& w) {
  double sw = 0, st = 0;
  for (std::size_t i = 0; i < T.size(); ++i) sw += w[i], st += w[i] * T[i];
  const double mean = st / sw;
  double rss = 0, tss = 0;
  for (std::size_t i = 0; i < T.size(); ++i) {
    const double r = T[i] - law_value(f, N[i]);
    rss += w[i] * r * r;
    tss += w[i] * (T[i] - mean) * (T[i] - mean);
  }
  const double n = static_cast<double>(T.size());
  f.rss = rss;
  f.r2 = tss > 0 ? 1 - rss / tss : (rss == 0 ? 1.0 : 0.0);
  // A perfect fit has RSS = 0: floor it so AIC stays finite and comparable.
  f.aic = n * std::log(std::max(rss / n, 1e-300)) + 2 * 2;
  f.ok = std::isfinite(f.aic) && std::isfinite(f.r2);
}

std::string short_number(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.4g", v);
  return buf;
}

double power_rss(const std::vector<double>& N, const std::vector<double>& T, const std::vector<double>& w, double a,
                 double p) {
  double rss = 0;
  for (std::size_t i = 0; i < N.size(); ++i) {
    const double r = T[i] - a * std::pow(N[i], p);
    rss += w[i] * r * r;
  }
  return rss;
}

// T = a·N^p: start from the weighted fit of ln T on ln N (weights w·T², the
// delta method), then Gauss–Newton on Σ w (T − a·N^p)². Each step is halved
// until the RSS does not grow, so the fit can only improve on its start; an
// undamped step on noisy T* once ran off to a = −1.17e4, p = −6.9e7.
bool fit_power(const std::vector<double>& N, const std::vector<double>& T, const std::vector<double>& w, LawFit* f) {
  std::vector<double> x, y, wl;
  for (std::size_t i = 0; i < N.size(); ++i) {
    if (!(T[i] > 0)) {
      f->why = "needs T* > 0 at every N";
      return false;
    }
    x.push_back(std::log(N[i]));
    y.push_back(std::log(T[i]));
    wl.push_back(w[i] * T[i] * T[i]);
  }
  double la, p;
  if (!linear_wls(x, y, wl, &la, &p)) {
    f->why = "the values of N give a constant feature";
    return false;
  }
  double a = std::exp(la), rss = power_rss(N, T, w, a, p);
  bool converged = false;
  for (int it = 0; it < 200 && !converged && std::isfinite(rss); ++it) {
    // J = [N^p, a·N^p·ln N]; solve the 2×2 normal equations.
    double j11 = 0, j12 = 0, j22 = 0, g1 = 0, g2 = 0;
    for (std::size_t i = 0; i < N.size(); ++i) {
      const double np = std::pow(N[i], p), r = T[i] - a * np;
      const double da = np, dp = a * np * x[i];
      j11 += w[i] * da * da, j12 += w[i] * da * dp, j22 += w[i] * dp * dp;
      g1 += w[i] * da * r, g2 += w[i] * dp * r;
    }
    const double det = j11 * j22 - j12 * j12;
    if (!(std::abs(det) > 0)) break;
    double step_a = (j22 * g1 - j12 * g2) / det, step_p = (j11 * g2 - j12 * g1) / det;
    bool accepted = false;
    for (int h = 0; h < 60 && !accepted; ++h, step_a /= 2, step_p /= 2) {
      const double r = power_rss(N, T, w, a + step_a, p + step_p);
      if (std::isfinite(r) && r <= rss) {
        accepted = true;
        a += step_a, p += step_p, rss = r;
      }
    }
    // No step lowers the RSS (a minimum to rounding), or the last one was negligible.
    converged = !accepted || (std::abs(step_a) <= 1e-12 * std::abs(a) && std::abs(step_p) <= 1e-12);
  }
  if (!converged || !std::isfinite(a) || !std::isfinite(p) || !std::isfinite(rss)) {
    f->why = "Gauss–Newton did not converge";
    return false;
  }
  f->params = {{"a", a}, {"p", p}};
  return true;
}

}  // namespace

const std::vector<std::string>& law_names() {
  static const std::vector<std::string> names = {"log", "sqrt_nlogn", "power"};
  return names;
}

double law_value(const LawFit& f, double N) {
  if (f.law == "power") return f.params.at("a") * std::pow(N, f.params.at("p"));
  return f.params.at("a") + f.params.at("b") * feature(f.law, N);
}

LawFit fit_law(const std::string& law, const std::vector<double>& N, const std::vector<double>& T,
               const std::vector<double>& w, double r2_floor) {
  if (law != "log" && law != "sqrt_nlogn" && law != "power")
    throw InputError("law", "unknown law '" + law + "' (expected log, sqrt_nlogn or power)");
  LawFit f;
  f.law = law;
  if (N.size() < 3) {  // two parameters need at least one degree of freedom
    f.why = "need >= 3 values of N with a finite T* (got " + std::to_string(N.size()) + ")";
    return f;
  }
  if (law == "log" || law == "sqrt_nlogn") {
    std::vector<double> x;
    for (double n : N) x.push_back(feature(law, n));
    double a, b;
    if (!linear_wls(x, T, w, &a, &b)) {
      f.why = "the values of N give a constant feature";
      return f;
    }
    f.params = {{"a", a}, {"b", b}};
  } else if (!fit_power(N, T, w, &f)) {
    return f;
  }
  score(f, N, T, w);
  if (!f.ok) {
    f.why = "the fit has no finite R² or AIC";
    return f;
  }
  const bool power = law == "power";
  const char* slope = power ? "p" : "b";
  if (power && !(f.params.at("a") > 0))
    f.why_not = "prefactor a = " + short_number(f.params.at("a")) + " is not positive";
  else if (!(f.params.at(slope) > 0))
    f.why_not = std::string(power ? "exponent p = " : "slope b = ") + short_number(f.params.at(slope)) +
                " is not positive (T* does not grow with N)";
  else if (!(f.r2 >= r2_floor))
    f.why_not = "R² = " + short_number(f.r2) + " is below " + short_number(r2_floor);
  f.eligible = f.why_not.empty();
  return f;
}

LawComparison compare_laws(const std::vector<double>& N, const std::vector<double>& T, const std::vector<double>& w,
                           double r2_floor) {
  LawComparison c;
  c.r2_floor = r2_floor;
  double best = std::numeric_limits<double>::infinity(), second = best;
  for (const std::string& law : law_names()) {
    LawFit f = fit_law(law, N, T, w, r2_floor);
    if (f.eligible) {
      if (f.aic < best) {
        second = best;
        best = f.aic;
        c.preferred = law;
      } else if (f.aic < second) {
        second = f.aic;
      }
    } else {
      c.no_law += (c.no_law.empty() ? "" : "; ") + law + ": " + (f.ok ? f.why_not : f.why);
    }
    c.fits[law] = f;
  }
  if (!c.preferred.empty()) c.no_law.clear();
  // One reason shared by every law (too few N) is said once.
  const LawFit& first = c.fits.at("log");
  if (!first.ok && std::all_of(c.fits.begin(), c.fits.end(), [&](const auto& kv) { return kv.second.why == first.why; }))
    c.no_law = first.why;
  c.delta_aic = std::isfinite(second) ? second - best : 0;
  c.decisive = c.delta_aic > 2;
  return c;
}

}  // namespace horizon
