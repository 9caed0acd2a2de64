// `horizon merge DIR... --out DIR`: the shards of one sweep (sweep --shard
// I/N) into one sweep DIR whose runs.csv is the one-process sweep's.
#include <fstream>
#include <iostream>
#include <iterator>

#include "commands.hpp"
#include "horizon/merge.hpp"

namespace horizon {
namespace cli {

Action add_merge_command(CLI::App& app) {
  CLI::App* cmd = app.add_subcommand(
      "merge", "join the shards of a sweep (sweep --shard I/N) into one sweep DIR: runs.csv in the sweep's order");
  auto dirs = std::make_shared<std::vector<std::string>>();
  auto out = std::make_shared<std::string>();
  auto force = std::make_shared<bool>(false);
  cmd->add_option("DIR", *dirs, "the shards' directories (each shard once, in any order)")->required();
  cmd->add_option("--out", *out, "the merged sweep's directory")->required();
  cmd->add_flag("--force", *force, "--out holds a sweep: move it to --out/previous-<UTC time>/ first");
  return [=]() {
    MergeOptions opts;
    opts.shard_dirs = *dirs;
    opts.out_dir = *out;
    opts.force = *force;
    opts.log = &std::cerr;
    std::ifstream in("/proc/self/cmdline", std::ios::binary);
    const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    for (std::size_t start = 0, end; start < text.size(); start = end + 1) {
      end = text.find('\0', start);
      if (end == std::string::npos) end = text.size();
      opts.argv.push_back(text.substr(start, end - start));
    }
    const MergeOutcome o = merge_shards(opts);
    std::cerr << "horizon: merged " << o.shards << " shards: " << o.trajectories << " trajectories, " << o.rows
              << " rows in " << opts.out_dir << "/runs.csv\n";
    return 0;
  };
}

}  // namespace cli
}  // namespace horizon
