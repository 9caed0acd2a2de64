// horizon/cuda_backend.hpp — the CUDA implementation of Backend (backend.hpp).
//
// Runs quadratic problems on one GPU (kernels/). Results agree with the CPU
// reference (host/trajectory.hpp) to rounding: the same algorithm, the same
// Philox noise bit for bit, the same host-side scoring (score_results).
//
// Paths: diagonal problems always take the fused diagonal kernel. Dense
// problems take the fused kernel when one block's shared memory holds every
// A_j plus one run's working set (K·d² + d² + 5·d·K + 2·d + 3·K scalars, up
// to the device's opt-in limit, 227 KiB on sm_90), otherwise the
// shared-operand cuBLAS GEMM path; `path` forces one (forcing `fused` on a
// dense problem that does not fit throws std::runtime_error).
//
// Batching: runs are split into batches that fit the free device memory
// (cudaMemGetInfo, 80 % of it), at most max_batch_runs when that is set; a
// batch that still fails to allocate is halved and retried.
//
// Built only with CUDA (HORIZON_ENABLE_CUDA). Only declared here: calling
// make_cuda_backend(device) resolves to the two-argument form below with
// default options (kernels/cuda_backend.cu also defines a one-argument
// overload for host/backend_select.cpp, which declares that one itself; do
// not declare both in one translation unit, the call would be ambiguous).
#pragma once

#include <cstddef>
#include <memory>

#include "horizon/backend.hpp"
#include "horizon/devices.hpp"

namespace horizon {

struct CudaBackendOptions {
  bool single_precision = false;  // float state and arithmetic (noise still drawn in double)
  enum class Path { automatic, fused, gemm } path = Path::automatic;  // dense problems only
  std::size_t max_batch_runs = 0;  // 0: as many runs per batch as fit in device memory
};

std::unique_ptr<Backend> make_cuda_backend(const DeviceInfo& device, const CudaBackendOptions& opts = {});

}  // namespace horizon
