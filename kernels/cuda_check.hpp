// kernels/cuda_check.hpp — error checking for CUDA runtime and cuBLAS calls.
//
//   CUDA_CHECK(cudaMalloc(&p, n));      throws on any error
//   CUBLAS_CHECK(cublas().dgemm(...));  throws on any status but success (cublas_api.hpp)
//   kernel<<<grid, block, smem, s>>>(...); check_launch();
//
// Every failure throws std::runtime_error carrying file:line, the failed
// expression and the library's error string. An allocation failure throws
// the subclass DeviceOutOfMemory, so the backend can halve its batch and
// retry. With HORIZON_CUDA_SYNC_CHECKS defined (CMake option of the same
// name) check_launch() also synchronizes the device, so an asynchronous fault
// is reported at the launch that caused it. Nothing here calls exit().
#pragma once

#include <cublas_v2.h>
#include <cuda_runtime.h>

#include "cublas_api.hpp"

#include <stdexcept>
#include <string>

namespace horizon {
namespace cuda {

// cudaErrorMemoryAllocation (cudaMalloc, or a kernel that could not get its
// local memory): the caller may retry with less work.
class DeviceOutOfMemory : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

inline std::string where(const char* file, int line) { return std::string(file) + ":" + std::to_string(line); }

inline void check_cuda(cudaError_t status, const char* expr, const char* file, int line) {
  if (status == cudaSuccess) return;
  const std::string message = where(file, line) + ": " + expr + ": " + cudaGetErrorName(status) + " (" +
                              cudaGetErrorString(status) + ")";
  if (status == cudaErrorMemoryAllocation) {
    cudaGetLastError();  // an allocation failure is not sticky; clear it for the retry
    throw DeviceOutOfMemory(message);
  }
  throw std::runtime_error(message);
}

inline void check_cublas(cublasStatus_t status, const char* expr, const char* file, int line) {
  if (status == CUBLAS_STATUS_SUCCESS) return;
  const std::string message = where(file, line) + ": " + expr + ": " + cublas().status_name(status) + " (" +
                              cublas().status_string(status) + ")";
  if (status == CUBLAS_STATUS_ALLOC_FAILED) throw DeviceOutOfMemory(message);
  throw std::runtime_error(message);
}

// After every kernel launch: the launch's own error (bad configuration, too
// many resources); with HORIZON_CUDA_SYNC_CHECKS also faults during execution.
inline void check_launch(const char* file = __builtin_FILE(), int line = __builtin_LINE()) {
  check_cuda(cudaGetLastError(), "kernel launch", file, line);
#if defined(HORIZON_CUDA_SYNC_CHECKS)
  check_cuda(cudaDeviceSynchronize(), "kernel execution (HORIZON_CUDA_SYNC_CHECKS)", file, line);
#endif
}

}  // namespace cuda
}  // namespace horizon

#define CUDA_CHECK(expr) ::horizon::cuda::check_cuda((expr), #expr, __FILE__, __LINE__)
#define CUBLAS_CHECK(expr) ::horizon::cuda::check_cublas((expr), #expr, __FILE__, __LINE__)
