// `horizon info`: version, build options, devices, presets.
#include <iostream>

#include "commands.hpp"
#include "horizon/backend.hpp"
#include "horizon/devices.hpp"
#include "horizon/experiment.hpp"
#include "horizon/version.hpp"

namespace horizon {
namespace cli {

Action add_info_command(CLI::App& app) {
  app.add_subcommand("info", "version, build options, CUDA devices, presets");
  return []() {
    std::cout << "horizon " << version_string() << "\n"
              << "build: " << build_options() << "\n"
              << "CPU threads: " << resolve_threads(0) << "\n";
    std::string why, detail;
    const std::vector<DeviceInfo> devices = cuda_devices(&why, &detail);
    if (devices.empty()) std::cout << "CUDA devices: none (" << why << "; " << detail << ")\n";
    for (const DeviceInfo& d : devices)
      std::cout << "CUDA device " << d.index << ": " << d.name << ", sm_" << d.cc_major << d.cc_minor << ", "
                << d.multiprocessors << " SMs, " << (d.memory_bytes >> 20) << " MiB\n";
    std::cout << "presets:";
    for (const std::string& n : preset_names()) std::cout << ' ' << n;
    std::cout << '\n';
    return 0;
  };
}

}  // namespace cli
}  // namespace horizon
