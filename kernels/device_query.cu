// CUDA device discovery for `horizon info` and `--backend auto|cuda`.
#include <cuda_runtime.h>
#include <unistd.h>

#include "horizon/devices.hpp"

namespace horizon {
namespace {

// What a user should read when the runtime finds no device. Without a driver
// the runtime says "CUDA driver version is insufficient for CUDA runtime
// version", which reads like a version problem; that text stays in `detail`
// (`horizon info` shows it).
std::string reason_for(cudaError_t err) {
  const bool driver_loaded = ::access("/proc/driver/nvidia/version", F_OK) == 0;
  if (err == cudaErrorNoDevice || (err == cudaErrorInsufficientDriver && !driver_loaded))
    return "no NVIDIA GPU/driver found";
  if (err == cudaErrorInsufficientDriver) return "the NVIDIA driver is older than this build's CUDA runtime needs";
  return std::string("no usable CUDA device (") + cudaGetErrorString(err) + ")";
}

}  // namespace

std::vector<DeviceInfo> cuda_devices(std::string* why_none, std::string* detail) {
  std::vector<DeviceInfo> out;
  int count = 0;
  const cudaError_t err = cudaGetDeviceCount(&count);
  if (err != cudaSuccess) {
    if (why_none) *why_none = reason_for(err);
    if (detail) *detail = std::string("CUDA runtime: ") + cudaGetErrorName(err) + ": " + cudaGetErrorString(err);
    cudaGetLastError();  // clear the sticky error
    return out;
  }
  if (count == 0 && why_none) *why_none = "no NVIDIA GPU/driver found";
  if (count == 0 && detail) *detail = "CUDA runtime: cudaGetDeviceCount returned 0 devices";
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
