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

void CurveAccumulator::add(const SweepRow& r) {
  Cell& c = cells_[{r.N, r.T}];
  if (r.diverged) {
    ++c.diverged;
    return;
  }
  const double v = metric_of(r, metric_);
  ++c.count;
  c.sum += v;
  const double delta = v - c.welford_mean;
  c.welford_mean += delta / static_cast<double>(c.count);
  c.welford_m2 += delta * (v - c.welford_mean);
  if (medians_) c.values.push_back(v);
  if (c.w_sum.empty()) c.w_sum.assign(r.w.size(), 0.0);
  for (std::size_t j = 0; j < r.w.size() && j < c.w_sum.size(); ++j) c.w_sum[j] += r.w[j];
}

std::vector<PerN> CurveAccumulator::finish(double max_diverged) const {
  std::vector<PerN> out;
  for (const auto& [key, cell] : cells_) {  // ascending N, then T
    if (out.empty() || out.back().N != key.first) {
      out.emplace_back();
      out.back().N = key.first;
    }
    CurvePoint cp;
    cp.T = key.second;
    cp.diverged = cell.diverged;
    cp.count = cell.count;
    if (cell.count == 0) {
      cp.mean = cp.se = cp.median = NAN;
    } else {
      const double n = static_cast<double>(cell.count);
      cp.mean = cell.sum / n;
      double ss = cell.welford_m2;
      cp.median = NAN;
      if (medians_) {  // two passes over the kept values, as before streaming
        ss = 0;
        for (double v : cell.values) ss += (v - cp.mean) * (v - cp.mean);
        std::vector<double> sorted = cell.values;
        std::sort(sorted.begin(), sorted.end());
        const std::size_t m = sorted.size();
        cp.median = m % 2 ? sorted[m / 2] : 0.5 * (sorted[m / 2 - 1] + sorted[m / 2]);
      }
      cp.se = cell.count > 1 ? std::sqrt(ss / (n - 1) / n) : 0.0;
      cp.w_mean = cell.w_sum;
      for (double& w : cp.w_mean) w /= n;
    }
    const double share = static_cast<double>(cp.diverged) / static_cast<double>(cp.count + cp.diverged);
    cp.candidate = cp.count > 0 && share <= max_diverged;
    out.back().curve.push_back(std::move(cp));
  }
  const bool lower = lower_is_better(metric_);
  for (PerN& pn : out)
    for (std::size_t i = 0; i < pn.curve.size(); ++i) {
      const CurvePoint& cp = pn.curve[i];
      if (!cp.candidate) continue;
      const double sign = lower ? 1.0 : -1.0;
      if (pn.T_star == 0 || sign * cp.mean < sign * pn.curve[pn.star_index].mean) {
        pn.T_star = cp.T;
        pn.star_index = i;
      }
    }
  return out;
}

std::vector<PerN> summarize(const std::vector<SweepRow>& rows, Metric metric, double max_diverged) {
  CurveAccumulator acc(metric, /*medians=*/true);
  for (const SweepRow& r : rows) acc.add(r);
  return acc.finish(max_diverged);
}

}  // namespace horizon
