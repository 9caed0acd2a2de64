// --backend cpu|cuda|auto (backend.hpp).
#include <ostream>
#include <thread>

#include "horizon/backend.hpp"
#include "horizon/devices.hpp"
#include "horizon/error.hpp"

namespace horizon {
namespace {

std::unique_ptr<Backend> cpu_or_refuse(const BackendChoice& c, const std::string& why) {
  if (c.gpu.single_precision)
    throw InputError("--precision", "float needs the CUDA backend (the CPU reference computes in double), but " + why);
  return make_cpu_backend(c.threads);
}

}  // namespace

std::unique_ptr<Backend> make_backend(const BackendChoice& c, std::ostream& notices, const std::string& kind) {
  if (c.threads > max_threads())
    notices << "horizon: --threads " << c.threads << " capped at " << max_threads() << " (this machine has "
            << std::thread::hardware_concurrency() << " hardware threads; results do not depend on the count)\n";
  if (c.which == "cpu") return cpu_or_refuse(c, "--backend cpu was chosen");
  if (c.which != "cuda" && c.which != "auto")
    throw InputError("--backend", "unknown value '" + c.which + "' (expected cpu, cuda or auto)");
  if (kind != "quadratic") {  // the GPU runs quadratic problems only so far
    if (c.which == "cuda")
      throw InputError("--backend", "cuda: " + kind + " problems are not supported on the GPU yet (use --backend cpu)");
    auto cpu = cpu_or_refuse(c, kind + " problems do not run on the GPU yet");
    notices << "horizon: --backend auto: " << kind << " problems run on the CPU (not on the GPU yet); using the "
            << cpu->description() << "\n";
    return cpu;
  }
  std::string why;
  const std::vector<DeviceInfo> devices = cuda_devices(&why);
  if (devices.empty()) {
    if (c.which == "cuda") throw InputError("--backend", "cuda requested but " + why);
    auto cpu = cpu_or_refuse(c, why);
    notices << "horizon: --backend auto: " << why << "; using the " << cpu->description() << "\n";
    return cpu;
  }
  // Under MPI each rank on a node takes the next GPU (node-local rank).
  auto gpu = make_cuda_backend(devices[static_cast<std::size_t>(c.local_rank) % devices.size()], c.gpu);
  if (c.which == "auto") notices << "horizon: --backend auto: using " << gpu->description() << "\n";
  return gpu;
}

}  // namespace horizon
