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
//
// The input is checked first (check_metrics_finite, check_grid): a missing
// metric on a run not flagged diverged, and runs.csv rows that are
// duplicated, off the manifest's grid or (unless allow_partial) missing from
// it, are errors naming the rows; a T whose diverged share exceeds
// max_diverged is not a T* candidate (grid_summary.hpp).
#pragma once

#include <cstdint>
#include <iosfwd>
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
  double max_diverged = 0.0;  // a T with a larger diverged share cannot be T*
  double r2_floor = preferred_r2_floor;
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

// A runs.csv with the line each row came from, for messages.
struct RunsFile {
  std::string path;
  std::vector<SweepRow> rows;
  std::vector<std::size_t> lines;  // lines[i]: 1-based line of rows[i]
};
RunsFile read_runs_file(const std::string& path);

// A NaN in val_loss, phi or fw_gap (and val_acc when that is the metric) on
// a row not flagged diverged: InputError "PATH:LINE: column val_loss: no value
// on a run not flagged diverged (got nan)".
void check_metrics_finite(const RunsFile& f, Metric metric);

// The sweep's grid as manifest.json records it (config.grid: T, N, seeds, seed0).
struct SweepGrid {
  std::vector<std::int64_t> T, N;
  std::uint64_t seed0 = 0;
  std::uint64_t seeds = 0;
};
SweepGrid grid_of_manifest(const nlohmann::json& manifest, const std::string& path);

struct GridCoverage {
  std::uint64_t expected = 0, present = 0, missing = 0;
  std::string missing_first;  // "(T=4, N=1000, seed=7), …": the first few missing rows
};
// Duplicated rows and rows off the grid are InputErrors naming the first few
// (with their lines); missing rows too unless allow_partial.
GridCoverage check_grid(const RunsFile& f, const SweepGrid& grid, bool allow_partial);

// FNV-1a 64 of a file's bytes, 16 hex digits (summary.json names its manifest by it).
std::string fnv1a64_hex(const std::string& bytes);
nlohmann::json analysis_json(const Analysis& a);

// A sweep directory analysed the way `horizon analyze DIR` does it: DIR/runs.csv
// read and checked (check_metrics_finite), then checked against
// DIR/manifest.json's grid (check_grid). Without a manifest it is an
// InputError unless allow_partial; warnings (no manifest, missing rows) go
// to `warnings`, one line each. `source` is summary.json's record of what
// the analysis was computed from.
struct DirAnalysis {
  Analysis analysis;
  nlohmann::json source;
};
DirAnalysis analyze_sweep_dir(const std::string& dir, const AnalysisOptions& opts, bool allow_partial,
                              std::ostream& warnings);
// summary.json's content: analysis_json plus the source.
nlohmann::json summary_json(const DirAnalysis& d);
// The table and law fits `horizon analyze` prints.
void print_analysis(std::ostream& os, const Analysis& a);

// Vertex of the parabola through (ln T, y) at the best point and its
// neighbours of `curve` (means, lower is better); grid value at an edge.
double refine_t_star(const std::vector<CurvePoint>& curve, std::size_t best, bool* at_edge);

}  // namespace horizon
