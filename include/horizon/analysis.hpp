// horizon/analysis.hpp — from runs.csv to T*(N) and the scaling law (docs/algorithm.md §6).
//
// Per (N, T): mean, standard error, median over seeds, diverged count
// (grid_summary.hpp). Per N:
//   T_star          the grid T with the best mean (exact grid value)
//   T_star_refined  the vertex of the parabola in x = ln T through the best
//                   point and its two neighbours, clipped to their span; the
//                   grid value when the best T is at an end of the grid
//   ci              percentile bootstrap interval of T_star_refined over seeds:
//                   B resamples of the seeds with replacement (Philox, key =
//                   --seed, so the interval is reproducible)
// Over N: the three laws of law_fit.hpp fitted to T_star_refined with weights
// 1/σ², σ = max(CI half-width / 1.96, 0.02·T_star_refined): the CI where
// seeds disagree, a 2% relative error floor where they do not (no noise).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "horizon/grid_summary.hpp"
#include "horizon/law_fit.hpp"
#include "horizon/runs_csv.hpp"

namespace horizon {

struct AnalysisOptions {
  Metric metric = Metric::val_loss;
  int bootstrap = 1000;  // resamples; 0 = no interval (ci = [refined, refined])
  std::uint64_t seed = 0;
  double level = 0.95;
};

struct NAnalysis {
  PerN grid;  // N, curve, T_star
  double T_star_refined = 0;
  double ci_lo = 0, ci_hi = 0;
  bool at_edge = false;  // best T at an end of the grid: T* may lie outside it
  std::int64_t seeds = 0;
};

struct Analysis {
  AnalysisOptions options;
  std::vector<NAnalysis> per_N;
  LawComparison laws;
};

Analysis analyze(const std::vector<SweepRow>& rows, const AnalysisOptions& opts);
nlohmann::json analysis_json(const Analysis& a);

// Vertex of the parabola through (ln T, y) at the best point and its
// neighbours of `curve` (means, lower is better); grid value at an edge.
double refine_t_star(const std::vector<CurvePoint>& curve, std::size_t best, bool* at_edge);

}  // namespace horizon
