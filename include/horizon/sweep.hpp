// horizon/sweep.hpp — the T × N × seed grid driver.
//
// One trajectory per (T, seed) serves every N (checkpoints by forking,
// docs/algorithm.md §2). With no noise every seed is the same run: it is computed
// once per T and its rows are repeated for each seed. Trajectories run in
// batches; each finished batch is appended to DIR/runs.csv in whole rows and
// fsynced, so a killed sweep keeps its finished work and `resume` continues
// it (the noise is counter-based, so resumed rows equal the ones a full run
// would write). Nothing is sized by the grid: trajectories are generated a
// batch at a time and rows go straight to the file, so memory grows with the
// batch, not with the number of seeds. DIR is locked (DIR/.lock) while a
// sweep runs; a DIR that already holds a sweep needs `resume` or `force`
// (which moves the old results to DIR/previous-<UTC time>/). Every write is checked: a failure is
// an IoError naming the file, and manifest.json is replaced atomically.
// docs/schema.md documents runs.csv and manifest.json.
#pragma once

#include <cstdint>
#include <functional>
#include <iosfwd>
#include <string>
#include <vector>

#include "horizon/backend.hpp"
#include "horizon/config.hpp"
#include "horizon/problem.hpp"
#include "horizon/runs_csv.hpp"

#include <nlohmann/json.hpp>

namespace horizon {

struct SweepPlan {
  std::vector<std::int64_t> T, N;  // ascending, ≥ 1
  std::int64_t seeds = 1;
  std::uint64_t seed0 = 0;
  // A part of the grid (--shard I/N): the index-th of `count` contiguous,
  // equal blocks of the trajectories in the sweep's order (T, then seed).
  // `horizon merge` lays the shards' runs.csv end to end: the one-process file.
  struct Shard {
    int index = 0, count = 1;
  } shard;
};

// Other processes that compute batches of this sweep (MPI ranks; see
// host/sweep/mpi_world.hpp). Batches are numbered in the sweep's order from
// where the sweep starts; batch b is computed by process batch_owner(b), and
// process 0 (this one) writes them all in order.
class SweepPeers {
 public:
  virtual ~SweepPeers() = default;
  virtual int size() const = 0;  // processes, this one included
  // Tells the others where the sweep starts (trajectory index `from`) and
  // the batch size; distribute = false: this process computes everything.
  virtual void start(std::int64_t from, std::size_t batch, bool distribute) = 0;
  // The runs.csv text of batch `number`, computed by batch_owner(number, size()).
  virtual std::string receive(std::int64_t number) = 0;
};

// Round-robin with process 0 last in each round (b = 0 goes to process 1):
// process 0 also writes every batch, so when the batches do not divide
// evenly it is the one with fewer.
inline int batch_owner(std::int64_t number, int size) { return static_cast<int>((number + 1) % size); }

struct SweepOutcome {
  std::int64_t rows = 0;  // rows in runs.csv (kept + new); read them back with for_each_run_row
  std::int64_t trajectories_computed = 0;
  std::int64_t trajectories_resumed = 0;  // kept from an earlier run (--resume)
  std::int64_t trajectories_total = 0;    // computed + resumed
  bool seeds_shared = false;  // noise off: one trajectory per T
  double wall_seconds = 0;
};

struct SweepOptions {
  std::string out_dir;         // where runs.csv and manifest.json go
  bool resume = false;         // continue a sweep with the same config in out_dir
  bool force = false;          // move earlier results in out_dir aside, then start afresh
  std::ostream* log = nullptr;  // notices and (on a terminal) progress; may be null
  bool progress = false;        // draw a progress line on `log` (a terminal)
  // Not a terminal (a batch log): a line every `progress_every` seconds
  // (≤ 0: none) with trajectories done/total, run-steps/s and an ETA.
  double progress_every = 0;
  SweepPeers* peers = nullptr;  // MPI: the other ranks compute batches too
  nlohmann::json manifest_extra;  // merged into manifest.json (problem source, …)
  std::vector<std::string> argv;  // the command line, recorded in the manifest
  // Called before a batch is written (on_saving) and once it is on disk
  // (on_saved: trajectories done, kept + computed, of the total). The CLI
  // holds an interrupt back in between, so its count matches the file.
  std::function<void()> on_saving;
  std::function<void(std::int64_t done, std::int64_t total)> on_saved;
};

// manifest.json's schema_version (docs/schema.md): 2 adds the record of the
// run (argv, build, host, times, problem source); files without one are 1.
constexpr int manifest_schema_version = 2;

// InputError on a plan that cannot run (seed range past 2^64 − 1); run_sweep
// calls it too.
void validate(const SweepPlan& plan);

SweepOutcome run_sweep(const Problem& p, const AlgorithmConfig& cfg, const SweepPlan& plan,
                       Backend& backend, const SweepOptions& opts);

// An MPI rank other than 0: computes its batches (number mod peers' size ==
// rank) after rank 0's start(), and sends each batch's rows to rank 0.
void serve_sweep(const Problem& p, const AlgorithmConfig& cfg, const SweepPlan& plan, Backend& backend,
                 int rank, int size, const std::function<void(std::int64_t number, const std::string& rows)>& send,
                 const std::function<void(std::int64_t* from, std::size_t* batch, bool* distribute)>& receive_start);

// The config part of the manifest: what must match for `resume`.
nlohmann::json sweep_config_json(const Problem& p, const AlgorithmConfig& cfg,
                                 const SweepPlan& plan);

}  // namespace horizon
