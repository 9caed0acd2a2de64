// The horizon subcommands. Each registers itself on the app and returns the
// function that runs it once the command line is parsed.
#pragma once

#include <functional>

#include <CLI/CLI.hpp>

namespace horizon {
namespace cli {

using Action = std::function<int()>;

Action add_run_command(CLI::App& app);
Action add_sweep_command(CLI::App& app);
Action add_info_command(CLI::App& app);
Action add_optimum_command(CLI::App& app);
Action add_generate_command(CLI::App& app);
Action add_analyze_command(CLI::App& app);
Action add_check_command(CLI::App& app);
Action add_bench_command(CLI::App& app);
Action add_merge_command(CLI::App& app);

}  // namespace cli
}  // namespace horizon
