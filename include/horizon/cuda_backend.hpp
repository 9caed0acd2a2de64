// horizon/cuda_backend.hpp — the CUDA implementation of Backend (backend.hpp).
//
// Runs quadratic problems on one GPU (kernels/). Results agree with the CPU
// reference (host/reference/trajectory.hpp) to rounding: the same algorithm, the same
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
// Built only with CUDA (HORIZON_ENABLE_CUDA); make_cuda_backend is declared
// in backend.hpp.
#pragma once

#include <cstddef>
#include <memory>

#include "horizon/backend.hpp"
#include "horizon/devices.hpp"

namespace horizon {

// The options live in backend.hpp (GpuOptions), so host code without CUDA
// can pass them; this name is the CUDA code's.
using CudaBackendOptions = GpuOptions;

}  // namespace horizon
