// horizon/runs_csv.hpp — the sweep's row format, DIR/runs.csv.
//
// One row per (T, N, seed), columns
//   T,N,seed,rounds,steps,val_loss,phi,fw_gap,diverged,w_0,…,w_{K-1},val_acc
// Numbers are written with 17 significant digits (they read back exactly);
// a diverged run has nan metrics and diverged = 1; val_acc is empty for
// kinds without an accuracy (quadratic). Readers go by header names.
#pragma once

#include <cmath>
#include <cstdint>
#include <iosfwd>
#include <string>
#include <vector>

#include "horizon/result.hpp"

namespace horizon {

struct SweepRow {
  std::int64_t T = 0, N = 0;
  std::uint64_t seed = 0;
  std::int64_t rounds = 0, steps = 0;
  double val_loss = 0, phi = 0, fw_gap = 0;
  double val_acc = NAN;  // NaN: the kind has no accuracy
  bool diverged = false;
  std::vector<double> w;
};

SweepRow make_row(const Checkpoint& c, std::int64_t T, std::uint64_t seed);
void write_runs_header(std::ostream& os, int K);
// has_accuracy: the problem kind reports val_acc (logistic); otherwise the
// column stays empty, also for diverged runs.
void write_run_row(std::ostream& os, const SweepRow& r, bool has_accuracy);

// Reads a runs.csv; InputError naming the file, line and column on anything
// malformed (missing columns, bad numbers, ragged rows, no rows at all).
std::vector<SweepRow> read_runs_csv(const std::string& path);

}  // namespace horizon
