// Weighted least-squares fits of T*(N) (law_fit.hpp).
#include "horizon/law_fit.hpp"

#include <cmath>
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
               const std::vector<double>& w) {
  LawFit f;
  f.law = law;
  if (N.size() < 3) return f;  // two parameters need at least one degree of freedom
  if (law == "log" || law == "sqrt_nlogn") {
    std::vector<double> x;
    for (double n : N) x.push_back(feature(law, n));
    double a, b;
    if (!linear_wls(x, T, w, &a, &b)) return f;
    f.params = {{"a", a}, {"b", b}};
  } else if (law == "power") {
    // Start: ln T = ln a + p ln N with delta-method weights w·T², then Gauss–Newton in T.
    std::vector<double> x, y, wl;
    for (std::size_t i = 0; i < N.size(); ++i) {
      if (!(T[i] > 0)) return f;
      x.push_back(std::log(N[i]));
      y.push_back(std::log(T[i]));
      wl.push_back(w[i] * T[i] * T[i]);
    }
    double la, p;
    if (!linear_wls(x, y, wl, &la, &p)) return f;
    double a = std::exp(la);
    for (int it = 0; it < 100; ++it) {
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
      const double step_a = (j22 * g1 - j12 * g2) / det, step_p = (j11 * g2 - j12 * g1) / det;
      a += step_a;
      p += step_p;
      if (std::abs(step_a) <= 1e-12 * std::abs(a) && std::abs(step_p) <= 1e-12) break;
    }
    f.params = {{"a", a}, {"p", p}};
  } else {
    throw InputError("law", "unknown law '" + law + "' (expected log, sqrt_nlogn or power)");
  }
  score(f, N, T, w);
  return f;
}

LawComparison compare_laws(const std::vector<double>& N, const std::vector<double>& T, const std::vector<double>& w) {
  LawComparison c;
  double best = std::numeric_limits<double>::infinity(), second = best;
  for (const std::string& law : law_names()) {
    LawFit f = fit_law(law, N, T, w);
    if (f.ok) {
      if (f.aic < best) {
        second = best;
        best = f.aic;
        c.preferred = law;
      } else if (f.aic < second) {
        second = f.aic;
      }
    }
    c.fits[law] = f;
  }
  c.delta_aic = std::isfinite(second) ? second - best : 0;
  c.decisive = c.delta_aic > 2;
  return c;
}

}  // namespace horizon
