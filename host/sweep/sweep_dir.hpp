// The sweep's output folder: its lock, moving old results aside (--force),
// what `--resume` keeps of a runs.csv, and naming the setting that differs.
// Internal to host/sweep.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "horizon/runs_csv.hpp"

namespace horizon {
namespace sweep_dir {

// flock(LOCK_EX | LOCK_NB) on DIR/.lock, held until destroyed (or the
// process ends, however it ends). The file holds the holder's pid so that a
// second sweep can name it: InputError "--out: 'DIR' is in use by another
// sweep (pid N)".
class DirLock {
 public:
  explicit DirLock(const std::filesystem::path& dir);
  ~DirLock();
  DirLock(const DirLock&) = delete;
  DirLock& operator=(const DirLock&) = delete;

 private:
  int fd_ = -1;
};

// UTC now as ISO 8601 ("2026-12-02T18:37:44Z"), and compact for file names
// ("20261202T183744Z").
std::string utc_iso8601();
std::string utc_compact();

// Result files a sweep (and analyze, scripts/plot) write in DIR.
const std::vector<std::string>& result_files();
// DIR holds a sweep: manifest.json, or a non-empty regular runs.csv.
bool has_results(const std::filesystem::path& dir);
// Moves every result file into DIR/previous-<UTC>/ (a new folder; -2, -3, …
// when one with that name exists); returns it. Nothing is deleted.
std::filesystem::path move_results_aside(const std::filesystem::path& dir);

// What --resume keeps of a runs.csv: the whole trajectories (all N of one
// (T, seed)) before the first line that is torn (no final newline),
// malformed, off the grid, or not the row a sweep writes next — a sweep
// writes its trajectories in order (T, then seed; N within each), so what it
// leaves is always the first `trajectories` of that order, and a repeated,
// missing or reordered row is caught without remembering every row. Read as
// a stream: memory does not grow with the file.
struct Prefix {
  std::int64_t trajectories = 0;  // kept: the first ones in the sweep's order
  std::int64_t kept_rows = 0;
  std::uintmax_t keep_bytes = 0;  // runs.csv up to the end of the last kept trajectory
  std::uintmax_t file_bytes = 0;
  std::string first_bad;  // why reading stopped ("" when every line was kept)
  bool torn_only = true;  // nothing is dropped but a cut end (a torn line, a cut trajectory)
  std::size_t lines = 0;  // data lines in the file (torn one included)
};
struct Grid {
  std::vector<std::int64_t> T, N;
  std::int64_t seeds = 1;
  std::uint64_t seed0 = 0;
  int K = 1;
  // The part of the sweep's order this runs.csv holds (TrajectoryOrder): a
  // shard's file is a prefix of trajectories [first, end). end < 0: to the
  // end of the grid.
  std::int64_t first = 0, end = -1;
};
Prefix read_valid_prefix(const std::filesystem::path& csv, const Grid& grid);

// The first setting in which two sweep configs differ, as
// "the manifest's inner_lr is 0.5, this sweep's is 0.25"; "" when equal.
std::string first_difference(const nlohmann::json& old_config, const nlohmann::json& config);

}  // namespace sweep_dir
}  // namespace horizon
