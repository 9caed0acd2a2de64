// --backend cpu|cuda|auto (backend.hpp).
#include <ostream>

#include "horizon/backend.hpp"
#include "horizon/devices.hpp"
#include "horizon/error.hpp"

namespace horizon {

std::unique_ptr<Backend> make_cuda_backend(const DeviceInfo& device);  // kernels/ or host/cuda_absent.cpp

std::unique_ptr<Backend> make_backend(const std::string& which, int threads, std::ostream& notices,
                                      const std::string& kind) {
  if (which == "cpu") return make_cpu_backend(threads);
  if (which != "cuda" && which != "auto")
    throw InputError("--backend", "unknown value '" + which + "' (expected cpu, cuda or auto)");
  if (kind != "quadratic") {  // the GPU runs quadratic problems only so far
    if (which == "cuda") throw InputError("--backend", "cuda: " + kind + " problems are not supported on the GPU yet (use --backend cpu)");
    auto cpu = make_cpu_backend(threads);
    notices << "horizon: --backend auto: " << kind << " problems run on the CPU (not on the GPU yet); using the "
            << cpu->description() << "\n";
    return cpu;
  }
  std::string why;
  const std::vector<DeviceInfo> devices = cuda_devices(&why);
  if (devices.empty()) {
    if (which == "cuda") throw InputError("--backend", "cuda requested but " + why);
    auto cpu = make_cpu_backend(threads);
    notices << "horizon: --backend auto: " << why << "; using the " << cpu->description() << "\n";
    return cpu;
  }
  auto gpu = make_cuda_backend(devices.front());
  if (which == "auto") notices << "horizon: --backend auto: using " << gpu->description() << "\n";
  return gpu;
}

}  // namespace horizon
