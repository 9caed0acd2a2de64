// horizon/grid_summary.hpp — per-(N, T) statistics over seeds and T*(N).
//
// For each N: the curve over T of mean, standard error (sample sd / √n),
// median of a metric over the seeds that did not diverge, and the number
// that did; T* = the grid T with the best mean (lowest for losses, highest
// for accuracies; ties → smaller T) among the T whose diverged share is at
// most max_diverged (default 0: a T where any seed diverged cannot be T*, so
// a T where 60 of 64 seeds diverged cannot win on its 4 survivors).
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "horizon/runs_csv.hpp"

namespace horizon {

enum class Metric { val_loss, phi, fw_gap, val_acc };
Metric parse_metric(const std::string& s, const std::string& field);
std::string to_string(Metric m);
bool lower_is_better(Metric m);
double metric_of(const SweepRow& r, Metric m);

struct CurvePoint {
  std::int64_t T = 0;
  double mean = 0, se = 0, median = 0;
  std::int64_t count = 0;     // finished runs that did not diverge
  std::int64_t diverged = 0;  // runs flagged diverged
  std::vector<double> w_mean;  // mean weights over non-diverged seeds
  bool candidate = false;      // may be T*: count > 0 and diverged share ≤ max_diverged
};

struct PerN {
  std::int64_t N = 0;
  std::vector<CurvePoint> curve;  // ascending T
  std::int64_t T_star = 0;        // 0 when no T is a candidate
  std::size_t star_index = 0;     // position of T_star in curve
};

std::vector<PerN> summarize(const std::vector<SweepRow>& rows, Metric metric, double max_diverged = 0.0);

// The same statistics, fed one row at a time (a sweep's rows as they are
// read back). Memory grows with the (N, T) cells, not the seeds — unless
// medians are asked for, which keep each cell's values. Without them the
// median is NaN and the standard error comes from a running (Welford) sum of
// squares; the mean is the same sum in the same order either way.
class CurveAccumulator {
 public:
  CurveAccumulator(Metric metric, bool medians) : metric_(metric), medians_(medians) {}
  void add(const SweepRow& r);
  std::vector<PerN> finish(double max_diverged = 0.0) const;

 private:
  struct Cell {
    std::int64_t count = 0, diverged = 0;
    double sum = 0, welford_mean = 0, welford_m2 = 0;
    std::vector<double> w_sum, values;
  };
  Metric metric_;
  bool medians_;
  std::map<std::pair<std::int64_t, std::int64_t>, Cell> cells_;  // (N, T)
};

}  // namespace horizon
