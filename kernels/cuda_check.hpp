// kernels/cuda_check.hpp — error checking for CUDA runtime and cuBLAS calls.
//
//   CUDA_CHECK(cudaMalloc(&p, n));      throws on any error
//   CUBLAS_CHECK(cublas().dgemm(...));  throws on any status but success (cublas_api.hpp)
//   launch_kernel("name", kernel, grid, block, smem, s, args...);   (launch.hpp)
//
// Every failure throws std::runtime_error carrying file:line, the failed
// expression and the library's error string. An allocation failure throws
// the subclass DeviceOutOfMemory, so the backend can halve its batch and
// retry. With sync checks (below) check_launch() also synchronizes the
// device, so an asynchronous fault is reported at the launch that caused it,
// by the kernel's name. Nothing here calls exit().
#pragma once

#include <cublas_v2.h>
#include <cuda_runtime.h>

#include "cublas_api.hpp"

#include <cstdlib>
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

// Whether every launch is followed by a synchronise and a check: built in
// with the CMake option HORIZON_CUDA_SYNC_CHECKS, or asked for at run time
// with the environment variable HORIZON_CUDA_SYNC_CHECKS=1 (scripts/gpu-check
// does, so one build serves both).
// Whether the variable's value asks for them: set, not empty, not "0".
inline bool sync_checks_requested(const char* value) { return value && *value && std::string(value) != "0"; }

inline bool sync_checks() {
#if defined(HORIZON_CUDA_SYNC_CHECKS)
  return true;
#else
  static const bool on = sync_checks_requested(std::getenv("HORIZON_CUDA_SYNC_CHECKS"));
  return on;
#endif
}

// After every kernel launch: the launch's own error (bad configuration, too
// many resources) and, with sync checks, faults during its execution — each
// naming the kernel.
inline void check_launch(const char* kernel, const char* file = __builtin_FILE(), int line = __builtin_LINE()) {
  const std::string what = std::string("launch of ") + kernel;
  check_cuda(cudaGetLastError(), what.c_str(), file, line);
  if (sync_checks()) check_cuda(cudaDeviceSynchronize(), (what + " (sync check)").c_str(), file, line);
}

}  // namespace cuda
}  // namespace horizon

#define CUDA_CHECK(expr) ::horizon::cuda::check_cuda((expr), #expr, __FILE__, __LINE__)
#define CUBLAS_CHECK(expr) ::horizon::cuda::check_cublas((expr), #expr, __FILE__, __LINE__)
