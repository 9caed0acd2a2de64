// kernels/quadratic_kernels.hpp — what the CUDA backend (cuda_backend.cu) asks
// of the trajectory code (quadratic_diagonal.cu, quadratic_dense_fused.cu, quadratic_dense_gemm.cu). Host
// declarations only.
//
// A TrajectorySolver owns one problem, config and budget list on the device
// and runs batches of RunSpecs: for every (run, checkpoint) it returns θ (d)
// and w (K) in double, and whether the checkpoint was reached at all (a run
// that diverged stops, as in host/reference/trajectory.hpp). Metrics are scored on the
// host afterwards (score_results). Scalar = double or float: the state and
// arithmetic precision of the kernels (noise is always drawn in double,
// bit-identical to the CPU's, then rounded to Scalar).
//
// Three paths, all docs/algorithm.md §2 exactly:
//   diagonal      fused trajectory kernel, state on chip (quadratic_diagonal.cu)
//   dense-fused   fused trajectory kernel, A_j and H_w in shared memory
//   dense-gemm    shared-operand cuBLAS GEMMs per step + mixing kernels
// (quadratic_dense_fused.cu, quadratic_dense_gemm.cu). The rule choosing between the dense two:
// dense_fused_fits().
#pragma once

#include <cublas_v2.h>
#include <cuda_runtime.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "cublas_api.hpp"
#include "cuda_check.hpp"
#include "horizon/config.hpp"
#include "horizon/problem.hpp"
#include "horizon/result.hpp"

namespace horizon {
namespace cuda {

// The cuBLAS handle of the GEMM path, created on first use: constructing
// (and destroying) a BlasHandle that was never asked for its handle calls no
// cuBLAS function, so libcublas (dlopen()ed by cublas(), cublas_api.hpp) is
// loaded only when a GEMM solver is made, and a machine without it still
// runs the diagonal and fused paths. get() creates the handle on the current
// device and binds it to `stream` (the stream must outlive the BlasHandle);
// a failure throws and leaves no handle, so a later get() tries again. One
// mutex serialises get(): enough for the one backend object that owns it.
class BlasHandle {
 public:
  explicit BlasHandle(cudaStream_t stream) : stream_(stream) {}
  ~BlasHandle() {
    if (handle_) cublas().destroy(handle_);  // errors ignored: a destructor must not throw
  }
  BlasHandle(const BlasHandle&) = delete;
  BlasHandle& operator=(const BlasHandle&) = delete;

  cublasHandle_t get() {
    std::lock_guard<std::mutex> lock(mutex_);
    if (!handle_) {
      cublasHandle_t h = nullptr;
      CUBLAS_CHECK(cublas().create(&h));
      const cublasStatus_t bound = cublas().set_stream(h, stream_);
      if (bound != CUBLAS_STATUS_SUCCESS) cublas().destroy(h);
      CUBLAS_CHECK(bound);
      handle_ = h;
    }
    return handle_;
  }
  bool created() {
    std::lock_guard<std::mutex> lock(mutex_);
    return handle_ != nullptr;
  }

 private:
  std::mutex mutex_;
  cudaStream_t stream_;
  cublasHandle_t handle_ = nullptr;
};

// What the solvers share of the backend: the device, its limits, the stream
// every launch and copy goes to, and (GEMM path only) the lazily created
// cuBLAS handle — shared, so copies of the context (each solver keeps one)
// use one handle; the backend destroys it before the stream.
struct DeviceContext {
  int device = 0;
  int multiprocessors = 1;
  std::size_t shared_optin = 48 * 1024;  // shared memory one block may opt into (bytes)
  cudaStream_t stream = nullptr;
  std::shared_ptr<BlasHandle> blas;      // null: the GEMM path throws
};

// θ and w at every (run, checkpoint) of a batch; reached = 0 where the run
// had stopped on a divergence before that checkpoint.
struct BatchOutput {
  int runs = 0, checkpoints = 0, d = 0, K = 0;
  std::vector<double> theta;  // runs × checkpoints × d
  std::vector<double> w;      // runs × checkpoints × K
  std::vector<int> reached;   // runs × checkpoints
};

class TrajectorySolver {
 public:
  virtual ~TrajectorySolver() = default;
  virtual std::string path() const = 0;  // "diagonal-fused", "dense-fused", "dense-gemm"
  // Device memory one run of a batch needs (state, workspace, outputs), bytes.
  virtual std::size_t bytes_per_run() const = 0;
  // Runs specs[0, runs). Throws DeviceOutOfMemory when the batch does not fit.
  virtual BatchOutput run_batch(const RunSpec* specs, int runs) = 0;
};

// `budgets` ascending, ≥ 1; the problem diagonal for the first, dense for the others.
template <class Scalar>
std::unique_ptr<TrajectorySolver> make_diagonal_solver(const QuadraticProblem& p, const AlgorithmConfig& cfg,
                                                       const std::vector<std::int64_t>& budgets,
                                                       const DeviceContext& ctx);
template <class Scalar>
std::unique_ptr<TrajectorySolver> make_dense_fused_solver(const QuadraticProblem& p, const AlgorithmConfig& cfg,
                                                          const std::vector<std::int64_t>& budgets,
                                                          const DeviceContext& ctx);
template <class Scalar>
std::unique_ptr<TrajectorySolver> make_dense_gemm_solver(const QuadraticProblem& p, const AlgorithmConfig& cfg,
                                                         const std::vector<std::int64_t>& budgets,
                                                         const DeviceContext& ctx);

// The path rule for dense problems: the fused kernel is used when one block
// can hold all K matrices A_j plus one run's working set (H_w, S twice, Ĝ,
// residuals, noise, θ, ∇f_v, w, h: d² + 5·d·K + 2·d + 3·K scalars) in the shared
// memory a block may opt into (227 KiB on sm_90). Otherwise the GEMM path.
template <class Scalar>
bool dense_fused_fits(int d, int K, const DeviceContext& ctx);

// Helpers shared by the solvers.
template <class Scalar>
std::vector<Scalar> to_scalar(const std::vector<double>& v) {
  return std::vector<Scalar>(v.begin(), v.end());
}

}  // namespace cuda
}  // namespace horizon
