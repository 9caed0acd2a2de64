// horizon/runs_csv.hpp — the sweep's row format, DIR/runs.csv.
//
// One row per (T, N, seed), columns
//   T,N,seed,rounds,steps,val_loss,phi,fw_gap,diverged,w_0,…,w_{K-1},val_acc
// Numbers are written with 17 significant digits (they read back exactly);
// an empty cell is null: a diverged run (diverged = 1) has empty metrics and
// weights, and val_acc is empty for kinds without an accuracy (quadratic).
// Readers go by header names and read both empty cells and the "nan" of
// older files as NaN. docs/schema.md documents the columns.
#pragma once

#include <cmath>
#include <cstdint>
#include <functional>
#include <iosfwd>
#include <map>
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
std::string runs_header(int K);  // the header line, with its '\n'
// has_accuracy: the problem kind reports val_acc (logistic); otherwise the
// column stays empty, also for diverged runs.
void write_run_row(std::ostream& os, const SweepRow& r, bool has_accuracy);

// Reads a runs.csv; InputError naming the file, line and column on anything
// malformed (missing columns, bad numbers, ragged rows, no rows at all).
std::vector<SweepRow> read_runs_csv(const std::string& path);
// The same, one row at a time: memory does not grow with the file. Returns
// the number of rows.
std::int64_t for_each_run_row(const std::string& path, const std::function<void(const SweepRow&)>& visit);

// The columns of a header line, and one data line parsed by them (InputError
// naming `where` when malformed). read_runs_csv uses it; so does `resume`,
// which keeps the rows before the first bad line.
struct RunsCsvColumns {
  RunsCsvColumns(const std::string& header_line, const std::string& path);
  SweepRow parse(const std::string& line, const std::string& where) const;
  std::size_t width = 0;
  std::map<std::string, std::size_t> col;
  std::vector<std::size_t> w_cols;
};

}  // namespace horizon
