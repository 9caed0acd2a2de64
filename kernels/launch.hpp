// kernels/launch.hpp — every kernel launch of the CUDA backend goes through
// launch_kernel: the shared-memory opt-in rule, the launch, and its check.
//
// A block may use 48 KiB of shared memory (static + dynamic) without asking;
// beyond that the kernel must opt in to its dynamic part
// (cudaFuncAttributeMaxDynamicSharedMemorySize), up to the device's
// sharedMemPerBlockOptin (227 KiB on sm_90). The rule looks at the sum, so a
// kernel with static shared memory and a dynamic part under 48 KiB on its
// own still opts in. The dynamic part is rounded up to 16 bytes
// (shared_launch_bytes). check_launch names the kernel (and synchronises first
// under sync checks, cuda_check.hpp).
#pragma once

#include <cuda_runtime.h>

#include <cstddef>
#include <mutex>
#include <unordered_map>
#include <utility>

#include "cuda_check.hpp"

namespace horizon {
namespace cuda {

constexpr std::size_t kDefaultSharedLimit = 48 * 1024;

// The kernel's static shared memory in bytes (cached per kernel).
inline std::size_t static_shared_bytes(const void* kernel) {
  static std::mutex mutex;
  static std::unordered_map<const void*, std::size_t> cache;
  std::lock_guard<std::mutex> lock(mutex);
  auto it = cache.find(kernel);
  if (it != cache.end()) return it->second;
  cudaFuncAttributes attr{};
  CUDA_CHECK(cudaFuncGetAttributes(&attr, kernel));
  return cache[kernel] = attr.sharedSizeBytes;
}

// Dynamic shared memory is asked for in whole 16-byte units. ptxas may merge
// neighbouring 8-byte shared loads into one 16-byte load (LDS.128) whose
// second half lies past a layout's last element: compute-sanitizer's memcheck
// caught it in gemm_update_kernel<double> at K = 1 (8 bytes of w, a 16-byte
// read). An aligned 16-byte load never reaches past the rounded size.
constexpr std::size_t kSharedUnit = 16;
constexpr std::size_t shared_launch_bytes(std::size_t dynamic_bytes) {
  return (dynamic_bytes + kSharedUnit - 1) / kSharedUnit * kSharedUnit;
}

// Whether a launch with `dynamic_bytes` must opt in (the rule above).
inline bool needs_shared_opt_in(std::size_t static_bytes, std::size_t dynamic_bytes) {
  return static_bytes + dynamic_bytes > kDefaultSharedLimit;
}

#if defined(__CUDACC__)  // the launch syntax is nvcc's; the rule above is plain C++ (tests)
template <class... Params, class... Args>
void launch_kernel(const char* name, void (*kernel)(Params...), dim3 grid, dim3 block, std::size_t dynamic_bytes,
                   cudaStream_t stream, Args&&... args) {
  const void* key = reinterpret_cast<const void*>(kernel);
  const std::size_t bytes = shared_launch_bytes(dynamic_bytes);
  if (needs_shared_opt_in(static_shared_bytes(key), bytes))
    CUDA_CHECK(cudaFuncSetAttribute(key, cudaFuncAttributeMaxDynamicSharedMemorySize, static_cast<int>(bytes)));
  kernel<<<grid, block, bytes, stream>>>(std::forward<Args>(args)...);
  check_launch(name);
}
#endif

}  // namespace cuda
}  // namespace horizon
