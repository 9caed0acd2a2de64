// The GPU's gradient noise, drawn for a test (noise_probe.hpp).
#include "noise_probe.hpp"

#include <cuda_runtime.h>

#include <vector>

#include "cuda_check.hpp"
#include "device_buffer.hpp"
#include "horizon/gradient_noise.hpp"
#include "launch.hpp"

namespace horizon {
namespace cuda {
namespace {

// Thread q: Philox call q, its (up to) four σξ into out[4q …].
template <class Scalar>
__global__ void noise_probe_kernel(std::uint64_t seed, std::int64_t n, int total, double sigma, Scalar* out) {
  const int q = static_cast<int>(blockIdx.x * blockDim.x + threadIdx.x);
  if (q >= noise_quads(1, total)) return;
  Scalar xi[4];
  const int count = scaled_noise_quad(seed, n, q, total, sigma, xi);
  for (int u = 0; u < count; ++u) out[4 * q + u] = xi[u];
}

template <class Scalar>
std::vector<Scalar> draw(std::uint64_t seed, std::int64_t n, int total, double sigma) {
  std::vector<Scalar> host;
  if (total <= 0) return host;
  cudaStream_t stream = nullptr;  // the default stream
  const int quads = noise_quads(1, total), block = 128, grid = (quads + block - 1) / block;
  DeviceBuffer<Scalar> out(4 * static_cast<std::size_t>(quads));
  CUDA_CHECK(cudaMemsetAsync(out.data(), 0xFF, out.size() * sizeof(Scalar), stream));
  launch_kernel("noise_probe_kernel", noise_probe_kernel<Scalar>, grid, block, 0, stream, seed, n, total, sigma,
                out.data());
  out.download(host, stream);
  return host;
}

}  // namespace

std::vector<double> device_scaled_noise(std::uint64_t seed, std::int64_t n, int total, double sigma) {
  return draw<double>(seed, n, total, sigma);
}
std::vector<float> device_scaled_noise_float(std::uint64_t seed, std::int64_t n, int total, double sigma) {
  return draw<float>(seed, n, total, sigma);
}

}  // namespace cuda
}  // namespace horizon
