// `horizon bench`: runs the throughput benchmark built beside the binary —
// bench/horizon_bench_cuda (the GPU grid of docs/algorithm.md §7) when a CUDA device
// is usable, else bench/horizon_bench_cpu — passing the remaining arguments on.
#include <unistd.h>

#include <climits>
#include <iostream>
#include <string>
#include <vector>

#include "commands.hpp"
#include "horizon/devices.hpp"
#include "horizon/error.hpp"

namespace horizon {
namespace cli {
namespace {

std::string own_directory() {
  char buf[PATH_MAX];
  const ssize_t len = readlink("/proc/self/exe", buf, sizeof buf - 1);
  if (len <= 0) throw InputError("bench", "cannot locate the horizon binary (/proc/self/exe)");
  std::string path(buf, static_cast<std::size_t>(len));
  return path.substr(0, path.find_last_of('/'));
}

}  // namespace

Action add_bench_command(CLI::App& app) {
  CLI::App* cmd = app.add_subcommand("bench", "throughput benchmark: the GPU grid when a device is usable, else the CPU sweep");
  auto target = std::make_shared<std::string>("auto");
  cmd->add_option("--on", *target, "auto (default) | cpu | cuda");
  cmd->allow_extras();  // the rest goes to the benchmark binary (see its --help)
  return [=]() -> int {
    std::string why;
    const bool gpu = !cuda_devices(&why).empty();
    if (*target == "cuda" && !gpu) throw InputError("--on", "cuda requested but " + why);
    if (*target != "auto" && *target != "cpu" && *target != "cuda")
      throw InputError("--on", "unknown value '" + *target + "' (expected auto, cpu or cuda)");
    const bool use_gpu = *target == "cuda" || (*target == "auto" && gpu);
    const std::string exe = own_directory() + (use_gpu ? "/bench/horizon_bench_cuda" : "/bench/horizon_bench_cpu");
    if (access(exe.c_str(), X_OK) != 0)
      throw InputError("bench", "'" + exe + "' not found (build with -DHORIZON_BUILD_BENCH=ON)");
    if (*target == "auto" && !gpu) std::cerr << "horizon: bench: " << why << "; running the CPU benchmark\n";
    std::vector<std::string> args{exe};
    for (const std::string& extra : cmd->remaining()) args.push_back(extra);
    std::vector<char*> argv;
    for (std::string& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    std::cout.flush();
    execv(exe.c_str(), argv.data());
    throw InputError("bench", "cannot run '" + exe + "'");
  };
}

}  // namespace cli
}  // namespace horizon
