// A launch with a chosen configuration, for a test (launch_probe.hpp).
#include "launch_probe.hpp"

#include <cuda_runtime.h>

#include <vector>

#include "cuda_check.hpp"
#include "device_buffer.hpp"
#include "launch.hpp"

namespace horizon {
namespace cuda {
namespace {

__global__ void launch_probe_kernel(int* out) {
  extern __shared__ unsigned char shared[];
  if (threadIdx.x == 0 && shared != nullptr) shared[0] = 1;  // touches the dynamic shared memory
  out[threadIdx.x] = static_cast<int>(threadIdx.x);
}

}  // namespace

int launch_probe(int threads, std::size_t dynamic_shared_bytes) {
  DeviceBuffer<int> out(threads > 0 ? static_cast<std::size_t>(threads) : 1);
  out.zero(nullptr);
  launch_kernel("launch_probe_kernel", launch_probe_kernel, dim3(1), dim3(static_cast<unsigned>(threads)),
                dynamic_shared_bytes, nullptr, out.data());
  std::vector<int> host;
  out.download(host, nullptr);
  int wrote = 0;
  for (int t = 0; t < threads; ++t) wrote += host[t] == t;
  return wrote;
}

}  // namespace cuda
}  // namespace horizon
