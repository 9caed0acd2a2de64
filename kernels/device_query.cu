// CUDA device discovery for `horizon info` and `--backend auto|cuda`.
#include <cuda_runtime.h>

#include "horizon/devices.hpp"

namespace horizon {

std::vector<DeviceInfo> cuda_devices(std::string* why_none) {
  std::vector<DeviceInfo> out;
  int count = 0;
  const cudaError_t err = cudaGetDeviceCount(&count);
  if (err != cudaSuccess) {
    if (why_none) *why_none = std::string("no usable CUDA device (") + cudaGetErrorString(err) + ")";
    cudaGetLastError();  // clear the sticky error
    return out;
  }
  if (count == 0 && why_none) *why_none = "no CUDA device found";
  for (int i = 0; i < count; ++i) {
    cudaDeviceProp prop{};
    if (cudaGetDeviceProperties(&prop, i) != cudaSuccess) continue;
    DeviceInfo d;
    d.index = i;
    d.name = prop.name;
    d.cc_major = prop.major;
    d.cc_minor = prop.minor;
    d.memory_bytes = prop.totalGlobalMem;
    d.multiprocessors = prop.multiProcessorCount;
    out.push_back(d);
  }
  return out;
}

}  // namespace horizon
