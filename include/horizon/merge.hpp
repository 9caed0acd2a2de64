// horizon/merge.hpp — `horizon merge`: the shards of one sweep into one DIR.
//
// `horizon sweep --shard I/N` writes shard I's trajectories (a contiguous
// block of the sweep's order, host/sweep/trajectory_order.hpp) to its own
// DIR. merge_shards checks that the DIRs are the N shards of one sweep —
// every one complete, the same config (problem hash, algorithm, grid), the
// same version, each index once, none missing — and lays their runs.csv end
// to end in shard order, streaming: the result is byte for byte the
// runs.csv of the one-process sweep. The manifest is a sweep's manifest with
// command "merge" and `merged_from` listing the shards (docs/schema.md).
// Anything wrong is an InputError naming the DIR and what is wrong; nothing
// is written to `out` before every shard has been checked.
#pragma once

#include <cstdint>
#include <iosfwd>
#include <string>
#include <vector>

namespace horizon {

struct MergeOptions {
  std::vector<std::string> shard_dirs;
  std::string out_dir;
  bool force = false;  // out holds results: move them aside first
  std::vector<std::string> argv;
  std::ostream* log = nullptr;
};

struct MergeOutcome {
  int shards = 0;
  std::int64_t rows = 0, trajectories = 0;
};

MergeOutcome merge_shards(const MergeOptions& opts);

}  // namespace horizon
