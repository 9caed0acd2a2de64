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

// Touches the last byte of its dynamic shared memory, when it has any: with
// none, shared[] has no byte to write (compute-sanitizer: out of bounds, and
// the context is lost for every later call of the process).
__global__ void launch_probe_kernel(int* out, unsigned dynamic_shared_bytes) {
  extern __shared__ unsigned char shared[];
  if (threadIdx.x == 0 && dynamic_shared_bytes > 0) shared[dynamic_shared_bytes - 1] = 1;
  out[threadIdx.x] = static_cast<int>(threadIdx.x);
}

}  // namespace

int launch_probe(int threads, std::size_t dynamic_shared_bytes) {
  DeviceBuffer<int> out(threads > 0 ? static_cast<std::size_t>(threads) : 1);
  out.zero(nullptr);
  launch_kernel("launch_probe_kernel", launch_probe_kernel, dim3(1), dim3(static_cast<unsigned>(threads)),
                dynamic_shared_bytes, nullptr, out.data(), static_cast<unsigned>(dynamic_shared_bytes));
  std::vector<int> host;
  out.download(host, nullptr);
  int wrote = 0;
  for (int t = 0; t < threads; ++t) wrote += host[t] == t;
  return wrote;
}

}  // namespace cuda
}  // namespace horizon
