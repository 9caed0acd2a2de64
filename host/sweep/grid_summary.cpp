// Per-(N, T) statistics and grid T* (grid_summary.hpp).
#include "horizon/grid_summary.hpp"

#include <algorithm>
#include <cmath>
#include <map>

#include "horizon/error.hpp"

namespace horizon {

Metric parse_metric(const std::string& s, const std::string& field) {
  if (s == "val_loss") return Metric::val_loss;
  if (s == "phi") return Metric::phi;
  if (s == "fw_gap") return Metric::fw_gap;
  if (s == "val_acc") return Metric::val_acc;
  throw InputError(field, "unknown metric '" + s + "' (expected val_loss, phi, fw_gap or val_acc)");
}

std::string to_string(Metric m) {
  switch (m) {
    case Metric::val_loss: return "val_loss";
    case Metric::phi: return "phi";
    case Metric::fw_gap: return "fw_gap";
    case Metric::val_acc: return "val_acc";
  }
  return "?";
}

bool lower_is_better(Metric m) { return m != Metric::val_acc; }  // accuracy: T* is the argmax

double metric_of(const SweepRow& r, Metric m) {
  switch (m) {
    case Metric::val_loss: return r.val_loss;
    case Metric::phi: return r.phi;
    case Metric::fw_gap: return r.fw_gap;
    case Metric::val_acc: return r.val_acc;
  }
  return NAN;
}

std::vector<PerN> summarize(const std::vector<SweepRow>& rows, Metric metric, double max_diverged) {
  std::map<std::int64_t, std::map<std::int64_t, std::vector<const SweepRow*>>> groups;
  for (const SweepRow& r : rows) groups[r.N][r.T].push_back(&r);
  std::vector<PerN> out;
  for (const auto& [N, byT] : groups) {
    PerN pn;
    pn.N = N;
    for (const auto& [T, group] : byT) {
      CurvePoint cp;
      cp.T = T;
      std::vector<double> values;
      for (const SweepRow* r : group) {
        if (r->diverged) {
          ++cp.diverged;
          continue;
        }
        values.push_back(metric_of(*r, metric));
        if (cp.w_mean.empty()) cp.w_mean.assign(r->w.size(), 0.0);
        for (std::size_t j = 0; j < r->w.size(); ++j) cp.w_mean[j] += r->w[j];
      }
      cp.count = static_cast<std::int64_t>(values.size());
      if (values.empty()) {
        cp.mean = cp.se = cp.median = NAN;
      } else {
        double sum = 0;
        for (double v : values) sum += v;
        cp.mean = sum / values.size();
        double ss = 0;
        for (double v : values) ss += (v - cp.mean) * (v - cp.mean);
        cp.se = values.size() > 1 ? std::sqrt(ss / (values.size() - 1) / values.size()) : 0.0;
        std::sort(values.begin(), values.end());
        const std::size_t m = values.size();
        cp.median = m % 2 ? values[m / 2] : 0.5 * (values[m / 2 - 1] + values[m / 2]);
        for (double& w : cp.w_mean) w /= static_cast<double>(m);
      }
      const double share = static_cast<double>(cp.diverged) / static_cast<double>(cp.count + cp.diverged);
      cp.candidate = cp.count > 0 && share <= max_diverged;
      pn.curve.push_back(cp);
    }
    for (std::size_t i = 0; i < pn.curve.size(); ++i) {
      const CurvePoint& cp = pn.curve[i];
      if (!cp.candidate) continue;
      const double sign = lower_is_better(metric) ? 1.0 : -1.0;
      if (pn.T_star == 0 || sign * cp.mean < sign * pn.curve[pn.star_index].mean) {
        pn.T_star = cp.T;
        pn.star_index = i;
      }
    }
    out.push_back(std::move(pn));
  }
  return out;
}

}  // namespace horizon
